import { Arg, Args, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { connectionType, PageArgs, type Page } from '../../kit/pagination';
import { Interaction } from '../entities/interaction.entity';
import { Redactions, TranscriptSegment } from '../entities/transcript-segment.entity';
import { EndInteractionInput, RecordInteractionInput, TranscriptSegmentInput } from '../inputs/record-interaction.input';
import { transcriptRequest } from '../services/interaction.service';
import type { InteractionsContext } from '../services';
import { interactionLoader } from './interaction.reference';
import { EndUser } from '../entities/end-user.stub';

@ObjectType()
export class InteractionConnection extends connectionType(Interaction) {}

@ObjectType()
export class TranscriptSegmentConnection extends connectionType(TranscriptSegment) {}

@ObjectType({ description: 'What one append stored and what it ignored.' })
export class TranscriptAppendResult {
  @Field(() => Interaction)
  interaction: Interaction;

  @Field(() => [Int], { description: 'Sequences stored by this call.' })
  appended: number[];

  @Field(() => [Int], { description: 'Sequences already stored with the same speaker and text: ignored.' })
  duplicates: number[];

  @Field(() => Int, { description: 'Items redacted from the stored segments.' })
  redactions: number;
}

@Resolver(() => Interaction)
export class InteractionResolver {
  @Query(() => Interaction, { nullable: true, description: 'An interaction of your tenant; null when there is none.' })
  interaction(@Arg('id', () => ID) id: string, @Ctx() ctx: InteractionsContext): Promise<Interaction | null> {
    return interactionLoader(ctx).load(id);
  }

  @Mutation(() => Interaction, { description: 'Records an interaction, with its transcript so far.' })
  recordInteraction(@Arg('input') input: RecordInteractionInput, @Ctx() { services }: InteractionsContext): Promise<Interaction> {
    return services.interactions.record(input);
  }

  @Mutation(() => TranscriptAppendResult, {
    description: 'Appends transcript segments as they happen (up to 200 per call). A repeat of a stored segment is ignored; a different segment at a stored sequence is a CONFLICT.',
  })
  appendTranscriptSegments(
    @Arg('interactionId', () => ID) interactionId: string,
    // Checked in the service, which names the segment at fault (segments[i].text).
    @Arg('segments', () => [TranscriptSegmentInput], { validate: false }) segments: TranscriptSegmentInput[],
    @Ctx() { services }: InteractionsContext,
  ) {
    return services.interactions.append(interactionId, segments);
  }

  @Mutation(() => Interaction, { description: 'Marks an open interaction ended, with its disposition.' })
  endInteraction(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => EndInteractionInput, { defaultValue: {} }) input: EndInteractionInput,
    @Ctx() { services }: InteractionsContext,
  ): Promise<Interaction> {
    return services.interactions.end(id, input);
  }

  @Mutation(() => Interaction, { description: 'Moves an open interaction to another queue (a transfer); announced to interactionActivity subscribers.' })
  transferInteraction(@Arg('id', () => ID) id: string, @Arg('queue') queue: string, @Ctx() { services }: InteractionsContext): Promise<Interaction> {
    return services.interactions.transfer(id, queue);
  }

  @FieldResolver(() => TranscriptSegmentConnection)
  transcript(@Root() interaction: Interaction, @Args() { first, after }: PageArgs, @Ctx() ctx: InteractionsContext) {
    // Siblings asking for the same page share one statement: a list of interactions costs one query.
    const request = transcriptRequest(first, after);
    const loader = ctx.loader<Interaction, Page<TranscriptSegment>>(`TranscriptSegment.interactionId:${request.first}:${request.afterSequence ?? ''}`, (interactions) =>
      ctx.services.interactions.transcripts(interactions, request),
    );
    return loader.load(interaction);
  }
}

@Resolver(() => TranscriptSegment)
export class TranscriptSegmentResolver {
  @FieldResolver(() => Redactions)
  redactions(@Root() segment: TranscriptSegment): Redactions {
    const { ssnRedactions: ssn, cardRedactions: paymentCard, patternRedactions: pattern } = segment;
    return { total: ssn + paymentCard + pattern, ssn, paymentCard, pattern };
  }
}

@Resolver(() => EndUser)
export class EndUserInteractionsResolver {
  @FieldResolver(() => InteractionConnection, { nullable: true, description: 'Interactions with this end-user, oldest first.' })
  interactions(@Root() endUser: EndUser, @Args() { first, after }: PageArgs, @Ctx() ctx: InteractionsContext) {
    return ctx.childPage(Interaction, 'endUserId', endUser.id, first, after);
  }
}
