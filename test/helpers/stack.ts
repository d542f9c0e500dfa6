import type { Logger } from 'pino';
import { startStack, type Stack } from '../../scripts/stack';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { Tenant } from '../../subgraphs/identity/entities/tenant.entity';
import { testEnvironment, type TestEnvironment } from './environment';
import { bearer, client, postGraphQL, type Client, type GraphQLResponse } from './graphql';

export interface SeededStack {
  env: TestEnvironment;
  stack: Stack;
  acme: { id: string; slug: string; endUserIds: string[] };
  globex: { id: string; slug: string; endUserIds: string[] };
  /** A client of the gateway with this bearer token (none: anonymous) and extra headers. */
  as(token?: string, headers?: Record<string, string>): Client;
  /** Every answer `as` clients received, in order: for tests that search all answers for a leak. */
  answers: GraphQLResponse<unknown>[];
  close(): Promise<void>;
}

export interface SeededStackOptions {
  endUsersPerTenant?: number;
  /** Environment overrides, e.g. REDIS_URL or ACCESS_CACHE_TTL_MS. */
  env?: Record<string, string>;
  logger?: (name: string) => Logger | undefined;
  /** Production behaviour (no introspection, masked errors…) while keeping the generated keys and SQLite. */
  production?: boolean;
  /** The MySQL/MariaDB server to use instead of DATABASE_URL's (see testEnvironment). */
  databaseServer?: string;
}

/** All five servers on free ports over a private database, seeded with acme and globex. */
export async function seededStack(options: SeededStackOptions = {}): Promise<SeededStack> {
  const env = await testEnvironment(options.env, options.databaseServer);
  const production = options.production ? { production: true } : {};
  const stack = await startStack({
    subgraphConfig: { ...env.subgraphConfig, ...production },
    gatewayConfig: { ...env.gatewayConfig, ...production },
    freePorts: true,
    seed: true,
    seedEndUsers: options.endUsersPerTenant ?? 5,
    logger: options.logger,
  });
  const identity = stack.subgraphs.identity.dataSource;
  const tenant = async (slug: string) => {
    const { id } = await identity.getRepository(Tenant).findOneByOrFail({ slug });
    const endUsers = await identity.getRepository(EndUser).find({ where: { tenantId: id }, order: { id: 'ASC' } });
    return { id, slug, endUserIds: endUsers.map((e) => e.id) };
  };
  const answers: GraphQLResponse<unknown>[] = [];
  return {
    env,
    stack,
    acme: await tenant('acme'),
    globex: await tenant('globex'),
    as: (token, headers = {}) =>
      client(async (query, variables) => {
        const answer = await postGraphQL(stack.gatewayUrl, query, variables, { ...(token ? bearer(token) : {}), ...headers });
        answers.push(answer);
        return answer;
      }),
    answers,
    async close() {
      await stack.close();
      await env.cleanup();
    },
  };
}
