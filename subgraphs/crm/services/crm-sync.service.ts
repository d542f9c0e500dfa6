import { In } from 'typeorm';
import { errorFacts } from '../../kit/error-facts';
import type { RequestContext } from '../../kit/context';
import { conflict, DomainError, notFound } from '../../../platform/errors';
import { CrmConnection, CrmConnectionStatus } from '../entities/crm-connection.entity';
import { CrmLink, CrmLinkMethod } from '../entities/crm-link.entity';
import type { CrmRectificationInput } from '../inputs/crm.input';
import { CrmError, type CrmConnector, type CrmContact, type CrmRecordData } from './connectors/crm-connector';
import { openCredentials } from './credentials';
import { MISSING, type CrmRuntime } from './crm-runtime';
import { profileFor } from './identity-profiles';
import type { CrmProfile } from '../../../platform/contracts/operations/identity';
import { assertSharingAllowed, type SharingGate } from './sharing-gate';
import { assertEndUsersWritable, assertNotErased, recordErasure, seesRestricted } from '../../kit/end-user-guard';

/** A live record with the connection it came from. */
export interface LiveCrmRecord extends CrmRecordData {
  connectionId: string;
  provider: CrmConnection['provider'];
}

export interface PushResult {
  created: boolean;
  link: CrmLink;
}

/** At most this many of one end-user's links are touched by a privacy request at once. */
const PRIVACY_LINK_LIMIT = 1_000;

const unavailable = (connection: CrmConnection, message: string) =>
  new DomainError('UNAVAILABLE', `CRM connection "${connection.name}": ${message}`);

/**
 * Everything that talks to a tenant's CRMs: live reads (batched, cached briefly), matching and
 * pushing (behind the sharing gate), and the privacy requests' export, erasure and rectification.
 */
export class CrmSyncService {
  constructor(
    private readonly request: RequestContext,
    /** The process's breakers and record cache. */
    private readonly runtime: CrmRuntime,
    private readonly gate: SharingGate,
    /** Runs once an erasure has removed everything (on SQLite, the erased rows' old pages leave the WAL). */
    private readonly afterErasure: () => Promise<void>,
  ) {}

  private get tenantId() {
    return this.request.tenantId;
  }

  private async connection(id: string): Promise<CrmConnection> {
    const connection = await this.request.scope.repo(CrmConnection).findById(id);
    if (!connection) throw notFound('CRM connection');
    return connection;
  }

  /** Runs a CRM call, keeping the connection's status and last error current; CrmErrors become domain errors. */
  private async call<T>(connection: CrmConnection, work: (connector: CrmConnector) => Promise<T>, options: { evenIfDisabled?: boolean } = {}): Promise<T> {
    if (connection.status === CrmConnectionStatus.DISABLED && !options.evenIfDisabled) {
      throw unavailable(connection, 'the connection is disabled');
    }
    const cipher = await this.request.keyring.cipherFor(this.tenantId);
    try {
      // Inside the try: credentials that do not match the connection's provider and origin mark it ERROR.
      const credentials = openCredentials(cipher, connection);
      if (!credentials) throw unavailable(connection, 'the connection has no credentials');
      const result = await work(this.runtime.connector(connection, credentials));
      if (connection.status === CrmConnectionStatus.ERROR) await this.noteStatus(connection, CrmConnectionStatus.ACTIVE, null);
      return result;
    } catch (error) {
      if (!(error instanceof CrmError)) throw error;
      if (error.kind === 'unavailable' || error.kind === 'auth') {
        this.request.logger.warn({ requestId: this.request.requestId, connectionId: connection.id, provider: connection.provider, reason: error.message }, 'CRM call failed');
        if (connection.status !== CrmConnectionStatus.DISABLED) await this.noteStatus(connection, CrmConnectionStatus.ERROR, error.message);
        throw unavailable(connection, error.message);
      }
      if (error.kind === 'not_found') throw notFound('CRM record');
      throw conflict(`CRM connection "${connection.name}": ${error.message}`);
    }
  }

  private async noteStatus(connection: CrmConnection, status: CrmConnectionStatus, lastError: string | null): Promise<void> {
    if (connection.status === status && connection.lastError === lastError) return;
    connection.status = status;
    if (lastError !== null) {
      connection.lastError = lastError.slice(0, 500);
      connection.lastErrorAt = new Date();
    }
    // In place: a connection deleted meanwhile is not brought back.
    await this.request.scope.repo(CrmConnection).saveExisting(connection).catch((error: unknown) => {
      this.request.logger.warn({ connectionId: connection.id, err: error }, 'could not record the CRM connection status');
    });
  }

  /** A link's live record; null when the CRM no longer has it. */
  record(link: CrmLink): Promise<LiveCrmRecord | null> {
    return this.recordLoader().load(link);
  }

  /** Live records for links, batched per request: one provider call per connection for the records not cached. */
  private recordLoader() {
    return this.request.loader<CrmLink, LiveCrmRecord | null>('CrmRecord.byLink', async (links) => {
      const connectionIds = [...new Set(links.map((link) => link.connectionId))];
      const connections = new Map((await this.request.scope.repo(CrmConnection).findByIds(connectionIds)).map((c) => [c.id, c]));
      const results = new Map<CrmLink, LiveCrmRecord | null | Error>();
      await Promise.all(
        connectionIds.map(async (connectionId) => {
          const group = links.filter((link) => link.connectionId === connectionId);
          const connection = connections.get(connectionId);
          if (!connection) return group.forEach((link) => results.set(link, null));
          try {
            const records = await this.read(connection, group.map((link) => link.externalId));
            group.forEach((link) => results.set(link, records.get(link.externalId) ?? null));
          } catch (error) {
            group.forEach((link) => results.set(link, error as Error));
          }
        }),
      );
      return links.map((link) => results.get(link)!);
    });
  }

  private async read(connection: CrmConnection, externalIds: string[], useCache = true): Promise<Map<string, LiveCrmRecord>> {
    const found = new Map<string, LiveCrmRecord>();
    const live = (data: CrmRecordData): LiveCrmRecord => ({ ...data, connectionId: connection.id, provider: connection.provider });
    const misses: string[] = [];
    for (const id of new Set(externalIds)) {
      const cached = useCache ? this.runtime.cached(this.tenantId, connection.id, id) : undefined;
      if (cached === undefined) misses.push(id);
      else if (cached !== MISSING) found.set(id, live(cached));
    }
    if (misses.length) {
      const fetched = await this.call(connection, (connector) => connector.readMany(misses));
      for (const id of misses) {
        const data = fetched.get(id);
        this.runtime.remember(this.tenantId, connection.id, id, data ?? MISSING);
        if (data) found.set(id, live(data));
      }
    }
    return found;
  }

  /** The end-user must exist, be neither erased nor restricted (asked of identity), and have a profile. */
  private async profile(endUserId: string): Promise<CrmProfile> {
    await assertEndUsersWritable(this.request, [endUserId]);
    const profile = await profileFor(this.request, endUserId);
    if (!profile) throw notFound('End-user');
    return profile;
  }

  /** Refused (NOT_FOUND) for an end-user erased here meanwhile, inside the transaction that writes it. */
  private saveLink(endUserId: string, connection: CrmConnection, externalId: string, method: CrmLinkMethod): Promise<CrmLink> {
    return this.request.scope.transaction(async (scope) => {
      await assertNotErased(scope, [endUserId]);
      const links = scope.repo(CrmLink);
      const existing = await links.findOne({ connectionId: connection.id, externalId });
      if (existing && existing.endUserId !== endUserId) throw conflict('That CRM record is already linked to another end-user');
      return existing ?? links.save(links.create({ endUserId, connectionId: connection.id, externalId, method }));
    });
  }

  /**
   * Finds the end-user's record in the CRM by email, then by phone, and links it; null when the CRM
   * has none. A lookup sends the email and phone to the CRM, so the sharing gate decides first.
   */
  async match(endUserId: string, connectionId: string): Promise<CrmLink | null> {
    const connection = await this.connection(connectionId);
    const profile = await this.profile(endUserId);
    const linked = await this.request.scope.repo(CrmLink).findOne({ endUserId, connectionId });
    if (linked) return linked;
    await assertSharingAllowed(this.gate, endUserId, connection.role, seesRestricted(this.request));
    const found = await this.call(connection, async (connector) => {
      const byEmail = profile.email ? await connector.findByEmail(profile.email) : null;
      if (byEmail) return { record: byEmail, method: CrmLinkMethod.MATCHED_EMAIL };
      const byPhone = profile.phone ? await connector.findByPhone(profile.phone) : null;
      return byPhone ? { record: byPhone, method: CrmLinkMethod.MATCHED_PHONE } : null;
    });
    if (!found) return null;
    return this.saveLink(endUserId, connection, found.record.externalId, found.method);
  }

  /**
   * Sends the end-user's profile to the CRM: updates the linked record, or the one found by email,
   * or creates one, and links it. Refused unless the sharing gate allows it for the CRM's role
   * (RESTRICTED applies to service providers too); nothing is sent when the gate cannot be asked.
   */
  async push(endUserId: string, connectionId: string): Promise<PushResult> {
    const connection = await this.connection(connectionId);
    const profile = await this.profile(endUserId);
    await assertSharingAllowed(this.gate, endUserId, connection.role, seesRestricted(this.request));
    const contact: CrmContact = { firstName: profile.firstName, lastName: profile.lastName, email: profile.email, phone: profile.phone };
    const links = this.request.scope.repo(CrmLink);
    const linked = await links.findOne({ endUserId, connectionId });
    const result = await this.call(connection, async (connector) => {
      if (linked) {
        try {
          await connector.update(linked.externalId, contact);
          return { externalId: linked.externalId, created: false, method: linked.method };
        } catch (error) {
          if (!(error instanceof CrmError && error.kind === 'not_found')) throw error;
        }
      }
      const existing = profile.email ? await connector.findByEmail(profile.email) : null;
      if (existing) {
        await connector.update(existing.externalId, contact);
        return { externalId: existing.externalId, created: false, method: CrmLinkMethod.MATCHED_EMAIL };
      }
      return { externalId: await connector.create(contact), created: true, method: CrmLinkMethod.PUSHED };
    });
    this.runtime.forget(this.tenantId, connection.id, result.externalId);
    if (linked && linked.externalId !== result.externalId) {
      // The CRM lost the linked record; the link follows the new one.
      this.runtime.forget(this.tenantId, connection.id, linked.externalId);
      linked.externalId = result.externalId;
      linked.method = result.method;
      const moved = await this.request.scope.transaction(async (scope) => {
        await assertNotErased(scope, [endUserId]);
        return scope.repo(CrmLink).saveExisting(linked);
      }).catch((error: unknown) => this.undoCreate(connection, result, error));
      if (!moved) return this.undoCreate(connection, result, notFound('End-user'));
      return { created: result.created, link: linked };
    }
    if (linked) return { created: result.created, link: linked };
    const link = await this.saveLink(endUserId, connection, result.externalId, result.method).catch((error: unknown) => this.undoCreate(connection, result, error));
    return { created: result.created, link };
  }

  /**
   * A push whose link may not be written (the person was erased meanwhile) takes back the record
   * it created, so nothing about the person is left in the CRM; then the write is refused.
   */
  private async undoCreate(connection: CrmConnection, result: { externalId: string; created: boolean }, error: unknown): Promise<never> {
    if (result.created && error instanceof DomainError && error.code === 'NOT_FOUND') {
      await this.call(connection, (connector) => connector.delete(result.externalId), { evenIfDisabled: true }).catch(() => {
        this.request.logger.warn({ requestId: this.request.requestId, connectionId: connection.id }, 'could not take back a CRM record pushed for an erased end-user');
      });
      this.runtime.forget(this.tenantId, connection.id, result.externalId);
    }
    throw error;
  }

  private async linksOf(endUserId: string): Promise<{ links: CrmLink[]; connections: Map<string, CrmConnection> }> {
    const links = await this.request.scope.repo(CrmLink).find({ where: { endUserId }, order: { id: 'ASC' }, take: PRIVACY_LINK_LIMIT });
    const ids = [...new Set(links.map((link) => link.connectionId))];
    const rows = ids.length ? await this.request.scope.repo(CrmConnection).find({ where: { id: In(ids) } }) : [];
    return { links, connections: new Map(rows.map((row) => [row.id, row])) };
  }

  /** A privacy export: the links and each linked record as the CRM holds it now. Any CRM failing fails the export. */
  async exportFor(endUserId: string): Promise<string> {
    const { links, connections } = await this.linksOf(endUserId);
    const entries = await Promise.all(
      [...connections.values()].map(async (connection) => {
        const own = links.filter((link) => link.connectionId === connection.id);
        const records = await this.call(connection, (connector) => connector.readMany(own.map((l) => l.externalId)), { evenIfDisabled: true });
        return own.map((link) => ({
          linkId: link.id,
          connection: { id: connection.id, name: connection.name, provider: connection.provider, role: connection.role },
          externalId: link.externalId,
          method: link.method,
          linkedAt: link.createdAt,
          record: records.get(link.externalId) ?? null,
        }));
      }),
    );
    const orphans = links.filter((link) => !connections.has(link.connectionId)).map((link) => ({
      linkId: link.id, connection: null, externalId: link.externalId, method: link.method, linkedAt: link.createdAt, record: null,
    }));
    return JSON.stringify({ endUserId, exportedAt: new Date().toISOString(), links: [...entries.flat(), ...orphans] });
  }

  /**
   * Erasure: deletes the person's record in every linked CRM (already gone counts as done), then the
   * links. A link whose CRM fails stays, so a retry finishes the job; the call then fails UNAVAILABLE.
   */
  async erase(endUserId: string): Promise<number> {
    // The tombstone first, committed on its own (the CRM calls below cannot wait inside a
    // transaction): every write about the person from now on is refused, and those holding a lock
    // on it have committed, so their links are among those read next.
    await this.request.scope.transaction((scope) => recordErasure(scope, endUserId));
    const { links, connections } = await this.linksOf(endUserId);
    let removed = 0;
    let failure: DomainError | null = null;
    const done: CrmLink[] = [];
    for (const link of links) {
      const connection = connections.get(link.connectionId);
      try {
        if (connection) {
          if (await this.call(connection, (connector) => connector.delete(link.externalId), { evenIfDisabled: true })) removed += 1;
          this.runtime.forget(this.tenantId, connection.id, link.externalId);
        }
        done.push(link);
      } catch (error) {
        if (!(error instanceof DomainError)) this.unexpected('erasure', connection, error);
        failure ??= error instanceof DomainError ? error : unavailable(connection!, 'the record could not be deleted');
      }
    }
    if (done.length) removed += await this.request.scope.repo(CrmLink).delete({ id: In(done.map((link) => link.id)) });
    if (failure) throw new DomainError('UNAVAILABLE', `${failure.message}; retry to finish the erasure`);
    if ((await this.request.scope.repo(CrmLink).count({ endUserId })) > 0) throw conflict('Links of the end-user remain; retry the erasure');
    await this.afterErasure();
    return removed;
  }

  /** A failure that is no CRM or domain error (a bug, a database fault): the client still sees UNAVAILABLE. */
  private unexpected(work: string, connection: CrmConnection | undefined, error: unknown): void {
    this.request.logger.error({ requestId: this.request.requestId, connectionId: connection?.id, provider: connection?.provider, error: errorFacts(error) }, `CRM ${work} failed unexpectedly`);
  }

  /** Rectification: the corrected fields go to every linked record; returns how many were updated. */
  async rectify(endUserId: string, input: CrmRectificationInput): Promise<number> {
    const contact: CrmContact = {};
    for (const key of ['firstName', 'lastName', 'email', 'phone'] as const) if (input[key] != null) contact[key] = input[key];
    if (Object.keys(contact).length === 0) return 0;
    const { links, connections } = await this.linksOf(endUserId);
    let updated = 0;
    let failure: DomainError | null = null;
    for (const link of links) {
      const connection = connections.get(link.connectionId);
      if (!connection) continue;
      try {
        await this.call(connection, (connector) => connector.update(link.externalId, contact), { evenIfDisabled: true });
        updated += 1;
      } catch (error) {
        if (error instanceof DomainError && error.code === 'NOT_FOUND') continue;
        if (!(error instanceof DomainError)) this.unexpected('rectification', connection, error);
        failure ??= error instanceof DomainError ? error : unavailable(connection, 'the record could not be updated');
      } finally {
        this.runtime.forget(this.tenantId, connection.id, link.externalId);
      }
    }
    if (failure) throw new DomainError('UNAVAILABLE', failure.message);
    return updated;
  }
}
