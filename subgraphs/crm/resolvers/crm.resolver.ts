import { Arg, Args, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { connectionType, PageArgs, PageInfo } from '../../kit/pagination';
import { CrmConnection, CrmProvider } from '../entities/crm-connection.entity';
import { CrmLink } from '../entities/crm-link.entity';
import { CreateCrmConnectionInput, CrmEndUserConnectionInput, LinkCrmRecordInput, UpdateCrmConnectionInput } from '../inputs/crm.input';
import type { CrmContext } from '../services';
import type { LiveCrmRecord } from '../services/crm-sync.service';
import { EndUser } from '../entities/end-user.stub';

@ObjectType()
export class CrmConnectionConnection extends connectionType(CrmConnection) {}

@ObjectType()
export class CrmLinkConnection extends connectionType(CrmLink) {}

@ObjectType({ description: 'One field as the CRM returned it.' })
export class CrmField {
  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  value: string | null;
}

@ObjectType({ description: 'A record read live from a CRM, normalised; `fields` has the provider’s own.' })
export class CrmRecord {
  @Field(() => ID)
  connectionId: string;

  @Field(() => CrmProvider)
  provider: CrmProvider;

  @Field({ description: 'The record’s id in the CRM.' })
  externalId: string;

  @Field(() => String, { nullable: true })
  name: string | null;

  @Field(() => String, { nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true })
  phone: string | null;

  @Field(() => String, { nullable: true })
  company: string | null;

  @Field(() => String, { nullable: true, description: 'The CRM’s owner (user id) of the record.' })
  owner: string | null;

  @Field(() => String, { nullable: true, description: 'Where the record opens in the CRM.' })
  url: string | null;

  @Field(() => [CrmField])
  fields: CrmField[];
}

@ObjectType()
export class CrmRecordEdge {
  @Field()
  cursor: string;

  @Field(() => CrmLink)
  link: CrmLink;
}

@ObjectType({ description: 'An end-user’s linked CRM records, one edge per link.' })
export class CrmRecordConnection {
  @Field(() => [CrmRecordEdge])
  edges: CrmRecordEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}

@ObjectType()
export class CrmPushResult {
  @Field({ description: 'Whether a new record was created in the CRM (otherwise one was updated).' })
  created: boolean;

  @Field(() => CrmLink)
  link: CrmLink;
}

const toRecord = (record: LiveCrmRecord): CrmRecord => ({
  ...record,
  fields: Object.entries(record.fields).map(([name, value]) => ({ name, value })),
});

@Resolver()
export class CrmResolver {
  @Query(() => CrmConnectionConnection, { description: 'Your CRM connections.' })
  crmConnections(@Args() { first, after }: PageArgs, @Ctx() { services }: CrmContext) {
    return services.crm.connections(first, after);
  }

  @Mutation(() => CrmConnection, { description: 'Tenant admins only. Credentials are stored encrypted and never returned.' })
  createCrmConnection(@Arg('input') input: CreateCrmConnectionInput, @Ctx() { services }: CrmContext): Promise<CrmConnection> {
    return services.crm.createConnection(input);
  }

  @Mutation(() => CrmConnection, { description: 'Tenant admins only.' })
  updateCrmConnection(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateCrmConnectionInput,
    @Ctx() { services }: CrmContext,
  ): Promise<CrmConnection> {
    return services.crm.updateConnection(id, input);
  }

  @Mutation(() => ID, { description: 'Tenant admins only. Removes the connection and its links; nothing is deleted in the CRM.' })
  deleteCrmConnection(@Arg('id', () => ID) id: string, @Ctx() { services }: CrmContext): Promise<string> {
    return services.crm.deleteConnection(id);
  }

  @Mutation(() => CrmLink, { description: 'Links an end-user to a record in one of your CRMs.' })
  linkCrmRecord(@Arg('input') input: LinkCrmRecordInput, @Ctx() { services }: CrmContext): Promise<CrmLink> {
    return services.crm.link(input);
  }

  @Mutation(() => ID, { description: 'Removes a link; the CRM record stays.' })
  unlinkCrmRecord(@Arg('id', () => ID) id: string, @Ctx() { services }: CrmContext): Promise<string> {
    return services.crm.unlink(id);
  }

  @Mutation(() => CrmLink, {
    nullable: true,
    description: 'Finds the end-user in the CRM by email, then phone, and links the record; null when there is none. Subject to the sharing gate.',
  })
  matchCrmRecord(@Arg('input') input: CrmEndUserConnectionInput, @Ctx() { services }: CrmContext): Promise<CrmLink | null> {
    return services.sync.match(input.endUserId, input.connectionId);
  }

  @Mutation(() => CrmPushResult, {
    description: 'Sends the profile (name, email, phone) to the CRM, updating the linked record or creating one. Refused without the end-user’s opt-in for a third party, and when processing is restricted.',
  })
  pushEndUserToCrm(@Arg('input') input: CrmEndUserConnectionInput, @Ctx() { services }: CrmContext) {
    return services.sync.push(input.endUserId, input.connectionId);
  }
}

@Resolver(() => CrmRecordEdge)
export class CrmRecordEdgeResolver {
  @FieldResolver(() => CrmRecord, {
    nullable: true,
    description: 'Live from the CRM: null with an error at this path when the CRM fails, null alone when it no longer has the record.',
  })
  async node(@Root() edge: CrmRecordEdge, @Ctx() { services }: CrmContext): Promise<CrmRecord | null> {
    const record = await services.sync.record(edge.link);
    return record && toRecord(record);
  }
}

@Resolver(() => EndUser)
export class EndUserCrmResolver {
  @FieldResolver(() => CrmLinkConnection, { nullable: true, description: 'Records linked to this end-user in your CRMs.' })
  crmLinks(@Root() endUser: EndUser, @Args() { first, after }: PageArgs, @Ctx() { services }: CrmContext) {
    return services.crm.linksOf(endUser.id, first, after);
  }

  @FieldResolver(() => CrmRecordConnection, {
    nullable: true,
    description: 'The linked records, live from each CRM (cached for a few seconds). One CRM failing leaves its records null, with an error each; the others answer.',
  })
  async crmRecords(@Root() endUser: EndUser, @Args() { first, after }: PageArgs, @Ctx() { services }: CrmContext): Promise<CrmRecordConnection> {
    const page = await services.crm.linksOf(endUser.id, first, after);
    return { edges: page.edges.map(({ cursor, node }) => ({ cursor, link: node })), pageInfo: page.pageInfo };
  }
}
