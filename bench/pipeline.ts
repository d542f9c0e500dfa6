import 'reflect-metadata';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Supergraph } from '@apollo/federation-internals';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { Kind, parse, specifiedRules, validate, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { loadGatewayConfig } from '../gateway/config';
import { assertTokenLimit, budgetKey, priceOperation, queryLimits, RateLimits } from '../gateway/limits';
import { operationCost } from '../gateway/query-cost';
import { widgetOperations } from '../gateway/widget';
import { ContextSigner, ContextVerifier, contextKeyFor, requestDigest, type RequestClaims } from '../platform/contracts/signed-context';
import { closeRedisClient, createRedisClient, firstConnection } from '../platform/redis';
import { loadBenchConfig } from './config';
import { FEDERATED } from './run';

/**
 * `node dist/bench/pipeline.js`: the per-request cost of each step of the gateway's pipeline in
 * isolation (µs per call, median of several batches), on the bench's federated query and list of
 * 50. Steps Apollo runs once per document (parse, validation with armor's rules) are shown for
 * comparison: a request whose document was seen before does not pay them. Then what each subgraph
 * fetch costs the subgraph (the context check), and with `REDIS_URL` the client's own CPU for one
 * Redis command (the gateway's version read, the budgets, the replay guard each are one) when it
 * travels alone and when ten share a write.
 */

const LIST = `query List($first: Int!) {
  endUsers(first: $first) { edges { node { id firstName lastName ssn interactions(first: 5) { edges { node { id channel startedAt disposition transcript(first: 5) { edges { node { sequence text } } } } } } } } }
}`;
/** What the gateway sends identity for the federated query's entity fetch of interactions (its size, roughly). */
const ENTITY_FETCH = `query Federated__interactions__1($representations:[_Any!]!){_entities(representations:$representations){...on EndUser{interactions(first:5){edges{node{id channel startedAt transcript(first:5){edges{node{sequence text}}}}}}}}}`;

/** A table row: the median of seven samples and their range. */
function row(label: string, samples: number[]): string {
  samples.sort((a, c) => a - c);
  return `| ${label} | ${samples[3].toFixed(2)} | ${samples[0].toFixed(2)}-${samples[6].toFixed(2)} |`;
}

async function time(label: string, work: () => unknown | Promise<unknown>, batch = 2_000): Promise<string> {
  for (let i = 0; i < batch; i++) await work();
  const samples: number[] = [];
  for (let b = 0; b < 7; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await work();
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  return row(label, samples);
}

/** CPU µs (user + system) this process spends per call, `inFlight` calls at a time; median of 7 batches. */
async function cpuPerCommand(label: string, work: () => Promise<unknown>, inFlight: number, calls = 4_000): Promise<string> {
  const run = async () => {
    let left = calls;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (left-- > 0) await work();
    }));
  };
  await run();
  const samples: number[] = [];
  for (let b = 0; b < 7; b++) {
    const start = process.cpuUsage();
    await run();
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / calls);
  }
  return row(label, samples);
}

async function main(): Promise<void> {
  const config = loadGatewayConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent' });
  const schema = Supergraph.build(fs.readFileSync(config.supergraphPath, 'utf8')).apiSchema().toGraphQLJSSchema();
  const armor = queryLimits(config);
  const limits = new RateLimits({ ...config, limits: { ...config.limits, requestsPerWindow: 1e12, costPerWindow: 1e15 } });
  const signer = new ContextSigner(randomBytes(32));
  const claims: RequestClaims = {
    requestId: 'bench', tenant: { id: 't1', slug: 'acme' }, principal: { id: 'op', kind: 'operator', roles: ['admin'], scopes: [] },
    clientIp: '127.0.0.1', accessPolicy: { mode: 'EVERYONE', cidrs: [] },
  };
  const widget = await widgetOperations().requestDidStart!({} as never);
  const docs = [['federated', FEDERATED, { id: '01J0000000000000000000000A' }], ['list of 50', LIST, { first: 50 }]] as const;
  const rows: string[] = [];
  for (const [name, query, variables] of docs) {
    const document = parse(query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
    rows.push(await time(`${name}: token limit, lexed every time`, () => new MaxTokensParserWLexer(query, { n: config.limits.maxTokens }).parseDocument()));
    // A fresh string each time, as each request body is parsed into one.
    rows.push(await time(`${name}: token limit as the gateway checks it`, () => assertTokenLimit(query.slice(0, -1) + '}', config.limits.maxTokens)));
    rows.push(await time(`${name}: cost, walked every time`, () => operationCost(schema, operation, fragments, variables)));
    rows.push(await time(`${name}: cost as the gateway prices it`, () => priceOperation(schema, document, operation, { ...variables })));
    rows.push(await time(`${name}: widget check`, () => widget!.didResolveOperation!({ operation, contextValue: { claims } } as never)));
    rows.push(await time(`${name}: (once per document) parse`, () => parse(query), 200));
    rows.push(await time(`${name}: (once per document) validation with armor's rules`, () => validate(schema, document, [...specifiedRules, ...armor.validationRules]), 200));
  }
  rows.push(await time('rate limits: request + cost budgets (in memory)', async () => {
    await limits.takeRequest(budgetKey({ claims }));
    await limits.takeCost(budgetKey({ claims }), 1_000);
  }));
  const representations = { representations: Array.from({ length: 1 }, () => ({ __typename: 'EndUser', id: '01J0000000000000000000000A' })) };
  rows.push(await time('signing one subgraph fetch (digest + context)', () => signer.sign(claims, 'interactions', requestDigest(ENTITY_FETCH, representations))));
  rows.push(await time('  of which the digest', () => requestDigest(ENTITY_FETCH, representations)));
  // Each context is accepted once: the subgraph checks a fresh one every call, as it does per fetch.
  const master = randomBytes(32);
  const gatewaySigner = new ContextSigner(master);
  const verifier = new ContextVerifier(contextKeyFor(master, 'interactions'), 'interactions');
  const digest = requestDigest(ENTITY_FETCH, representations);
  const tokens = Array.from({ length: 2_000 * 8 }, () => gatewaySigner.sign(claims, 'interactions', digest));
  let next = 0;
  rows.push(await time('checking one context in the subgraph (digest + signature + claims, replay cache in memory)', () => verifier.verify(tokens[next++], requestDigest(ENTITY_FETCH, representations))));
  const { redisUrl } = loadBenchConfig();
  if (redisUrl) {
    const redis = createRedisClient(redisUrl, { name: 'bench-pipeline', enableAutoPipelining: true });
    await firstConnection(redis);
    for (const inFlight of [1, 10]) rows.push(await cpuPerCommand(`one Redis command (PING), ${inFlight} in flight: the client's CPU`, () => redis.ping(), inFlight));
    await closeRedisClient(redis);
  }
  process.stdout.write(['| step | µs per call (median) | range |', '| --- | ---: | ---: |', ...rows].join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
