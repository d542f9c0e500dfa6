import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { InteractionSettings } from '../entities/interaction-settings.entity';
import { UpdateInteractionSettingsInput } from '../inputs/interaction-settings.input';
import type { InteractionsContext } from '../services';

@Resolver(() => InteractionSettings)
export class InteractionSettingsResolver {
  @Query(() => InteractionSettings, { description: 'Metrics group size, transcript retention and redaction patterns (tenant admins).' })
  interactionSettings(@Ctx() { services }: InteractionsContext): Promise<InteractionSettings> {
    return services.settings.get();
  }

  @Mutation(() => InteractionSettings, { description: 'Partial update (tenant admins).' })
  updateInteractionSettings(
    @Arg('input') input: UpdateInteractionSettingsInput,
    @Ctx() { services }: InteractionsContext,
  ): Promise<InteractionSettings> {
    return services.settings.update(input);
  }
}
