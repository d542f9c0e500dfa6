import { In } from 'typeorm';
import type { RequestContext } from './context';
import { DomainError, forbidden, notFound } from '../../platform/errors';
import { ErasedEndUser, erasedEndUserHash } from './erased-end-user.entity';
import type { TenantScope } from './tenant-repository';
import { unavailable } from './service-client';
import { END_USER_STATES } from '../../platform/contracts/operations/identity';

/** How identity sees an end-user of the caller's tenant; null: missing, erased or being erased. */
export type EndUserState = 'ACTIVE' | 'RESTRICTED';


const plausibleId = (id: string) => typeof id === 'string' && id.length > 0 && id.length <= 36;

/**
 * The state of end-users in the request's tenant, asked of identity over the service link, one
 * call per request for all the ids asked together. Fails closed: no answer is UNAVAILABLE.
 */
export function endUserStates(ctx: RequestContext) {
  return ctx.loader<string, EndUserState | null>('EndUser.state', async (ids) => {
    const asked = [...new Set(ids.filter(plausibleId))];
    if (asked.length === 0) return ids.map(() => null);
    const data = await ctx.callService(END_USER_STATES, { ids: asked });
    if (!Array.isArray(data.endUserStates)) throw unavailable('identity');
    const states = new Map(data.endUserStates.map((row) => [row.id, row.restricted ? 'RESTRICTED' : 'ACTIVE'] as const));
    return ids.map((id) => states.get(id) ?? null);
  });
}

/** Privacy officers (and admins) may see a restricted person; to anyone else they are not there. */
export const seesRestricted = (ctx: RequestContext) => ctx.can('privacy:manage');

/** Whether the caller may see anything about this end-user: it exists, and is not hidden by a restriction. */
export async function endUserVisible(ctx: RequestContext, endUserId: string): Promise<boolean> {
  const state = await endUserStates(ctx).load(endUserId);
  return state === 'ACTIVE' || (state === 'RESTRICTED' && seesRestricted(ctx));
}

/**
 * Before a write naming end-users: each must exist in the caller's tenant and not be erased. A
 * restricted one is refused too (unless `allowRestricted`), and to a caller who may not see
 * restricted persons it is in every case the NOT_FOUND a missing one gets: even a write allowed
 * while restricted (an opt-out) would otherwise tell them the person exists.
 */
export async function assertEndUsersWritable(ctx: RequestContext, ids: readonly string[], options: { allowRestricted?: boolean } = {}): Promise<void> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  const states = await endUserStates(ctx).loadMany(unique);
  for (const state of states) {
    if (state instanceof Error) throw state instanceof DomainError ? state : unavailable('identity');
    if (state === null) throw notFound('End-user');
    if (state === 'RESTRICTED' && !seesRestricted(ctx)) throw notFound('End-user');
    if (state === 'RESTRICTED' && !options.allowRestricted) {
      throw forbidden('Processing of this end-user’s data is restricted: nothing may be recorded about them');
    }
  }
}

/**
 * Inside the write's transaction: refuses end-users this subgraph has erased. The locking read
 * waits for an erasure in flight and, on MySQL/MariaDB, blocks one from starting until this
 * transaction ends, so a write is either refused or lands before the erasure that then removes it.
 */
export async function assertNotErased(scope: TenantScope, ids: readonly (string | null | undefined)[]): Promise<void> {
  const unique = [...new Set(ids.filter((id): id is string => !!id))];
  if (unique.length === 0) return;
  const hashes = unique.map((id) => erasedEndUserHash(scope.tenantId, id));
  const erased = await scope.repo(ErasedEndUser).findLocked({ endUserHash: In(hashes) }, { shared: true });
  if (erased.length > 0) throw notFound('End-user');
}

/**
 * The first statement of an erasure's transaction: the tombstone, so every later write is refused
 * and every write already holding a lock on it has committed before the erasure reads what to delete.
 */
export async function recordErasure(scope: TenantScope, endUserId: string): Promise<void> {
  const tombstones = scope.repo(ErasedEndUser);
  await tombstones.insertIgnoringDuplicates([tombstones.create({ endUserHash: erasedEndUserHash(scope.tenantId, endUserId) })]);
}

/** What a service asks about end-users it writes or shows; identity answers it, over the service link. */
export interface EndUserCheck {
  /** NOT_FOUND (or FORBIDDEN, see assertEndUsersWritable) unless every id may be written about. */
  writable(ids: readonly string[], options?: { allowRestricted?: boolean }): Promise<void>;
  /** Whether the caller may see this end-user's data at all. */
  visible(id: string): Promise<boolean>;
  /** Whether the caller may be told that a person is restricted. */
  readonly seesRestricted: boolean;
}

export function identityEndUserCheck(ctx: RequestContext): EndUserCheck {
  return {
    writable: (ids, options) => assertEndUsersWritable(ctx, ids, options),
    visible: (id) => endUserVisible(ctx, id),
    get seesRestricted() {
      return seesRestricted(ctx);
    },
  };
}

/** Without a check nothing about an end-user may be written or shown (fail closed). */
export const noEndUserCheck: EndUserCheck = {
  writable: async (ids) => {
    if (ids.length > 0) throw unavailable('identity');
  },
  visible: async () => false,
  seesRestricted: false,
};
