import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { ConsentContext } from '../services';
import { RecordCookieConsentInput } from '../inputs/widget.input';

@Resolver()
export class WidgetResolver {
  @Mutation(() => Boolean, { description: 'Chat widget only (widget key): records a visitor’s cookie choices; answers only true.' })
  recordCookieConsent(@Arg('input') input: RecordCookieConsentInput, @Ctx() { services }: ConsentContext): Promise<boolean> {
    return services.widget.recordCookieConsent(input);
  }

  @Mutation(() => Boolean, { description: 'Links a widget visitor to the end-user they turned out to be.' })
  linkVisitor(
    @Arg('visitorId') visitorId: string,
    @Arg('endUserId', () => ID) endUserId: string,
    @Ctx() { services }: ConsentContext,
  ): Promise<boolean> {
    return services.widget.linkVisitor(visitorId, endUserId);
  }
}
