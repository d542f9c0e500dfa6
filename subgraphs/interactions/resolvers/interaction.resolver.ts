import { Arg, Args, Ctx, Directive, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { connectionType, PageArgs, type Page } from '../../kit/pagination';
import { Interaction } from '../entities/interaction.entity';
import { Redactions, TranscriptSegment } from '../entities/transcript-segment.entity';
import { EndInteractionInput, RecordInteractionInput, TranscriptSegmentInput } from '../inputs/record-interaction.input';
import { ConsentContactGate } from '../services/contact-gate';
import { InteractionService, transcriptRequest } from '../services/interaction.service';
import { interactionLoader } from './interaction.reference';
import { ActivityPublisher } from '../services/activity-publisher';
import { identityEndUserCheck } from '../../kit/end-user-guard';

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
  interaction(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<Interaction | null> {
    return interactionLoader(ctx).load(id);
  }

  @Mutation(() => Interaction, { description: 'Records an interaction, with its transcript so far.' })
  async recordInteraction(@Arg('input') input: RecordInteractionInput, @Ctx() ctx: SubgraphContext): Promise<Interaction> {
    const interaction = await new InteractionService(ctx.scope, ctx.subjectKeys, new ConsentContactGate(ctx), identityEndUserCheck(ctx), ctx.accessEvents).record(input);
    // After the commit: subscribers resolve these ids as themselves (see gateway/subscriptions).
    const live = new ActivityPublisher(ctx);
    await live.activity(interaction.id, 'STARTED');
    if (interaction.endedAt) await live.activity(interaction.id, 'ENDED');
    await live.segmentsAppended(interaction.id, input.transcript.map((segment) => segment.sequence));
    return interaction;
  }

  @Mutation(() => TranscriptAppendResult, {
    description: 'Appends transcript segments as they happen (up to 200 per call). A repeat of a stored segment is ignored; a different segment at a stored sequence is a CONFLICT.',
  })
  async appendTranscriptSegments(
    @Arg('interactionId', () => ID) interactionId: string,
    // Checked in the service, which names the segment at fault (segments[i].text).
    @Arg('segments', () => [TranscriptSegmentInput], { validate: false }) segments: TranscriptSegmentInput[],
    @Ctx() ctx: SubgraphContext,
  ) {
    const result = await new InteractionService(ctx.scope, ctx.subjectKeys, undefined, identityEndUserCheck(ctx), ctx.accessEvents).append(interactionId, segments);
    await new ActivityPublisher(ctx).segmentsAppended(interactionId, result.appended);
    return result;
  }

  @Mutation(() => Interaction, { description: 'Marks an open interaction ended, with its disposition.' })
  async endInteraction(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => EndInteractionInput, { defaultValue: {} }) input: EndInteractionInput,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Interaction> {
    const interaction = await new InteractionService(ctx.scope, ctx.subjectKeys, undefined, identityEndUserCheck(ctx), ctx.accessEvents).end(id, input);
    await new ActivityPublisher(ctx).activity(id, 'ENDED');
    return interaction;
  }

  @Mutation(() => Interaction, { description: 'Moves an open interaction to another queue (a transfer); announced to interactionActivity subscribers.' })
  async transferInteraction(@Arg('id', () => ID) id: string, @Arg('queue') queue: string, @Ctx() ctx: SubgraphContext): Promise<Interaction> {
    const interaction = await new InteractionService(ctx.scope, ctx.subjectKeys, undefined, identityEndUserCheck(ctx)).transfer(id, queue);
    await new ActivityPublisher(ctx).activity(id, 'TRANSFERRED');
    return interaction;
  }

  @FieldResolver(() => TranscriptSegmentConnection)
  transcript(@Root() interaction: Interaction, @Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    // Siblings asking for the same page share one statement: a list of interactions costs one query.
    const request = transcriptRequest(first, after);
    const loader = ctx.loader<Interaction, Page<TranscriptSegment>>(`TranscriptSegment.interactionId:${request.first}:${request.afterSequence ?? ''}`, (interactions) =>
      new InteractionService(ctx.scope, ctx.subjectKeys).transcripts(interactions, request),
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

@Resolver(() => EndUserInteractions)
export class EndUserInteractionsResolver {
  @FieldResolver(() => InteractionConnection, { nullable: true, description: 'Interactions with this end-user, oldest first.' })
  interactions(@Root() endUser: EndUserInteractions, @Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return ctx.childPage(Interaction, 'endUserId', endUser.id, first, after);
  }
}
