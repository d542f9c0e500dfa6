/**
 * One way for tests to speak GraphQL: a document written once as `/* GraphQL *\/` text with the
 * types of its answer and variables, sent to the gateway over HTTP or to one subgraph in process.
 */

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T> {
  /** The HTTP status (200 for an in-process call). */
  status: number;
  data?: T | null;
  errors?: GraphQLErrorBody[];
}

export type Variables = Record<string, unknown>;

/** A GraphQL document carrying the shape of its answer and of its variables. */
export interface Operation<TData, TVariables extends Variables = Variables> {
  readonly query: string;
  /** Never set: holds the types only. */
  readonly __types?: { data: TData; variables: TVariables };
}

export function operation<TData, TVariables extends Variables = Variables>(query: string): Operation<TData, TVariables> {
  return { query };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Error codes of a response, in order. */
export const codes = (response: { errors?: GraphQLErrorBody[] }) => (response.errors ?? []).map((error) => error.extensions?.code);

/**
 * POSTs one document to a GraphQL endpoint: what every client here is built on. Tests speak through
 * a `Client` (`httpClient`, `SeededStack.as`), which keeps a token and headers with the endpoint.
 */
export async function postGraphQL<TData = any, TVariables extends Variables = Variables>(
  url: string,
  document: Operation<TData, TVariables> | string,
  variables?: TVariables,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const query = typeof document === 'string' ? document : document.query;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<TData>, 'status'>;
  return { status: response.status, ...body };
}

/**
 * A document given as plain text answers `any` (the older tests read answers untyped); an
 * `operation` answers its declared types.
 */
export interface Client {
  /** The answer as sent, errors included. */
  send<TData = any, TVariables extends Variables = Variables>(document: Operation<TData, TVariables> | string, variables?: TVariables): Promise<GraphQLResponse<TData>>;
  /** The data of an answer without errors; anything else fails the test with the errors it got. */
  data<TData = any, TVariables extends Variables = Variables>(document: Operation<TData, TVariables> | string, variables?: TVariables): Promise<TData>;
}

/** Asserts that an answer has data and no errors. */
export function dataOf<TData>(response: GraphQLResponse<TData>): TData {
  if (response.errors?.length || response.data == null) {
    throw new Error(`expected data, got ${response.status}: ${JSON.stringify(response.errors ?? response.data)}`);
  }
  return response.data;
}

/** A client from a function that sends one document. */
export function client(send: (query: string, variables?: Variables) => Promise<GraphQLResponse<unknown>>): Client {
  const run = <TData>(document: Operation<TData, never> | string, variables?: Variables) =>
    send(typeof document === 'string' ? document : document.query, variables) as Promise<GraphQLResponse<TData>>;
  return {
    send: (document, variables) => run(document as never, variables),
    data: async (document, variables) => dataOf(await run(document as never, variables)),
  };
}

/** A client of the gateway (or any GraphQL endpoint) with a bearer token and extra headers. */
export function httpClient(url: string, token?: string, headers: Record<string, string> = {}): Client {
  return client((query, variables) => postGraphQL(url, query, variables, { ...(token ? bearer(token) : {}), ...headers }));
}
