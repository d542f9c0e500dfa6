import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { RecordCookieConsentInput } from '../inputs/widget.input';
import { proofOf } from '../services/proof';
import { WidgetService } from '../services/widget.service';
import { identityEndUserCheck } from '../../kit/end-user-guard';

@Resolver()
export class WidgetResolver {
  @Mutation(() => Boolean, { description: 'Chat widget only (widget key): records a visitor’s cookie choices; answers only true.' })
  async recordCookieConsent(@Arg('input') input: RecordCookieConsentInput, @Ctx() ctx: SubgraphContext): Promise<boolean> {
    return new WidgetService(ctx.scope, identityEndUserCheck(ctx)).recordCookieConsent(input, await proofOf(ctx, null));
  }

  @Mutation(() => Boolean, { description: 'Links a widget visitor to the end-user they turned out to be.' })
  linkVisitor(
    @Arg('visitorId') visitorId: string,
    @Arg('endUserId', () => ID) endUserId: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<boolean> {
    return new WidgetService(ctx.scope, identityEndUserCheck(ctx)).linkVisitor(visitorId, endUserId);
  }
}
