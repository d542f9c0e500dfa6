/** The subgraphs the gateway composes; each is also a service the others may call. */
export const SUBGRAPH_NAMES = ['identity', 'interactions', 'consent', 'crm'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const DEFAULT_PORTS: Record<SubgraphName, number> = { identity: 4001, interactions: 4002, consent: 4003, crm: 4004 };

/** Where each subgraph serves GraphQL, to the gateway and over service links alike. */
export const GRAPHQL_PATH = '/graphql';

/** Where a subgraph listening on `host:port` is reached when no `<NAME>_URL` says otherwise. */
export function defaultSubgraphUrl(host: string, listenPort: number): string {
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${listenPort}${GRAPHQL_PATH}`;
}

/**
 * Which subgraph may call which (caller, callee). A callee accepts a service context only over one
 * of these links, and its shield decides what each caller may do.
 */
export const SERVICE_LINKS: readonly (readonly [SubgraphName, SubgraphName])[] = [
  ['interactions', 'consent'],
  ['interactions', 'identity'],
  ['consent', 'identity'],
  ['crm', 'consent'],
  ['crm', 'identity'],
  ['identity', 'interactions'],
  ['identity', 'consent'],
  ['identity', 'crm'],
];
