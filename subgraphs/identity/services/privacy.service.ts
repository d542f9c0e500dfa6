import { In, IsNull, LessThanOrEqual, type DataSource } from 'typeorm';
import type { RequestContext } from '../../kit/context';
import type { SubgraphName } from '../../kit/config';
import { badInput, conflict, DomainError, notFound } from '../../../platform/errors';
import { pageRequest, type Page } from '../../kit/pagination';
import { redactToFit } from '../../kit/sensitive-numbers';
import { crossTenantTransaction, type TenantScope } from '../../kit/tenant-repository';
import { AuditAction, AuditEvent } from '../entities/audit-event.entity';
import { Disclosure } from '../entities/disclosure.entity';
import { EndUser } from '../entities/end-user.entity';
import { LegalHold } from '../entities/legal-hold.entity';
import {
  PrivacyRequest,
  PrivacyRequestKind,
  PrivacyRequestStatus,
  PrivacyTask,
  PrivacyTaskStatus,
} from '../entities/privacy-request.entity';
import type { UpdateEndUserInput } from '../inputs/end-user.input';
import type { CreatePrivacyRequestInput, PlaceLegalHoldInput, RecordDisclosureInput } from '../inputs/privacy.input';
import type { AuditService } from './audit.service';
import type { ServiceOperation } from '../../../platform/contracts/service-operation';
import { PRIVACY_ERASE_CONSENT, PRIVACY_EXPORT_CONSENT, RECORD_OBJECTION, SET_PROCESSING_RESTRICTION } from '../../../platform/contracts/operations/consent';
import { PRIVACY_ERASE_CRM, PRIVACY_EXPORT_CRM, PRIVACY_RECTIFY_CRM, RECTIFIABLE_IN_CRM } from '../../../platform/contracts/operations/crm';
import { PRIVACY_ERASE_INTERACTIONS, PRIVACY_EXPORT_INTERACTIONS } from '../../../platform/contracts/operations/interactions';
import { ENCRYPTED_FIELDS, EndUserCodec, SENSITIVE_FIELDS } from './end-user-codec';
import { validateEndUserFields, type EndUserService } from './end-user.service';
import { AcrossTenants } from '../../kit/platform-tables';

export const DEFAULT_DUE_DAYS = 30;
const DAY_MS = 86_400_000;
/** How long a new request's targets are left to the request that created them before the worker may take them. */
const TAKEOVER_MS = 60_000;

/**
 * Where each kind of request must be carried out. Erasure ends with identity, so the profile (and
 * the request's link to the person) goes only once every other store has let go of them.
 */
export const PRIVACY_TARGETS: Record<PrivacyRequestKind, SubgraphName[]> = {
  [PrivacyRequestKind.ACCESS]: ['identity', 'interactions', 'consent', 'crm'],
  [PrivacyRequestKind.RECTIFICATION]: ['identity', 'crm'],
  [PrivacyRequestKind.ERASURE]: ['interactions', 'consent', 'crm', 'identity'],
  [PrivacyRequestKind.RESTRICTION]: ['consent', 'identity'],
  [PrivacyRequestKind.OBJECTION]: ['consent'],
};

type OtherStore = Exclude<SubgraphName, 'identity'>;
const EXPORTS: Record<OtherStore, ServiceOperation<{ id: string }, { document: string }>> = {
  interactions: PRIVACY_EXPORT_INTERACTIONS,
  consent: PRIVACY_EXPORT_CONSENT,
  crm: PRIVACY_EXPORT_CRM,
};
const ERASURES: Record<OtherStore, ServiceOperation<{ id: string }, { erased: number }>> = {
  interactions: PRIVACY_ERASE_INTERACTIONS,
  consent: PRIVACY_ERASE_CONSENT,
  crm: PRIVACY_ERASE_CRM,
};

/** Failed targets are retried after 30 s, 1 min, 2 min… up to an hour. */
export const retryDelayMs = (attempts: number) => Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);


/** Why a target failed, in words that carry no personal data. */
function failureOf(error: unknown): string {
  if (error instanceof DomainError) return `${error.code}: ${error.message}`.slice(0, 300);
  return 'INTERNAL: the attempt failed; see the identity log';
}

/** Privacy requests, legal holds and disclosures of one tenant, carried out across every store. */
export class PrivacyService {
  constructor(
    private readonly ctx: RequestContext,
    private readonly endUsers: EndUserService,
    private readonly audit: AuditService,
    /** Drops what an erasure left behind in the database's own files (SQLite's write-ahead log). */
    private readonly compact: () => Promise<void>,
  ) {}

  private get scope(): TenantScope {
    return this.ctx.scope;
  }

  private get actor(): string {
    const { principal } = this.ctx.claims;
    return `${principal.kind}:${principal.id}`;
  }

  private async endUser(id: string): Promise<EndUser> {
    const row = await this.scope.repo(EndUser).findById(id);
    if (!row) throw notFound('End-user');
    return row;
  }

  /** Inside a write naming the person: their profile, locked against an erasure until the write commits. */
  private async lockEndUser(scope: TenantScope, id: string): Promise<void> {
    if ((await scope.repo(EndUser).findLocked({ id }, { shared: true })).length === 0) throw notFound('End-user');
  }

  find(id: string): Promise<PrivacyRequest | null> {
    return this.scope.repo(PrivacyRequest).findById(id);
  }

  async request(id: string): Promise<PrivacyRequest> {
    const request = await this.find(id);
    if (!request) throw notFound('Privacy request');
    return request;
  }

  list(status: PrivacyRequestStatus | undefined, first?: number | null, after?: string | null): Promise<Page<PrivacyRequest>> {
    return this.scope.repo(PrivacyRequest).page(status ? { status } : {}, pageRequest(first, after));
  }

  tasks(requestId: string): Promise<PrivacyTask[]> {
    return this.scope.repo(PrivacyTask).find({ where: { requestId }, order: { id: 'ASC' } });
  }

  private activeHolds(endUserId: string): Promise<LegalHold[]> {
    return this.scope.repo(LegalHold).find({ where: { endUserId, releasedAt: IsNull() } });
  }

  /** Records the request and its targets, then carries it out as far as every target allows. */
  async create(input: CreatePrivacyRequestInput, now = new Date()): Promise<PrivacyRequest> {
    await this.endUser(input.endUserId);
    if (input.kind === PrivacyRequestKind.RECTIFICATION) {
      if (!input.rectification || Object.values(input.rectification).every((value) => value === undefined)) {
        throw badInput('rectification', 'must name at least one corrected field');
      }
      validateEndUserFields(input.rectification);
    } else if (input.rectification) {
      throw badInput('rectification', 'is only for RECTIFICATION requests');
    }
    const dueAt = input.dueAt ?? new Date(now.getTime() + DEFAULT_DUE_DAYS * DAY_MS);
    if (dueAt <= now) throw badInput('dueAt', 'must be in the future');
    if (input.kind === PrivacyRequestKind.ERASURE && (await this.activeHolds(input.endUserId)).length > 0) {
      throw conflict('This end-user’s data is under a legal hold: it cannot be erased until the hold is released');
    }
    const request = await this.scope.transaction(async (scope) => {
      await this.lockEndUser(scope, input.endUserId);
      const requests = scope.repo(PrivacyRequest);
      const row = requests.create({
        kind: input.kind,
        endUserId: input.endUserId,
        status: PrivacyRequestStatus.IN_PROGRESS,
        dueAt,
        requestedBy: this.actor,
        completedAt: null,
        detailsEncrypted: null,
      });
      if (input.rectification) {
        // Under the person's key, so an erasure also shreds corrections still held.
        row.detailsEncrypted = await this.ctx.subjectKeys.encrypt(input.endUserId, JSON.stringify(input.rectification), `privacy_requests/${row.tenantId}/${row.id}/details`);
      }
      await requests.save(row);
      const tasks = scope.repo(PrivacyTask);
      await tasks.saveMany(
        PRIVACY_TARGETS[input.kind].map((target) =>
          // Carried out just below; the worker takes over only if this process stops before it is done.
          tasks.create({ requestId: row.id, target, status: PrivacyTaskStatus.PENDING, attempts: 0, lastError: null, nextAttemptAt: new Date(now.getTime() + TAKEOVER_MS), doneAt: null }),
        ),
      );
      await this.audit.append(scope, AuditAction.PRIVACY_REQUEST_CREATED, input.endUserId, [input.kind], row.id);
      return row;
    });
    return this.run(request.id);
  }

  /** Attempts every target not yet done, in order; the request completes when all are. */
  async run(requestId: string, now = new Date()): Promise<PrivacyRequest> {
    const request = await this.request(requestId);
    if (request.status === PrivacyRequestStatus.COMPLETED) return request;
    const tasks = await this.tasks(requestId);
    for (const task of tasks) {
      if (task.status === PrivacyTaskStatus.DONE) continue;
      task.attempts += 1;
      try {
        await this.carryOut(request, task.target as SubgraphName);
        Object.assign(task, { status: PrivacyTaskStatus.DONE, lastError: null, nextAttemptAt: null, doneAt: new Date() });
        await this.saveTasks([task]);
      } catch (error) {
        if (!(error instanceof DomainError)) this.ctx.logger.error({ err: error, requestId, target: task.target }, 'privacy task failed');
        Object.assign(task, {
          status: PrivacyTaskStatus.FAILED,
          lastError: failureOf(error),
          nextAttemptAt: new Date(now.getTime() + retryDelayMs(task.attempts)),
        });
        // Later targets wait for this one (erasure must not reach identity while another store still
        // holds data), so only the failed target is scheduled.
        const later = tasks.slice(tasks.indexOf(task) + 1).filter((next) => next.status !== PrivacyTaskStatus.DONE);
        for (const next of later) next.nextAttemptAt = null;
        await this.saveTasks([task, ...later]);
        break;
      }
    }
    if (tasks.every((task) => task.status === PrivacyTaskStatus.DONE)) await this.complete(request);
    return this.request(requestId);
  }

  /** Task rows change in place (`UPDATE … WHERE`): a row gone meanwhile is not written back. */
  private async saveTasks(tasks: PrivacyTask[]): Promise<void> {
    for (const { id, status, attempts, lastError, nextAttemptAt, doneAt } of tasks) {
      await this.scope.repo(PrivacyTask).update({ id }, { status, attempts, lastError, nextAttemptAt, doneAt });
    }
  }

  private async complete(request: PrivacyRequest): Promise<void> {
    await this.scope.transaction(async (scope) => {
      // An erasure is complete only once identity's part has removed the profile (and checked it gone).
      if (request.kind === PrivacyRequestKind.ERASURE && request.endUserId) {
        throw conflict('The erasure has not removed the profile yet; it will be retried');
      }
      // Rectified values are not kept once applied everywhere.
      Object.assign(request, { status: PrivacyRequestStatus.COMPLETED, completedAt: new Date(), detailsEncrypted: null });
      const changed = await scope.repo(PrivacyRequest).update(
        { id: request.id, status: PrivacyRequestStatus.IN_PROGRESS },
        { status: request.status, completedAt: request.completedAt, detailsEncrypted: null },
      );
      if (changed === 0) return;
      await this.audit.append(scope, AuditAction.PRIVACY_REQUEST_COMPLETED, request.endUserId, [request.kind], request.id);
    });
  }

  /** One target's part of a request; throws to have it retried. Every part is idempotent. */
  private async carryOut(request: PrivacyRequest, target: SubgraphName): Promise<void> {
    const endUserId = request.endUserId;
    if (!endUserId) return;
    switch (request.kind) {
      case PrivacyRequestKind.ACCESS:
        // The document is assembled when the officer downloads it; here each store shows it can answer.
        if (target === 'identity') await this.exportIdentity(endUserId);
        else await this.exportFrom(target, endUserId);
        return;
      case PrivacyRequestKind.RECTIFICATION: {
        const fields = await this.rectification(request);
        if (target === 'identity') {
          await this.endUsers.update(endUserId, fields, { rectification: true });
          return;
        }
        const forCrm = Object.fromEntries(RECTIFIABLE_IN_CRM.filter((key) => fields[key] !== undefined).map((key) => [key, fields[key]]));
        if (Object.keys(forCrm).length > 0) {
          await this.ctx.callService(PRIVACY_RECTIFY_CRM, { id: endUserId, input: forCrm });
        }
        return;
      }
      case PrivacyRequestKind.ERASURE:
        if ((await this.activeHolds(endUserId)).length > 0) throw conflict('A legal hold was placed: erasure is suspended until it is released');
        if (target === 'identity') await this.eraseIdentity(request);
        else await this.ctx.callService(ERASURES[target], { id: endUserId });
        return;
      case PrivacyRequestKind.RESTRICTION:
        if (target === 'identity') await this.setRestricted(endUserId, true, request.id);
        else await this.ctx.callService(SET_PROCESSING_RESTRICTION, { id: endUserId, restricted: true });
        return;
      case PrivacyRequestKind.OBJECTION:
        await this.ctx.callService(RECORD_OBJECTION, { id: endUserId });
        return;
    }
  }

  private async rectification(request: PrivacyRequest): Promise<UpdateEndUserInput> {
    if (!request.detailsEncrypted) throw new DomainError('CONFLICT', 'The corrected fields are no longer held');
    const details = await this.ctx.subjectKeys.decrypt(request.endUserId!, request.detailsEncrypted, `privacy_requests/${request.tenantId}/${request.id}/details`);
    if (details === null) throw new DomainError('CONFLICT', 'The corrected fields are no longer held');
    return JSON.parse(details);
  }

  private async setRestricted(endUserId: string, restricted: boolean, reference: string | null): Promise<void> {
    await this.scope.transaction(async (scope) => {
      const [row] = await scope.repo(EndUser).findLocked({ id: endUserId });
      if (!row) throw notFound('End-user');
      if (row.processingRestricted === restricted) return;
      if ((await scope.repo(EndUser).update({ id: endUserId }, { processingRestricted: restricted })) === 0) throw notFound('End-user');
      await this.audit.append(scope, restricted ? AuditAction.RESTRICTED : AuditAction.RESTRICTION_LIFTED, endUserId, [], reference);
    });
  }

  /** Lifts a restriction: consent first (contact resumes), then the profile. */
  async liftRestriction(endUserId: string): Promise<EndUser> {
    const row = await this.endUser(endUserId);
    if (!row.processingRestricted) throw conflict('Processing of this end-user is not restricted');
    await this.ctx.callService(SET_PROCESSING_RESTRICTION, { id: endUserId, restricted: false });
    await this.setRestricted(endUserId, false, null);
    return this.endUser(endUserId);
  }

  /**
   * Identity's part of an erasure, last of all: the profile goes, and every row here that named the
   * person keeps its own facts (audit trail, holds, disclosures, requests) without their id.
   */
  private async eraseIdentity(request: PrivacyRequest): Promise<void> {
    const endUserId = request.endUserId!;
    // Crypto-shredding first: a retry after a failure below still knows whose key it is, and copies
    // of the profile taken before now (backups, replicas) no longer decrypt.
    await this.ctx.subjectKeys.destroy([endUserId]);
    await this.scope.transaction(async (scope) => {
      // The profile first, locked: a write naming the person either committed before (and its rows
      // are cleared below) or finds the profile gone.
      await scope.repo(EndUser).findLocked({ id: endUserId });
      if ((await scope.repo(LegalHold).findLocked({ endUserId, releasedAt: IsNull() }, { shared: true })).length > 0) {
        throw conflict('A legal hold was placed: erasure is suspended until it is released');
      }
      await scope.repo(EndUser).delete({ id: endUserId });
      if ((await scope.repo(EndUser).findLocked({ id: endUserId })).length > 0) throw conflict('The profile could not be removed; it will be retried');
      for (const entity of [AuditEvent, LegalHold, Disclosure, PrivacyRequest] as const) {
        await scope.repo<AuditEvent | LegalHold | Disclosure | PrivacyRequest>(entity).update({ endUserId }, { endUserId: null });
      }
      request.endUserId = null;
      await this.audit.append(scope, AuditAction.ERASED, null, [], request.id);
    });
    // Again, in case a write racing this erasure made the person a new key meanwhile.
    await this.ctx.subjectKeys.destroy([endUserId]);
    await this.compact();
  }

  private async exportFrom(target: OtherStore, endUserId: string): Promise<unknown> {
    const data = await this.ctx.callService(EXPORTS[target], { id: endUserId });
    return JSON.parse(data.document);
  }

  private async exportIdentity(endUserId: string): Promise<Record<string, unknown>> {
    const row = await this.endUser(endUserId);
    const codec = await EndUserCodec.forRow(this.ctx.subjectKeys, await this.ctx.keyring.cipherFor(this.ctx.tenantId), row);
    const profile: Record<string, unknown> = {
      id: row.id,
      externalRef: row.externalRef,
      dataRegion: row.dataRegion,
      processingRestricted: row.processingRestricted,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
    for (const field of ENCRYPTED_FIELDS) profile[field] = codec.read(row, field);
    const where = { endUserId };
    const [auditTrail, legalHolds, disclosures, privacyRequests] = await Promise.all([
      this.scope.repo(AuditEvent).find({ where, order: { id: 'ASC' } }),
      this.scope.repo(LegalHold).find({ where, order: { id: 'ASC' } }),
      this.scope.repo(Disclosure).find({ where, order: { id: 'ASC' } }),
      this.scope.repo(PrivacyRequest).find({ where, order: { id: 'ASC' } }),
    ]);
    return {
      profile,
      auditTrail: auditTrail.map(({ action, fields, actor, createdAt }) => ({ action, fields, actor, at: createdAt })),
      legalHolds: legalHolds.map(({ id, reason, reference, createdAt, releasedAt }) => ({ id, reason, reference, placedAt: createdAt, releasedAt })),
      disclosures: disclosures.map(({ id, authority, legalBasis, reference, dataCategories, disclosedAt }) => ({ id, authority, legalBasis, reference, dataCategories, disclosedAt })),
      privacyRequests: privacyRequests.map(({ id, kind, status, createdAt, completedAt }) => ({ id, kind, status, receivedAt: createdAt, completedAt })),
    };
  }

  /**
   * The access export: everything held about the person in all four subgraphs and their linked CRM
   * records, with how it is processed. Assembled when asked, never stored.
   */
  async accessExport(requestId: string): Promise<string> {
    const request = await this.request(requestId);
    if (request.kind !== PrivacyRequestKind.ACCESS) throw badInput('requestId', 'is not an ACCESS request');
    if (!request.endUserId) throw conflict('The person has since been erased');
    const endUserId = request.endUserId;
    const [identity, interactions, consent, crm] = await Promise.all([
      this.exportIdentity(endUserId),
      this.exportFrom('interactions', endUserId),
      this.exportFrom('consent', endUserId),
      this.exportFrom('crm', endUserId),
    ]);
    // A sensitive read like any other (whole values), recorded before anything is handed out; no
    // change goes with it, so the entries are a write of their own in the request's scope.
    await this.audit.appendMany(this.scope, [
      { action: AuditAction.ACCESS_EXPORTED, endUserId, fields: ['identity', 'interactions', 'consent', 'crm'], reference: request.id },
      { action: AuditAction.READ_SENSITIVE, endUserId, fields: [...SENSITIVE_FIELDS], reference: request.id },
    ]);
    return JSON.stringify(
      {
        format: 'cx-access-export/1',
        generatedAt: new Date().toISOString(),
        request: { id: request.id, receivedAt: request.createdAt, dueAt: request.dueAt },
        tenant: this.ctx.tenantSlug,
        identity,
        interactions,
        consent,
        crm,
        processing: processingInformation(),
      },
      null,
      2,
    );
  }

  async placeHold(input: PlaceLegalHoldInput): Promise<LegalHold> {
    await this.endUser(input.endUserId);
    return this.scope.transaction(async (scope) => {
      await this.lockEndUser(scope, input.endUserId);
      const holds = scope.repo(LegalHold);
      const hold = await holds.save(
        holds.create({
          endUserId: input.endUserId,
          reason: redactToFit(input.reason, 300),
          reference: input.reference ? redactToFit(input.reference, 200) : null,
          placedBy: this.actor,
          releasedAt: null,
          releasedBy: null,
        }),
      );
      await this.audit.append(scope, AuditAction.LEGAL_HOLD_PLACED, input.endUserId, [], hold.id);
      return hold;
    });
  }

  async releaseHold(id: string): Promise<LegalHold> {
    return this.scope.transaction(async (scope) => {
      const holds = scope.repo(LegalHold);
      const hold = await holds.findById(id);
      if (!hold) throw notFound('Legal hold');
      if (hold.releasedAt) throw conflict('This legal hold was already released');
      Object.assign(hold, { releasedAt: new Date(), releasedBy: this.actor });
      if ((await holds.update({ id, releasedAt: IsNull() }, { releasedAt: hold.releasedAt, releasedBy: hold.releasedBy })) === 0) {
        throw conflict('This legal hold was already released');
      }
      await this.audit.append(scope, AuditAction.LEGAL_HOLD_RELEASED, hold.endUserId, [], hold.id);
      return hold;
    });
  }

  holds(endUserId: string | undefined, first?: number | null, after?: string | null): Promise<Page<LegalHold>> {
    return this.scope.repo(LegalHold).page(endUserId ? { endUserId } : {}, pageRequest(first, after));
  }

  async recordDisclosure(input: RecordDisclosureInput, now = new Date()): Promise<Disclosure> {
    await this.endUser(input.endUserId);
    if (input.disclosedAt > new Date(now.getTime() + 60_000)) throw badInput('disclosedAt', 'must not be in the future');
    return this.scope.transaction(async (scope) => {
      await this.lockEndUser(scope, input.endUserId);
      const disclosures = scope.repo(Disclosure);
      // Free text written by an officer may quote a case file: SSNs and card numbers are redacted.
      const dataCategories = input.dataCategories.map((category) => redactToFit(category, 60));
      const disclosure = await disclosures.save(
        disclosures.create({
          ...input,
          authority: redactToFit(input.authority, 300),
          legalBasis: redactToFit(input.legalBasis, 300),
          reference: redactToFit(input.reference, 200),
          dataCategories,
          recordedBy: this.actor,
        }),
      );
      await this.audit.append(scope, AuditAction.DISCLOSURE_RECORDED, input.endUserId, dataCategories, disclosure.id);
      return disclosure;
    });
  }

  disclosures(endUserId: string | undefined, first?: number | null, after?: string | null): Promise<Page<Disclosure>> {
    return this.scope.repo(Disclosure).page(endUserId ? { endUserId } : {}, pageRequest(first, after));
  }
}

/** What the platform does with the data, for the export (purposes, recipients, retention). */
function processingInformation() {
  return {
    controller: 'the tenant named above; this platform processes the data on its behalf',
    purposes: ['handling contacts with the tenant (calls, chats, email, SMS, social)', 'consent and contact preferences', 'linking the tenant’s CRM records', 'aggregated, anonymous reporting'],
    recipients: 'the tenant’s operators and API clients it authorises; CRMs linked by the tenant (see crm); sub-processors (see consent)',
    retention: 'transcripts per the tenant’s retention period (see interactions); profiles until erased at the tenant’s request',
  };
}

/** Due retries across every tenant, oldest first (the worker then acts within each request's tenant). */
export async function dueRequests(dataSource: DataSource, now = new Date(), limit = 50): Promise<{ id: string; tenantId: string }[]> {
  // Across tenants on purpose: the worker serves every tenant; each request is then run in its own tenant's scope.
  const tasks = await AcrossTenants.of(dataSource).find(PrivacyTask, {
    where: { status: In([PrivacyTaskStatus.FAILED, PrivacyTaskStatus.PENDING]), nextAttemptAt: LessThanOrEqual(now) },
    order: { nextAttemptAt: 'ASC' },
    take: limit,
  });
  const seen = new Map<string, string>();
  for (const task of tasks) seen.set(task.requestId, task.tenantId);
  return [...seen].map(([id, tenantId]) => ({ id, tenantId }));
}

/** How long a claimed request is left to the worker that claimed it before another may take it over. */
export const CLAIM_LEASE_MS = 5 * 60_000;

/**
 * Claims one due request for this worker, so that with several identity instances each due
 * request is run by one of them: the request's row is locked (`FOR UPDATE SKIP LOCKED` on MySQL,
 * so a busy row is passed over rather than waited for; SQLite runs one write transaction at a
 * time), its due targets are read again under that lock, and their `nextAttemptAt` pushed a lease
 * ahead. Run then rewrites it (done, or the next retry); a worker that dies mid-run leaves the
 * lease to expire and another takes over. False when another worker has it.
 */
export async function claimDueRequest(dataSource: DataSource, requestId: string, now = new Date(), leaseMs = CLAIM_LEASE_MS): Promise<boolean> {
  const mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  return crossTenantTransaction(dataSource, async (manager) => {
    // Unscoped on purpose, like dueRequests: the request id came from there and is run in its own tenant's scope.
    const locking = manager.getRepository(PrivacyRequest).createQueryBuilder('request').select('request.id').where('request.id = :requestId', { requestId });
    if (mysql) locking.setLock('pessimistic_write').setOnLocked('skip_locked');
    if (!(await locking.getOne())) return false;
    const due = await manager.getRepository(PrivacyTask).find({
      select: { id: true },
      where: { requestId, status: In([PrivacyTaskStatus.FAILED, PrivacyTaskStatus.PENDING]), nextAttemptAt: LessThanOrEqual(now) },
    });
    if (due.length === 0) return false;
    await manager.getRepository(PrivacyTask).update({ id: In(due.map((task) => task.id)) }, { nextAttemptAt: new Date(now.getTime() + leaseMs) });
    return true;
  });
}
