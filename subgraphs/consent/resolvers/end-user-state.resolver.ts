import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ConsentContext } from '../services';
import { RecipientRole } from '../../kit/recipient-role';
import { CookieConsent } from '../entities/cookie-consent.entity';
import { ContactPreference, PurposeConsent, SharingDecision } from '../entities/consent-state';
import {} from './consent.resolver';
import { EndUser } from '../entities/end-user.stub';

/** The end-user's current state, derived from their records; every load is batched per request. */
@Resolver(() => EndUser)
export class EndUserConsentStateResolver {
  @FieldResolver(() => [PurposeConsent], { description: 'Current consent per purpose (the latest record wins), with renewal flags.' })
  consentState(@Root() endUser: EndUser, @Ctx() { services }: ConsentContext): Promise<PurposeConsent[]> {
    return services.state.consentState(endUser.id);
  }

  @FieldResolver(() => [ContactPreference], { description: 'Whether each channel may be used to contact them, and why not.' })
  contactPreferences(@Root() endUser: EndUser, @Ctx() { services }: ConsentContext): Promise<ContactPreference[]> {
    return services.state.contactPreferences(endUser.id);
  }

  @FieldResolver(() => SharingDecision, { description: 'Whether their data may go to third parties (service providers need no opt-in).' })
  thirdPartySharing(@Root() endUser: EndUser, @Ctx() { services }: ConsentContext): Promise<SharingDecision> {
    return services.state.sharingDecision(endUser.id, RecipientRole.THIRD_PARTY);
  }

  @FieldResolver(() => CookieConsent, { nullable: true, description: 'Latest cookie choice of a chat-widget visitor linked to them.' })
  cookieConsent(@Root() endUser: EndUser, @Ctx() { services }: ConsentContext): Promise<CookieConsent | null> {
    return services.widget.latestForEndUser(endUser.id);
  }
}
