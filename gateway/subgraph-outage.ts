import { GraphQLError, Kind, parse, type DocumentNode, type GraphQLFormattedError, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { isDependencyFailure } from '../platform/dependency-errors';
import { SubgraphTimeout } from './subgraph-fetcher';

/** Whether a failed subgraph fetch is an outage (down, hung, overloaded, garbled), not a refusal or a bug. */
export function isSubgraphOutage(error: unknown): boolean {
  if (error instanceof SubgraphTimeout || isDependencyFailure(error)) return true;
  if ((error as { name?: string })?.name === 'AbortError' || error instanceof SyntaxError) return true;
  if (error instanceof GraphQLError) {
    const status = (error.extensions?.response as { status?: number } | undefined)?.status;
    return typeof status === 'number' && status >= 500;
  }
  // RemoteGraphQLDataSource's own complaint about a body that is not a GraphQL response.
  return error instanceof Error && /^Expected JSON response body/.test(error.message);
}

/** A connection the subgraph closed while idle, before our request reached it: safe to send a read again. */
export function isConnectionReset(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET';
}

export function operationOf(document: DocumentNode | undefined, query: string | undefined): OperationDefinitionNode | undefined {
  let doc = document;
  if (!doc && query) {
    try {
      doc = parse(query);
    } catch {
      return undefined;
    }
  }
  return doc?.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
}

const keysOf = (selections: SelectionSetNode | undefined, typename?: string): string[] => {
  const keys: string[] = [];
  for (const selection of selections?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') keys.push(selection.alias?.value ?? selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition?.name.value;
      if (!condition || !typename || condition === typename) keys.push(...keysOf(selection.selectionSet, typename));
    }
  }
  return [...new Set(keys)];
};

/**
 * The errors a fetch that failed stands for: one UNAVAILABLE per field it would have answered, at
 * that field's path. Root fields are named directly; an entity fetch names `_entities[i].<field>`,
 * which the gateway turns into the entity's place in the response.
 */
export function unavailableErrors(
  operation: OperationDefinitionNode | undefined,
  variables: Record<string, unknown> | undefined,
  service: string,
): GraphQLFormattedError[] {
  const message = `The ${service} service did not answer in time or could not be reached`;
  const extensions = { code: 'UNAVAILABLE' };
  const root = operation?.selectionSet;
  const entities = root?.selections.find((selection) => selection.kind === Kind.FIELD && selection.name.value === '_entities');
  const representations = variables?.representations;
  if (entities && entities.kind === Kind.FIELD && Array.isArray(representations)) {
    return representations.flatMap((representation, index) =>
      keysOf(entities.selectionSet, (representation as { __typename?: string })?.__typename).map((key) => ({
        message,
        path: ['_entities', index, key],
        extensions,
      })),
    );
  }
  const keys = keysOf(root);
  return keys.length ? keys.map((key) => ({ message, path: [key], extensions })) : [{ message, extensions }];
}
