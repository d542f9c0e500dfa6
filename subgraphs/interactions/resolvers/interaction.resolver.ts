import { Arg, Args, Ctx, Directive, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphContext } from '../../shared/context';
import { connectionType, PageArgs } from '../../shared/pagination';
import { Interaction } from '../entities/interaction.entity';
import { TranscriptSegment } from '../entities/transcript-segment.entity';
import { RecordInteractionInput } from '../inputs/record-interaction.input';
import { InteractionService } from '../services/interaction.service';
import { interactionLoader } from './interaction.reference';

@ObjectType()
export class InteractionConnection extends connectionType(Interaction) {}

@ObjectType()
export class TranscriptSegmentConnection extends connectionType(TranscriptSegment) {}

/** EndUser is owned by identity; this subgraph adds the end-user's interactions. */
@Directive('@key(fields: "id")')
@ObjectType('EndUser')
export class EndUserInteractions {
  @Field(() => ID)
  id: string;
}

@Resolver(() => Interaction)
export class InteractionResolver {
  @Query(() => Interaction, { nullable: true, description: 'An interaction of your tenant; null when there is none.' })
  interaction(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<Interaction | null> {
    return interactionLoader(ctx).load(id);
  }

  @Mutation(() => Interaction, { description: 'Records an interaction, with its transcript so far.' })
  recordInteraction(@Arg('input') input: RecordInteractionInput, @Ctx() ctx: SubgraphContext): Promise<Interaction> {
    return new InteractionService(ctx.scope).record(input);
  }

  @FieldResolver(() => TranscriptSegmentConnection)
  transcript(@Root() interaction: Interaction, @Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return new InteractionService(ctx.scope).transcript(interaction.id, first, after);
  }
}

@Resolver(() => EndUserInteractions)
export class EndUserInteractionsResolver {
  @FieldResolver(() => InteractionConnection, { nullable: true, description: 'Interactions with this end-user, oldest first.' })
  interactions(@Root() endUser: EndUserInteractions, @Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return ctx.childPage(Interaction, 'endUserId', endUser.id, first, after);
  }
}
