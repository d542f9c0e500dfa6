import {
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { getArgumentValues, getDirectiveValues, getVariableValues } from 'graphql/execution/values';
import { DEFAULT_PAGE_SIZE } from '../platform/contracts/pages';

/**
 * The size a page argument asks for. Only a positive integer can lower the price below the default:
 * a negative, zero, fractional, string or missing `first`/`last` is refused by the subgraph, and must
 * never make a query look cheaper than the default page would.
 */
export function pageSize(args: Record<string, unknown>): number {
  const requested = [args.first, args.last].filter((value): value is number => Number.isInteger(value) && (value as number) >= 1);
  return requested.length > 0 ? Math.max(...requested) : DEFAULT_PAGE_SIZE;
}

const isConnection = (type: GraphQLNamedType) => /Connection$/.test(type.name);

function fieldDefinition(parent: GraphQLNamedType, node: FieldNode, schema: GraphQLSchema): GraphQLField<unknown, unknown> | undefined {
  const name = node.name.value;
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType() && name === '__schema') return SchemaMetaFieldDef;
  if (parent === schema.getQueryType() && name === '__type') return TypeMetaFieldDef;
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

class CostWalker {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  /** Skipped only when @skip/@include say so for certain; anything undecided is priced. */
  private skipped(node: { directives?: readonly import('graphql').DirectiveNode[] }): boolean {
    const skip = getDirectiveValues(GraphQLSkipDirective, node as FieldNode, this.variables);
    const include = getDirectiveValues(GraphQLIncludeDirective, node as FieldNode, this.variables);
    return skip?.if === true || include?.if === false;
  }

  /**
   * Every selected field costs 1 (`__typename` and introspection included) plus its selection; a
   * connection costs its page size times its selection. Abstract types sum their fragments rather
   * than taking the dearest, which can only over-price.
   */
  selectionCost(selectionSet: SelectionSetNode, parent: GraphQLNamedType, spreading: Set<string>): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (this.skipped(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const field = fieldDefinition(parent, selection, this.schema);
        if (!field) {
          cost += 1; // unknown fields are refused by validation; price them anyway
          continue;
        }
        const type = getNamedType(field.type);
        const child = selection.selectionSet && isCompositeType(type) ? this.selectionCost(selection.selectionSet, type, spreading) : 0;
        const size = isConnection(type) ? pageSize(getArgumentValues(field, selection, this.variables)) : 1;
        cost += 1 + size * child;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent;
        cost += this.selectionCost(selection.selectionSet, type ?? parent, spreading);
      } else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        if (!fragment || spreading.has(name)) continue; // cycles are refused by validation
        const type = this.schema.getType(fragment.typeCondition.name.value) ?? parent;
        cost += this.selectionCost(fragment.selectionSet, type, new Set(spreading).add(name));
      }
    }
    return cost;
  }
}

/** Thrown when the variables do not fit their declarations: the client's mistake, answered 400. */
function badVariables(errors: readonly GraphQLError[]): GraphQLError {
  return new GraphQLError(errors[0]?.message ?? 'Invalid variables', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

/**
 * The page-aware cost of the operation that will run, with its variables. Variables are coerced
 * as GraphQL will coerce them, so no value the subgraph would refuse can price below the default.
 */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: readonly FragmentDefinitionNode[],
  variables: Record<string, unknown> = {},
): number {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 1 });
  if (coerced.errors) throw badVariables(coerced.errors);
  const root =
    operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return 1;
  const walker = new CostWalker(schema, new Map(fragments.map((f) => [f.name.value, f])), coerced.coerced);
  return walker.selectionCost(operation.selectionSet, root, new Set());
}

/** The standard introspection query (graphql-js, Apollo Sandbox) reaches depth 15 through its `ofType` chain. */
export const INTROSPECTION_MAX_DEPTH = 15;
/** It nests at most three lists (`types { fields { args } }`); `fields { type { fields … } }` multiplies the schema by itself. */
export const INTROSPECTION_MAX_NESTED_LISTS = 3;

/**
 * Bounds `__schema` and `__type` selections, which graphql-armor's depth limit skips: their own
 * depth (enough for the standard query) and how many lists they nest (its breadth).
 */
export function introspectionLimitRule(context: ValidationContext): ASTVisitor {
  const fragments = new Map(context.getDocument().definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const measure = (selectionSet: SelectionSetNode, type: GraphQLNamedType, depth: number, lists: number, spreading: Set<string>): { depth: number; lists: number } => {
    let worst = { depth, lists };
    for (const selection of selectionSet.selections) {
      let found: { depth: number; lists: number } | undefined;
      if (selection.kind === Kind.FIELD) {
        const field = fieldDefinition(type, selection, context.getSchema());
        const named = field && getNamedType(field.type);
        const nested = lists + (field && isListType(getNullableType(field.type)) ? 1 : 0);
        found = selection.selectionSet && named ? measure(selection.selectionSet, named, depth + 1, nested, spreading) : { depth: depth + 1, lists: nested };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const named = selection.typeCondition ? context.getSchema().getType(selection.typeCondition.name.value) : type;
        found = measure(selection.selectionSet, named ?? type, depth, lists, spreading);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || spreading.has(fragment.name.value)) continue;
        const named = context.getSchema().getType(fragment.typeCondition.name.value) ?? type;
        found = measure(fragment.selectionSet, named, depth, lists, new Set(spreading).add(fragment.name.value));
      }
      worst = { depth: Math.max(worst.depth, found.depth), lists: Math.max(worst.lists, found.lists) };
    }
    return worst;
  };
  return {
    Field(node) {
      if (node.name.value !== '__schema' && node.name.value !== '__type') return;
      if (context.getParentType() !== context.getSchema().getQueryType() || !node.selectionSet) return;
      const type = getNamedType((node.name.value === '__schema' ? SchemaMetaFieldDef : TypeMetaFieldDef).type);
      const { depth, lists } = measure(node.selectionSet, type, 1, 0, new Set());
      if (depth > INTROSPECTION_MAX_DEPTH || lists > INTROSPECTION_MAX_NESTED_LISTS) {
        context.reportError(
          new GraphQLError(`Introspection too deep or broad: depth ${depth} of ${INTROSPECTION_MAX_DEPTH}, ${lists} nested lists of ${INTROSPECTION_MAX_NESTED_LISTS}`, { nodes: [node] }),
        );
      }
    },
  };
}
