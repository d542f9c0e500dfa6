import type { LookupFunction } from 'node:net';
import CircuitBreaker from 'opossum';
import { LRUCache } from 'lru-cache';
import type { CrmSettings } from '../../kit/config';
import { CrmProvider, type CrmConnection } from '../entities/crm-connection.entity';
import { addressExempt, baseUrlText, BaseUrlRefused, parseBaseUrl, type BaseUrlPolicy } from './base-url';
import { crmAgents, type CrmAgents } from './connectors/crm-agents';
import { CrmError, type CrmConnector, type CrmRecordData } from './connectors/crm-connector';
import { CrmHttp, type CrmTarget } from './connectors/crm-http';
import { HubSpotConnector } from './connectors/hubspot.connector';
import { SalesforceConnector } from './connectors/salesforce.connector';
import { ZendeskConnector } from './connectors/zendesk.connector';
import { observeBreakers } from '../../../platform/telemetry/metrics';

export interface CrmCredentials {
  accessToken?: string;
  email?: string;
  apiToken?: string;
}

/** A record the CRM said it does not have, remembered like a record. */
export const MISSING = Symbol('missing');
type Cached = CrmRecordData | typeof MISSING;

type Breaker = CircuitBreaker<[() => Promise<unknown>], unknown>;

export interface CrmRuntimeOptions {
  /** Production refuses plain-http base URLs, stored ones included. */
  production?: boolean;
  /** How host names are resolved at connect time (tests stand in for DNS with it). */
  lookup?: LookupFunction;
}

/**
 * What outlives a request in one crm process (its composition root builds one): a circuit breaker
 * per connection and a short cache of live records. Both are keyed by tenant first, so nothing is
 * shared across tenants.
 */
export class CrmRuntime {
  private readonly breakers = new Map<string, Breaker>();
  private readonly cache?: LRUCache<string, Cached>;
  private readonly agents: CrmAgents;
  private readonly production: boolean;

  constructor(
    readonly settings: CrmSettings,
    options: CrmRuntimeOptions = {},
  ) {
    this.production = options.production ?? false;
    this.agents = crmAgents(options.lookup);
    observeBreakers(this.breakers);
    if (settings.cacheTtlMs > 0) this.cache = new LRUCache<string, Cached>({ max: 10_000, ttl: settings.cacheTtlMs });
  }

  /** What a base URL given through the API is checked against: the same rules as every call's. */
  get baseUrlPolicy(): BaseUrlPolicy {
    return { production: this.production, crm: this.settings };
  }

  breaker(tenantId: string, connectionId: string): Breaker {
    const key = `${tenantId}:${connectionId}`;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker((attempt: () => Promise<unknown>) => attempt(), {
        // Latency opens the circuit too: an attempt slower than the timeout counts as a failure
        // (its own AbortSignal, bounded by the same timeout or less, then ends it).
        timeout: this.settings.timeoutMs,
        volumeThreshold: this.settings.breakerFailures,
        errorThresholdPercentage: 50,
        rollingCountTimeout: Math.max(10_000, this.settings.breakerCooldownMs),
        resetTimeout: this.settings.breakerCooldownMs,
        // Refused credentials, missing records and rejected input are answers, not outages.
        errorFilter: (error: unknown) => error instanceof CrmError && error.kind !== 'unavailable',
      });
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /** Whether the connection's circuit is open (calls refused until the cool-down ends). */
  isOpen(tenantId: string, connectionId: string): boolean {
    return this.breakers.get(`${tenantId}:${connectionId}`)?.opened ?? false;
  }

  connector(connection: CrmConnection, credentials: CrmCredentials): CrmConnector {
    const resilience = {
      timeoutMs: this.settings.timeoutMs,
      budgetMs: this.settings.budgetMs,
      retries: this.settings.retries,
      retryBaseMs: this.settings.retryBaseMs,
      breaker: this.breaker(connection.tenantId, connection.id),
    };
    const target = this.target(connection);
    const http = (name: string, authorization: string) => new CrmHttp(name, target, authorization, resilience);
    switch (connection.provider) {
      case CrmProvider.HUBSPOT:
        return new HubSpotConnector(http('HubSpot', HubSpotConnector.authorization({ accessToken: credentials.accessToken ?? '' })));
      case CrmProvider.SALESFORCE:
        return new SalesforceConnector(
          http('Salesforce', SalesforceConnector.authorization({ accessToken: credentials.accessToken ?? '' })),
          target.baseUrl,
        );
      case CrmProvider.ZENDESK:
        return new ZendeskConnector(
          http('Zendesk', ZendeskConnector.authorization({ email: credentials.email ?? '', apiToken: credentials.apiToken ?? '' })),
          target.baseUrl,
        );
    }
  }

  /**
   * The stored base URL is checked again before every call (a row may have been changed behind
   * the API), and the agent chosen checks each address connected to unless the target is exempt.
   */
  private target(connection: CrmConnection): CrmTarget {
    let url: URL;
    try {
      url = parseBaseUrl(connection.baseUrl, this.production);
    } catch (error) {
      if (!(error instanceof BaseUrlRefused)) throw error;
      throw new CrmError('unavailable', `the connection's base URL ${error.message}`);
    }
    const protocol = url.protocol as 'http:' | 'https:';
    const agent = addressExempt(url, this.settings) ? this.agents.exempt[protocol] : this.agents.guarded[protocol];
    return { baseUrl: baseUrlText(url), agent };
  }

  private key(tenantId: string, connectionId: string, externalId: string): string {
    return `${tenantId}\u0000${connectionId}\u0000${externalId}`;
  }

  cached(tenantId: string, connectionId: string, externalId: string): Cached | undefined {
    return this.cache?.get(this.key(tenantId, connectionId, externalId));
  }

  remember(tenantId: string, connectionId: string, externalId: string, value: Cached): void {
    this.cache?.set(this.key(tenantId, connectionId, externalId), value);
  }

  forget(tenantId: string, connectionId: string, externalId?: string): void {
    if (!this.cache) return;
    if (externalId !== undefined) {
      this.cache.delete(this.key(tenantId, connectionId, externalId));
      return;
    }
    const prefix = `${tenantId}\u0000${connectionId}\u0000`;
    for (const key of [...this.cache.keys()]) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  /** A connection changed (address, credentials, status): its circuit and cached records start afresh. */
  reset(tenantId: string, connectionId: string): void {
    const key = `${tenantId}:${connectionId}`;
    this.breakers.get(key)?.shutdown();
    this.breakers.delete(key);
    this.forget(tenantId, connectionId);
  }
}
