import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { InteractionSettings } from '../entities/interaction-settings.entity';
import { UpdateInteractionSettingsInput } from '../inputs/interaction-settings.input';
import { InteractionSettingsService } from '../services/interaction-settings.service';

@Resolver(() => InteractionSettings)
export class InteractionSettingsResolver {
  @Query(() => InteractionSettings, { description: 'Metrics group size, transcript retention and redaction patterns (tenant admins).' })
  interactionSettings(@Ctx() ctx: SubgraphContext): Promise<InteractionSettings> {
    return new InteractionSettingsService(ctx.scope, ctx.accessEvents).get();
  }

  @Mutation(() => InteractionSettings, { description: 'Partial update (tenant admins).' })
  updateInteractionSettings(
    @Arg('input') input: UpdateInteractionSettingsInput,
    @Ctx() ctx: SubgraphContext,
  ): Promise<InteractionSettings> {
    return new InteractionSettingsService(ctx.scope, ctx.accessEvents).update(input);
  }
}
