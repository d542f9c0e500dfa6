import pino from 'pino';
import { DataSource } from 'typeorm';
import { subgraphs } from '../../subgraphs';
import { accessEvents, type AccessEvents } from '../../platform/access-events';
import {
  ContextSigner,
  contextKeyFor,
  ContextVerifier,
  decodeSecret,
  requestDigest,
  ServiceContextSigner,
  type AccessPolicyClaims,
  type PrincipalKind,
  type RequestClaims,
} from '../../platform/contracts/signed-context';
import type { SubgraphName } from '../../subgraphs/kit/config';
import { createSubgraphServer, type SubgraphServer } from '../../subgraphs/kit/server';
import { deriveServiceKeys } from '../../subgraphs/kit/service-client';
import { testEnvironment, type TestEnvironment } from './environment';
import { client, type Client, type GraphQLResponse, type Variables } from './graphql';

export type Tenant = { id: string; slug: string };

/** Who is calling: a tenant member with roles (the default), or another kind of principal. */
export interface Caller {
  tenant?: Tenant | null;
  kind?: PrincipalKind;
  roles?: string[];
  scopes?: string[];
  id?: string;
  /** For `kind: 'subgraph'`: the calling subgraph, whose link key signs the context. */
  from?: SubgraphName;
  clientIp?: string;
  accessPolicy?: AccessPolicyClaims | null;
}

export interface SubgraphHarness {
  name: SubgraphName;
  server: SubgraphServer;
  dataSource: DataSource;
  env: TestEnvironment;
  /** The claims the subgraph would verify for this caller. */
  claims(caller: Caller): RequestClaims;
  /** A client for one caller: each call gets a freshly signed, verified context for its body. */
  as(caller: Caller): Client;
  /** Also serves HTTP on a free port (for a subgraph that another one calls over its link); its URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Where this subgraph's service links lead (a stand-in, say); by default nowhere, so they fail closed. */
  serviceUrls?: Partial<Record<SubgraphName, string>>;
  /** Environment overrides for the subgraph's configuration. */
  env?: Record<string, string>;
  /** Another harness's world (keys, directories), so subgraphs in one test trust each other's links. */
  world?: TestEnvironment;
  accessEvents?: AccessEvents;
}

let requests = 0;

/**
 * One subgraph in this process over an in-memory SQLite database (its own MySQL one with DATABASE_URL), built by the same factory as in
 * production (schema, shield, error formatter, plugins), called through `executeOperation` with a
 * context signed by the gateway's key (or a service link's) and verified as the HTTP door does.
 */
export async function subgraphHarness(name: SubgraphName, options: HarnessOptions = {}): Promise<SubgraphHarness> {
  const module = subgraphs[name];
  const env = options.world ?? (await testEnvironment(options.env));
  const config = env.subgraphConfig;
  // With DATABASE_URL the suite runs on MySQL/MariaDB: the server opens (and migrates) its own database.
  const memory = env.databaseUrl ? undefined : new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: module.entities, synchronize: true });
  await memory?.initialize();
  const logger = pino({ level: 'silent' });
  const events = options.accessEvents ?? accessEvents();
  const unreachable = 'http://127.0.0.1:9/graphql';
  const urls = { identity: unreachable, interactions: unreachable, consent: unreachable, crm: unreachable, ...options.serviceUrls };
  const server = await createSubgraphServer(module, { config: { ...config, urls }, dataSource: memory, logger, accessEvents: events });
  const { dataSource } = server;

  const secret = decodeSecret(env.keys.contextSecret, 'context secret');
  const gatewaySigner = new ContextSigner(secret);
  const links = deriveServiceKeys(secret, name);
  const verifier = new ContextVerifier(contextKeyFor(secret, name), name, links.inbound);

  const claims = (caller: Caller): RequestClaims => {
    const kind = caller.kind ?? 'operator';
    const tenant = caller.tenant === undefined ? null : caller.tenant;
    return {
      requestId: `${name}-test-${(requests += 1)}`,
      tenant,
      principal: { id: caller.id ?? caller.from ?? `${tenant?.slug ?? 'none'}-${kind}`, kind, roles: caller.roles ?? [], scopes: caller.scopes ?? [] },
      clientIp: caller.clientIp ?? '127.0.0.1',
      accessPolicy: caller.accessPolicy === undefined ? { mode: 'EVERYONE', cidrs: [] } : caller.accessPolicy,
    };
  };

  const execute = async (caller: Caller, query: string, variables?: Variables): Promise<GraphQLResponse<unknown>> => {
    const digest = requestDigest(query, variables);
    const requestClaims = claims(caller);
    const token =
      requestClaims.principal.kind === 'subgraph'
        ? new ServiceContextSigner(caller.from ?? 'identity', deriveServiceKeys(secret, caller.from ?? 'identity').outbound).sign(requestClaims, name, digest)
        : gatewaySigner.sign(requestClaims, name, digest);
    const verified = await verifier.verify(token, digest);
    const contextValue = server.contextFor(verified);
    const response = await server.apollo.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not used here');
    const { data, errors } = response.body.singleResult;
    return { status: 200, data: data as unknown, errors: errors as GraphQLResponse<unknown>['errors'] };
  };

  return {
    name,
    server,
    dataSource,
    env,
    claims,
    as: (caller) => client((query, variables) => execute(caller, query, variables)),
    listen: async () => (await server.listen(0)).url,
    async close() {
      await server.close();
      if (memory?.isInitialized) await memory.destroy();
      if (!options.world) await env.cleanup();
    },
  };
}
