import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext, SubgraphContext } from '../../kit/context';
import { pageRequest, type Page } from '../../kit/pagination';
import type { TenantRepository, TenantScope } from '../../kit/tenant-repository';
import { In } from 'typeorm';
import { AuditAction, AuditEvent } from '../entities/audit-event.entity';
import { EndUser } from '../entities/end-user.entity';

/** The tenant's audit trail: appended to, read by admins and privacy officers, never changed. */
export class AuditService {
  constructor(private readonly request: RequestContext) {}

  /**
   * Appends an entry in `scope`: the transaction of the change it records, so both are written or
   * neither (there is no default: an entry written beside its transaction outlives a rollback).
   */
  async append(scope: TenantScope, action: AuditAction, endUserId: string | null, fields: string[], reference: string | null = null): Promise<void> {
    await this.appendMany(scope, [{ action, endUserId, fields, reference }]);
  }

  async appendMany(scope: TenantScope, entries: { action: AuditAction; endUserId: string | null; fields: string[]; reference?: string | null }[]): Promise<void> {
    if (entries.length === 0) return;
    const { principal, clientIp, requestId } = this.request.claims;
    const build = (events: TenantRepository<AuditEvent>, entry: (typeof entries)[number], endUserId: string | null) =>
      events.create({
        ...entry,
        endUserId,
        reference: entry.reference ?? null,
        fields: [...entry.fields].sort(),
        actor: `${principal.kind}:${principal.id}`,
        clientIp,
        requestId,
      });
    if (!scope.inTransaction) {
      // On its own: one INSERT … SELECT, which keeps an entry's person only if their profile is
      // still there, reading it under a shared lock against an erasure in flight.
      const events = scope.repo(AuditEvent);
      await events.insertReferencing(entries.map((entry) => build(events, entry, entry.endUserId)), 'endUserId', EndUser);
      return;
    }
    const named = [...new Set(entries.map((entry) => entry.endUserId).filter((id): id is string => !!id))];
    await scope.transaction(async (inner) => {
      // An entry keeps its facts but not the id of a person erased meanwhile (the rows are locked
      // against an erasure until this commits).
      const present = new Set(named.length ? (await inner.repo(EndUser).findLocked({ id: In(named) }, { shared: true })).map((row) => row.id) : []);
      const events = inner.repo(AuditEvent);
      await events.saveMany(entries.map((entry) => build(events, entry, entry.endUserId && present.has(entry.endUserId) ? entry.endUserId : null)));
    });
  }

  list(endUserId: string | null | undefined, first?: number | null, after?: string | null): Promise<Page<AuditEvent>> {
    return this.request.scope.repo(AuditEvent).page(endUserId ? { endUserId } : {}, pageRequest(first, after));
  }
}

/** Sensitive-field reads of one request, recorded together before the response is sent. */
const reads = new WeakMap<RequestContext, Map<string, { whole: Set<string>; masked: Set<string> }>>();

export function noteSensitiveRead(ctx: RequestContext, endUserId: string, field: string, masked: boolean): void {
  let perRequest = reads.get(ctx);
  if (!perRequest) reads.set(ctx, (perRequest = new Map()));
  let entry = perRequest.get(endUserId);
  if (!entry) perRequest.set(endUserId, (entry = { whole: new Set(), masked: new Set() }));
  (masked ? entry.masked : entry.whole).add(field);
}

export const sensitiveReadAudit: ApolloServerPlugin<SubgraphContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        const perRequest = reads.get(contextValue);
        if (!perRequest) return;
        reads.delete(contextValue);
        const entries = [...perRequest].flatMap(([endUserId, { whole, masked }]) => [
          ...(whole.size ? [{ action: AuditAction.READ_SENSITIVE, endUserId, fields: [...whole] }] : []),
          ...(masked.size ? [{ action: AuditAction.READ_SENSITIVE_MASKED, endUserId, fields: [...masked] }] : []),
        ]);
        try {
          // Reads change nothing: their entries are a write of their own, in the request's scope.
          await new AuditService(contextValue).appendMany(contextValue.scope, entries);
        } catch (error) {
          // No record of the read, no answer: the data read is withheld, and the request fails.
          // The code alone: the statement's parameters name people and addresses.
          const { code, driverError } = (error ?? {}) as { code?: string; driverError?: { code?: string } };
          contextValue.logger.error({ code: driverError?.code ?? code, requestId: contextValue.requestId }, 'audit write failed');
          if (response.body.kind === 'single') {
            response.body.singleResult = { errors: [{ message: 'The read could not be recorded in the audit trail; nothing was returned', extensions: { code: 'UNAVAILABLE' } }] };
          }
        }
      },
    };
  },
};
