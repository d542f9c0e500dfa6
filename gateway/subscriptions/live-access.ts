import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { addressAllowed } from '../../platform/addresses';
import type { RequestClaims } from '../../platform/contracts/signed-context';
import { DomainError } from '../../platform/errors';
import { budgetKey } from '../limits';
import type { LiveSettings } from '../config';
import type { GatewayDeps } from '../deps';
import type { GatewayContext } from '../signed-data-source';

/** Why a live connection ends: a WebSocket close code and reason; SSE sends the same in a final error. */
export const CLOSE = {
  unauthenticated: { code: 4401, reason: 'unauthenticated' },
  forbidden: { code: 4403, reason: 'forbidden' },
  revoked: { code: 4403, reason: 'revoked' },
  rolesChanged: { code: 4403, reason: 'roles changed' },
  ipNotAllowed: { code: 4403, reason: 'ip not allowed' },
  tenantDisabled: { code: 4403, reason: 'tenant disabled' },
  slowConsumer: { code: 4413, reason: 'slow consumer' },
  rateLimited: { code: 4429, reason: 'rate limited' },
  tooManyConnections: { code: 4429, reason: 'too many connections' },
  unavailable: { code: 4503, reason: 'access check unavailable' },
  /** The client went away, or the gateway is stopping. */
  closed: { code: 1000, reason: 'closed' },
} as const;
export type CloseReason = (typeof CLOSE)[keyof typeof CLOSE];

export class LiveRefusal extends Error {
  constructor(readonly close: CloseReason) {
    super(close.reason);
  }
}

const bearer = (value: unknown) => (typeof value === 'string' ? (/^(?:Bearer\s+)?(\S+)$/i.exec(value.trim())?.[1] ?? null) : null);

/**
 * One admitted live connection (a WebSocket, or an SSE request): who it is, at which access
 * version it was last found admissible, and how to end it.
 */
export class LiveSession {
  private ended: CloseReason | null = null;
  private readonly onEnd = new Set<(reason: CloseReason) => void>();
  subscriptions = 0;
  lastFullCheck = Date.now();

  constructor(
    private readonly access: LiveAccess,
    readonly token: string,
    public claims: RequestClaims,
    public version: string | null,
    /** Bytes queued for the client, from the transport. */
    readonly backlog: () => number,
  ) {}

  get maxPendingEvents(): number {
    return this.access.settings.maxPendingEvents;
  }

  get tenantSlug(): string {
    return this.claims.tenant!.slug;
  }

  get tenantId(): string {
    return this.claims.tenant!.id;
  }

  get endedWith(): CloseReason | null {
    return this.ended;
  }

  /** The context a query by this subscriber would have, with its own request id. */
  context(): GatewayContext {
    return { claims: { ...this.claims, requestId: randomUUID() } };
  }

  /** Checked before every delivery: still admissible, and still reading what it is sent. */
  async check(eventAt = Date.now()): Promise<void> {
    if (this.ended) throw new LiveRefusal(this.ended);
    if (this.backlog() > this.access.settings.maxBufferedBytes) return this.fail(CLOSE.slowConsumer);
    try {
      await this.access.recheck(this, eventAt);
    } catch (error) {
      if (error instanceof LiveRefusal) return this.fail(error.close);
      throw error;
    }
  }

  whenEnded(listener: (reason: CloseReason) => void): () => void {
    if (this.ended) listener(this.ended);
    else this.onEnd.add(listener);
    return () => this.onEnd.delete(listener);
  }

  end(reason: CloseReason): void {
    if (this.ended) return;
    this.ended = reason;
    this.access.forget(this);
    for (const listener of [...this.onEnd]) listener(reason);
    this.onEnd.clear();
  }

  private fail(reason: CloseReason): never {
    this.end(reason);
    throw new LiveRefusal(reason);
  }
}

/**
 * The admission of queries (token, tenant active, principal not revoked, address allowed, the
 * tenant's request budget), applied when a live connection opens and again before every event
 * and periodically: a change to the tenant's access (announced as a new access version) ends
 * every connection it no longer admits, with a close code naming why.
 */
export class LiveAccess {
  private readonly sessions = new Map<string, Set<LiveSession>>();
  /** Version reads in flight per tenant; an event joins one only if it started after the event arrived. */
  private readonly reads = new Map<string, { startedAt: number; read: Promise<string | null> }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: GatewayDeps,
    readonly settings: LiveSettings,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.sweep(), settings.recheckMs);
    this.timer.unref();
  }

  /** Admits a connection or throws a LiveRefusal; takes one request from the tenant's budget. */
  async admit(rawToken: unknown, clientIp: string, backlog: () => number): Promise<LiveSession> {
    const token = bearer(rawToken);
    if (!token) throw new LiveRefusal(CLOSE.unauthenticated);
    const { claims, version } = await this.evaluate(token, clientIp);
    const open = this.sessions.get(claims.tenant!.slug)?.size ?? 0;
    if (open >= this.settings.maxConnectionsPerTenant) throw new LiveRefusal(CLOSE.tooManyConnections);
    await this.spend({ claims });
    const session = new LiveSession(this, token, claims, version, backlog);
    let set = this.sessions.get(session.tenantSlug);
    if (!set) this.sessions.set(session.tenantSlug, (set = new Set()));
    set.add(session);
    return session;
  }

  /** One request from the tenant's budget (a connection, each subscription). */
  async spend(context: GatewayContext): Promise<void> {
    try {
      await this.deps.limits.takeRequest(budgetKey(context));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'RATE_LIMITED') throw new LiveRefusal(CLOSE.rateLimited);
      throw error;
    }
  }

  /** Unchanged access version since the last look: nothing to ask. Otherwise identity decides again. */
  async recheck(session: LiveSession, eventAt: number, full = false): Promise<void> {
    const version = await this.version(session.tenantSlug, eventAt);
    if (!full && version !== null && version === session.version) return;
    const { claims, version: now } = await this.evaluate(session.token, session.claims.clientIp);
    const { principal } = session.claims;
    const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
    if (!same(principal.roles, claims.principal.roles) || !same(principal.scopes, claims.principal.scopes)) throw new LiveRefusal(CLOSE.rolesChanged);
    session.claims = { ...session.claims, accessPolicy: claims.accessPolicy };
    session.version = now;
    session.lastFullCheck = Date.now();
  }

  forget(session: LiveSession): void {
    const set = this.sessions.get(session.tenantSlug);
    set?.delete(session);
    if (set?.size === 0) this.sessions.delete(session.tenantSlug);
  }

  close(): void {
    clearInterval(this.timer);
    for (const set of [...this.sessions.values()]) for (const session of [...set]) session.end(CLOSE.closed);
  }

  private sweeping = false;

  private async sweep(): Promise<void> {
    // A sweep slower than the interval is not overlapped by the next.
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.sweepOnce();
    } finally {
      this.sweeping = false;
    }
  }

  private async sweepOnce(): Promise<void> {
    const now = Date.now();
    for (const set of [...this.sessions.values()]) {
      for (const session of [...set]) {
        const full = now - session.lastFullCheck >= this.settings.fullRecheckMs;
        await this.recheck(session, now, full).catch((error: unknown) => {
          session.end(error instanceof LiveRefusal ? error.close : CLOSE.unavailable);
        });
      }
    }
  }

  private version(slug: string, notBefore: number): Promise<string | null> {
    const inflight = this.reads.get(slug);
    if (inflight && inflight.startedAt >= notBefore) return inflight.read;
    const startedAt = Date.now();
    const read = this.deps.events.versions(slug).then((v) => v?.tenant ?? null, () => null);
    this.reads.set(slug, { startedAt, read });
    void read.finally(() => {
      if (this.reads.get(slug)?.read === read) this.reads.delete(slug);
    });
    return read;
  }

  /** The same decision as a query's context builder (gateway/server.ts), ending in a close reason. */
  private async evaluate(token: string, clientIp: string): Promise<{ claims: RequestClaims; version: string | null }> {
    const requestId = randomUUID();
    const identity = await this.deps.tokens.verify(token).catch((error: unknown) => {
      // The identity provider's keys out of reach is an outage, not a bad token.
      throw new LiveRefusal(error instanceof DomainError && error.code === 'UNAVAILABLE' ? CLOSE.unavailable : CLOSE.unauthenticated);
    });
    // Platform operators read no tenant data, live or not.
    if (identity.kind === 'platform' || !identity.tenantSlug) throw new LiveRefusal(CLOSE.forbidden);
    // Read before asking: a change committed meanwhile bumps past it, and the next check asks again.
    const version = await this.version(identity.tenantSlug, Date.now());
    const { tenant, principal } = await this.deps.directory.lookup(identity.tenantSlug, identity.kind, identity.subject, requestId).catch((error: unknown) => {
      this.logger.warn({ tenant: identity.tenantSlug, reason: (error as Error).message }, 'live access check failed');
      throw new LiveRefusal(CLOSE.unavailable);
    });
    if (!tenant) throw new LiveRefusal(CLOSE.unauthenticated);
    if (tenant.status !== 'ACTIVE') throw new LiveRefusal(CLOSE.tenantDisabled);
    if (!addressAllowed(clientIp, tenant.accessPolicy)) throw new LiveRefusal(CLOSE.ipNotAllowed);
    if (principal.status === 'REVOKED') throw new LiveRefusal(CLOSE.revoked);
    if (identity.kind === 'api_client' && principal.status !== 'ACTIVE') throw new LiveRefusal(CLOSE.unauthenticated);
    const registered = principal.status === 'ACTIVE';
    return {
      version,
      claims: {
        requestId,
        tenant: { id: tenant.id, slug: tenant.slug },
        principal: {
          id: identity.subject,
          kind: identity.kind,
          roles: registered ? principal.roles : identity.roles,
          scopes: registered ? principal.scopes : identity.scopes,
        },
        clientIp,
        accessPolicy: tenant.accessPolicy,
      },
    };
  }
}
