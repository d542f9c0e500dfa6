import {
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';

/** Aliases the gateway adds to what a subscriber asked for; a subscription may not use them itself. */
export const SEQUENCE_ALIAS = '_cxLiveSequence';
export const QUEUE_ALIAS = '_cxLiveQueue';
export const RESERVED_ALIAS = /^_cxLive/;

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
const variable = (value: string) => ({ kind: Kind.VARIABLE, name: name(value) }) as const;
const field = (fieldName: string, selections?: readonly SelectionNode[], args: Record<string, string> = {}, alias?: string): FieldNode => ({
  kind: Kind.FIELD,
  ...(alias ? { alias: name(alias) } : {}),
  name: name(fieldName),
  arguments: Object.entries(args).map(([argument, from]) => ({ kind: Kind.ARGUMENT, name: name(argument), value: variable(from) })),
  ...(selections ? { selectionSet: { kind: Kind.SELECTION_SET, selections } } : {}),
});
const definition = (variableName: string, type: string, nonNull = false): VariableDefinitionNode => {
  const named = { kind: Kind.NAMED_TYPE, name: name(type) } as const;
  return { kind: Kind.VARIABLE_DEFINITION, variable: variable(variableName), type: nonNull ? { kind: Kind.NON_NULL_TYPE, type: named } : named };
};

/** Selections of `fieldName` fields inside a selection set, through inline fragments and fragment spreads. */
export function selectionsOf(set: SelectionSetNode | undefined, fieldName: string, fragments: Record<string, FragmentDefinitionNode>): SelectionNode[] {
  const found: SelectionNode[] = [];
  const walk = (selections: readonly SelectionNode[], seen: Set<string>) => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD && selection.name.value === fieldName) found.push(...(selection.selectionSet?.selections ?? []));
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet.selections, seen);
      else if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value) && fragments[selection.name.value]) {
        walk(fragments[selection.name.value].selectionSet.selections, new Set([...seen, selection.name.value]));
      }
    }
  };
  walk(set?.selections ?? [], new Set());
  return found;
}

/**
 * A query, by the subscriber, of the fields the subscription selected: the same fields, aliases,
 * fragments and variables, so the supergraph's rules decide what the subscriber sees.
 */
export class RemoteQuery {
  /** The printed document: what it asks, for telling identical queries apart. */
  readonly text: string;

  constructor(
    readonly document: DocumentNode,
    /** The subscriber's variables the selection uses. */
    readonly variables: Record<string, unknown>,
  ) {
    this.text = print(document);
  }

  static build(
    info: Pick<GraphQLResolveInfo, 'fragments' | 'operation' | 'variableValues'>,
    root: FieldNode,
    own: VariableDefinitionNode[],
  ): RemoteQuery {
    const operation: OperationDefinitionNode = {
      kind: Kind.OPERATION_DEFINITION,
      operation: 'query' as OperationDefinitionNode['operation'],
      name: name('LiveEvent'),
      variableDefinitions: own,
      selectionSet: { kind: Kind.SELECTION_SET, selections: [root] },
    };
    // Only the fragments and variables reached from the selection: unused ones fail validation.
    const fragments = new Map<string, FragmentDefinitionNode>();
    const used = new Set<string>();
    const collect = (node: OperationDefinitionNode | FragmentDefinitionNode) =>
      visit(node, {
        FragmentSpread(spread) {
          const fragment = info.fragments[spread.name.value];
          if (fragment && !fragments.has(spread.name.value)) {
            fragments.set(spread.name.value, fragment);
            collect(fragment);
          }
        },
        Variable(node) {
          used.add(node.name.value);
        },
      });
    collect(operation);
    const theirs = (info.operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value));
    const document: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [{ ...operation, variableDefinitions: [...own, ...theirs] }, ...fragments.values()],
    };
    const variables = Object.fromEntries(theirs.map((d) => [d.variable.name.value, info.variableValues[d.variable.name.value]]));
    return new RemoteQuery(document, variables);
  }

  /** `interaction(id) { transcript(first, after) { edges { node { sequence, …selection } } } }` */
  static segments(info: GraphQLResolveInfo): RemoteQuery {
    const selection = info.fieldNodes.flatMap((node) => node.selectionSet?.selections ?? []);
    const node = field('node', [field('sequence', undefined, {}, SEQUENCE_ALIAS), ...selection]);
    const transcript = field('transcript', [field('edges', [node])], { first: '_cxFirst', after: '_cxAfter' });
    return RemoteQuery.build(info, field('interaction', [transcript], { id: '_cxId' }), [
      definition('_cxId', 'ID', true),
      definition('_cxFirst', 'Int'),
      definition('_cxAfter', 'String'),
    ]);
  }

  /** `interaction(id) { queue, …what the subscription selected under InteractionActivity.interaction }` */
  static activity(info: GraphQLResolveInfo): RemoteQuery {
    const selection = info.fieldNodes.flatMap((node) => selectionsOf(node.selectionSet, 'interaction', info.fragments));
    return RemoteQuery.build(info, field('interaction', [field('queue', undefined, {}, QUEUE_ALIAS), ...selection], { id: '_cxId' }), [
      definition('_cxId', 'ID', true),
    ]);
  }
}
