import type { SubgraphName } from './service-links';

/**
 * One GraphQL operation a subgraph sends another over a service link, written once with the types
 * of its variables and of its answer (`data`). Callers send only these (SubgraphContext.callService
 * takes nothing else); test/unit/contracts.test.ts validates each document against the callee's
 * SDL in schema/, checks the answer type against the selection, and each caller against SERVICE_LINKS.
 */
export interface ServiceOperation<Variables, Answer> {
  readonly callee: SubgraphName;
  /** The subgraphs that send it; each must hold the caller>callee link. */
  readonly callers: readonly SubgraphName[];
  readonly document: string;
  /** Never set: carries the variables and answer types to the call site. */
  readonly types?: { variables: Variables; answer: Answer };
}

export function serviceOperation<Variables, Answer>(
  callee: SubgraphName,
  callers: readonly SubgraphName[],
  document: string,
): ServiceOperation<Variables, Answer> {
  return { callee, callers, document };
}

export type VariablesOf<T> = T extends ServiceOperation<infer Variables, unknown> ? Variables : never;
export type AnswerOf<T> = T extends ServiceOperation<never, infer Answer> ? Answer : never;

// Enum values as they travel (the subgraphs' own enums hold the same values).
export type ChannelValue = 'VOICE' | 'CHAT' | 'EMAIL' | 'SMS' | 'SOCIAL';
export type RecipientRoleValue = 'SERVICE_PROVIDER' | 'THIRD_PARTY';
