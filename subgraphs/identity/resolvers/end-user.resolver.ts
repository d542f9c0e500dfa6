import { Arg, Args, Ctx, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../kit/context';
import { connectionType, PageArgs } from '../../kit/pagination';
import { AuditEvent } from '../entities/audit-event.entity';
import { EndUser, Gender, Geolocation, MaritalStatus, PostalAddress } from '../entities/end-user.entity';
import { CreateEndUserInput, EndUserFilter, UpdateEndUserInput } from '../inputs/end-user.input';
import { noteSensitiveRead } from '../services/audit.service';
import { EndUserCodec, isSensitiveField, type EncryptedField, type EncryptedFields } from '../services/end-user-codec';
import type { IdentityContext } from '../services';
import { maskSsn } from '../services/pii';
import { endUserLoader } from './end-user.reference';

@ObjectType()
export class EndUserConnection extends connectionType(EndUser) {}

@ObjectType()
export class AuditEventConnection extends connectionType(AuditEvent) {}

/** One key lookup per person per request: the codec is built once per row and batched across rows. */
export function endUserCodec(ctx: RequestContext, endUser: EndUser): Promise<EndUserCodec> {
  return ctx
    .loader<EndUser, EndUserCodec>('EndUser.codec', async (rows) => {
      const tenant = await ctx.keyring.cipherFor(ctx.tenantId);
      return Promise.all(rows.map((row) => EndUserCodec.forRow(ctx.subjectKeys, tenant, row)));
    })
    .load(endUser);
}

async function decrypt<F extends EncryptedField>(ctx: RequestContext, endUser: EndUser, field: F): Promise<EncryptedFields[F] | null> {
  return (await endUserCodec(ctx, endUser)).read(endUser, field);
}

/**
 * An end-user's field as the caller may see it. A field of SENSITIVE_FIELDS is whole with
 * `pii:read`, otherwise masked by `mask` (null by default), and every read of it is audited; any
 * other field is returned whole.
 */
export async function endUserField<F extends EncryptedField>(
  ctx: RequestContext,
  endUser: EndUser,
  field: F,
  mask: (value: NonNullable<EncryptedFields[F]>) => EncryptedFields[F] | null = () => null,
  read: (ctx: RequestContext, endUser: EndUser, field: F) => Promise<EncryptedFields[F] | null> = decrypt,
): Promise<EncryptedFields[F] | null> {
  if (!isSensitiveField(field)) return read(ctx, endUser, field);
  const whole = ctx.can('pii:read');
  noteSensitiveRead(ctx, endUser.id, field, !whole);
  const value = await read(ctx, endUser, field);
  if (value === null) return null;
  return whole ? value : mask(value as NonNullable<EncryptedFields[F]>);
}

@Resolver(() => EndUser)
export class EndUserResolver {
  @Query(() => EndUser, { nullable: true, description: 'An end-user of your tenant; null when there is none.' })
  endUser(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<EndUser | null> {
    return endUserLoader(ctx).load(id);
  }

  @Query(() => EndUserConnection, { description: 'Filter by exact email, phone (caller id) or your external reference.' })
  endUsers(
    @Args() { first, after }: PageArgs,
    @Arg('filter', () => EndUserFilter, { nullable: true }) filter: EndUserFilter | undefined,
    @Ctx() { services }: IdentityContext,
  ) {
    return services.endUsers.list(filter, first, after);
  }

  @Query(() => AuditEventConnection, { description: 'Your audit trail, oldest first; optionally for one end-user.' })
  auditEvents(
    @Args() { first, after }: PageArgs,
    @Arg('endUserId', () => ID, { nullable: true }) endUserId: string | undefined,
    @Ctx() { services }: IdentityContext,
  ) {
    return services.audit.list(endUserId, first, after);
  }

  @Mutation(() => EndUser)
  createEndUser(@Arg('input') input: CreateEndUserInput, @Ctx() { services }: IdentityContext): Promise<EndUser> {
    return services.endUsers.create(input);
  }

  @Mutation(() => EndUser, { description: 'Partial update: omitted fields are kept, null clears a field.' })
  updateEndUser(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateEndUserInput,
    @Ctx() { services }: IdentityContext,
  ): Promise<EndUser> {
    return services.endUsers.update(id, input);
  }

  @Mutation(() => EndUser, { description: 'Creates the end-user known to you as externalRef, or updates it (partially) if it exists.' })
  upsertEndUser(
    @Arg('externalRef') externalRef: string,
    @Arg('input') input: UpdateEndUserInput,
    @Ctx() { services }: IdentityContext,
  ): Promise<EndUser> {
    return services.endUsers.upsert(externalRef, input);
  }

  // Stored encrypted; decrypted only when asked for.

  @FieldResolver(() => String, { nullable: true })
  firstName(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'firstName');
  }

  @FieldResolver(() => String, { nullable: true })
  lastName(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'lastName');
  }

  @FieldResolver(() => String, { nullable: true })
  email(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'email');
  }

  @FieldResolver(() => String, { nullable: true, description: 'E.164, e.g. +14155550123.' })
  phone(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'phone');
  }

  @FieldResolver(() => PostalAddress, { nullable: true })
  address(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'address');
  }

  // Sensitive (SENSITIVE_FIELDS): whole with `pii:read`, otherwise masked (SSN) or null — never plaintext.

  @FieldResolver(() => String, { nullable: true, description: 'Masked as ***-**-1234 without the pii:read permission.' })
  ssn(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'ssn', maskSsn);
  }

  @FieldResolver(() => String, { nullable: true, description: 'ISO date, YYYY-MM-DD; null without the pii:read permission.' })
  dateOfBirth(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'dateOfBirth');
  }

  @FieldResolver(() => Gender, { nullable: true, description: 'Null without the pii:read permission.' })
  gender(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'gender');
  }

  @FieldResolver(() => MaritalStatus, { nullable: true, description: 'Null without the pii:read permission.' })
  maritalStatus(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'maritalStatus');
  }

  @FieldResolver(() => Geolocation, { nullable: true, description: 'Null without the pii:read permission.' })
  geolocation(@Root() endUser: EndUser, @Ctx() ctx: IdentityContext) {
    return endUserField(ctx, endUser, 'geolocation');
  }
}
