import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { loadGatewayConfig, type GatewayConfig } from '../../gateway/config';
import { signDevToken } from '../../gateway/auth/dev-issuer';
import { loadDevKeys, type DevKeys } from '../../platform/dev-keys';
import { ContextSigner, decodeSecret, requestDigest, type RequestClaims } from '../../platform/contracts/signed-context';
import { loadSubgraphConfig, SUBGRAPH_NAMES, type SubgraphConfig } from '../../subgraphs/kit/config';
import { mysqlTarget } from '../../subgraphs/kit/data-source';
import { bearer, codes, httpClient, postGraphQL, type GraphQLResponse as TypedResponse } from './graphql';

export interface TestEnvironment {
  subgraphConfig: SubgraphConfig;
  gatewayConfig: GatewayConfig;
  keys: DevKeys;
  /** The MySQL URL with this test file's own database prefix, when the suite runs on MySQL. */
  databaseUrl?: string;
  token(claims: { tenant?: string; roles?: string[]; sub?: string; platform?: boolean; ttlSeconds?: number }): Promise<string>;
  signer(): Promise<ContextSigner>;
  cleanup(): Promise<void>;
}

/**
 * A private world for one test file: temporary SQLite files and keys, or (with DATABASE_URL set)
 * MySQL databases under a unique prefix, dropped afterwards.
 */
export async function testEnvironment(
  overrides: Record<string, string> = {},
  /** The MySQL/MariaDB server the databases go on (a proxy in front of it, say); DATABASE_URL by default. */
  databaseServer = process.env.DATABASE_URL,
): Promise<TestEnvironment> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-test-'));
  let databaseUrl: string | undefined;
  if (databaseServer) {
    const url = new URL(databaseServer);
    url.pathname = `/t${randomBytes(5).toString('hex')}`;
    databaseUrl = url.toString();
  }
  const env = {
    NODE_ENV: 'test',
    DATA_DIR: path.join(root, 'data'),
    KEYS_DIR: path.join(root, 'keys'),
    SEED: 'false',
    // Test files share a loaded machine: a generous deadline, so contention reads as slowness and
    // not as an outage. The fault tests set their own.
    REQUEST_TIMEOUT_MS: '30000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...overrides,
  };
  const subgraphConfig = loadSubgraphConfig(env);
  const gatewayConfig = loadGatewayConfig(env);
  const keys = await loadDevKeys(subgraphConfig.keysDir);
  return {
    subgraphConfig,
    gatewayConfig,
    keys,
    databaseUrl,
    token: ({ tenant, roles, sub, platform, ttlSeconds }) =>
      signDevToken(keys.accessToken.privateJwk, {
        issuer: gatewayConfig.tokenIssuer,
        audience: gatewayConfig.tokenAudience,
        subject: sub ?? (platform ? 'platform-test' : `${tenant}-${(roles ?? []).join('-')}`),
        tenant,
        roles,
        platform,
        ttlSeconds,
      }),
    signer: async () => new ContextSigner(decodeSecret(keys.contextSecret, 'context secret')),
    async cleanup() {
      fs.rmSync(root, { recursive: true, force: true });
      if (databaseUrl) {
        const { host, port, username, password } = mysqlTarget(databaseUrl, 'identity');
        const connection = await createConnection({ host, port, user: username, password });
        for (const name of SUBGRAPH_NAMES) {
          await connection.query(`DROP DATABASE IF EXISTS \`${mysqlTarget(databaseUrl, name).database}\``);
          await connection.query(`DROP DATABASE IF EXISTS \`${mysqlTarget(databaseUrl, name).database}_keys\``);
        }
        await connection.end();
      }
    },
  };
}

/** The untyped answer of the older helpers below; new tests type their documents (see ./graphql). */
export type GraphQLResponse<T = any> = TypedResponse<T>;

// Also what the benchmarks send with; tests speak through a Client (./graphql).
export { bearer, postGraphQL };

/** Calls a subgraph directly, as the gateway would, with a context signed for that body. */
export async function callSubgraph<T = any>(
  signer: ContextSigner,
  subgraph: string,
  url: string,
  claims: RequestClaims,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const token = await signer.sign(claims, subgraph, requestDigest(query, variables));
  return httpClient(url, undefined, { 'x-cx-context': token }).send<T>(query, variables);
}

export function memberClaims(tenant: { id: string; slug: string }, roles: string[], extra: Partial<RequestClaims> = {}): RequestClaims {
  return {
    requestId: randomBytes(8).toString('hex'),
    tenant,
    principal: { id: `${tenant.slug}-tester`, kind: 'operator', roles, scopes: [] },
    clientIp: '127.0.0.1',
    accessPolicy: { mode: 'EVERYONE', cidrs: [] },
    ...extra,
  };
}

export { codes };
