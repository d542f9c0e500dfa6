import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { subgraphs } from '../subgraphs';
import { LocalAccessEvents } from '../platform/access-events';
import { ServiceContextSigner, type RequestClaims } from '../platform/contracts/signed-context';
import { ServiceClient } from '../subgraphs/kit/service-client';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/kit/config';
import { SubgraphContext } from '../subgraphs/kit/context';
import type { Keyring } from '../subgraphs/kit/crypto/keyring';

/**
 * The same subgraphs and gateway with the access-control layer taken out, for measuring its cost
 * only: no token check, no principal lookup, no allowlist, no signed contexts, no shield. Data
 * protection (encryption, audit) stays. The tenant is fixed and passed in plain JSON. Lives under
 * bench/ and is never part of the product.
 */
const HEADER = 'x-bench-claims';
const silent = pino({ level: 'silent' });

async function listen(app: express.Express): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

/** The four subgraphs without shield or signed contexts; they take the claims from a plain header. */
export async function startBypassedSubgraphs(dataSources: Record<SubgraphName, DataSource>, keyrings: Record<SubgraphName, Keyring>) {
  const events = new LocalAccessEvents();
  const closers: (() => Promise<unknown>)[] = [];
  const urls = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) {
    // No service links in the twin: the benchmarked operations make no service calls.
    const noServices = new ServiceClient(new ServiceContextSigner(name, new Map()), urls, silent);
    const apollo = new ApolloServer<SubgraphContext>({
      schema: await subgraphs[name].buildSchema(),
      // The subgraph's own plugins (identity's read audit) stay: they are not access control.
      plugins: [ApolloServerPluginInlineTraceDisabled(), ...(subgraphs[name].plugins ?? [])],
    });
    await apollo.start();
    const app = express();
    app.use(
      '/graphql',
      express.json({ limit: '2mb' }),
      expressMiddleware(apollo, {
        context: async ({ req }) => new SubgraphContext(JSON.parse(req.header(HEADER)!), dataSources[name], silent, events, keyrings[name], noServices),
      }),
    );
    const { server, url } = await listen(app);
    urls[name] = url;
    closers.push(() => apollo.stop(), () => new Promise((resolve) => server.close(resolve)));
  }
  return {
    subgraphUrls: urls,
    close: () => Promise.all(closers.map((close) => close())),
  };
}

/** A gateway that sends the fixed claims in plain JSON: no token, no lookup, no allowlist, no signing. */
export async function startBypassedGateway(urls: Record<SubgraphName, string>, claims: RequestClaims, supergraphPath: string) {
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(supergraphPath, 'utf8'),
    buildService: ({ name }) =>
      new (class extends RemoteGraphQLDataSource {
        override willSendRequest({ request }: GraphQLDataSourceProcessOptions) {
          request.http?.headers.set(HEADER, JSON.stringify(claims));
        }
      })({ url: urls[name as SubgraphName] }),
  });
  const apollo = new ApolloServer({ gateway });
  await apollo.start();
  const app = express();
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo));
  const { server, url } = await listen(app);
  return {
    gatewayUrl: url,
    close: () => Promise.all([apollo.stop(), new Promise((resolve) => server.close(resolve))]),
  };
}
