import { Kind, visit, type ASTNode, type DocumentNode, type GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

/** Where a value sits in the operation, in the style of `badInput`: `startedAt`, `transcript[0].occurredAt`, `first`. */
function pathTo(document: DocumentNode, target: (node: ASTNode) => boolean): string | undefined {
  const segments: (string | number)[] = [];
  let found: string | undefined;
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      if (found !== undefined || !target(node)) return;
      // `ancestors` stops short of the parent.
      const chain = [...(ancestors as ASTNode[]), parent as ASTNode, node].filter((n): n is ASTNode => !Array.isArray(n) && typeof (n as ASTNode).kind === 'string');
      if (chain.some((ancestor) => ancestor.kind === Kind.VARIABLE_DEFINITION)) return; // a declaration, not a use
      segments.length = 0;
      let argument: string | undefined;
      chain.forEach((ancestor, index) => {
        if (ancestor.kind === Kind.ARGUMENT) argument = ancestor.name.value;
        if (ancestor.kind === Kind.OBJECT_FIELD) segments.push(ancestor.name.value);
        if (ancestor.kind === Kind.LIST) {
          const child = chain[index + 1];
          const position = ancestor.values.findIndex((value) => value === child);
          if (position >= 0) segments.push(position);
        }
      });
      found = segments.length === 0 ? (argument ?? '') : join(segments);
      return false;
    },
  });
  return found;
}

const join = (segments: (string | number)[]) =>
  segments.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment), '');

/** `Variable "$input" got invalid value … at "input.transcript[0].occurredAt"; …` → `transcript[0].occurredAt` inside `$input`. */
const VARIABLE = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" got invalid value .*? at "([^"]+)";/s;

function fieldOf(error: GraphQLError, document: DocumentNode): string | undefined {
  const variable = VARIABLE.exec(error.message) ?? /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" got invalid value/.exec(error.message);
  if (variable) {
    const [, name, inner] = variable;
    const usage = pathTo(document, (node) => node.kind === Kind.VARIABLE && node.name.value === name) ?? '';
    const within = inner ? inner.slice(name.length).replace(/^\./, '') : '';
    // `$input` passed whole as `input:` names its own fields; a variable inside an input adds to where it is used.
    if (!within) return usage || name;
    if (!usage || usage === 'input') return within;
    return within.startsWith('[') ? `${usage}${within}` : `${usage}.${within}`;
  }
  const node = error.nodes?.[0];
  if (!node?.loc || !/^Expected value of type/.test(error.message)) return undefined;
  const start = node.loc.start;
  return pathTo(document, (candidate) => candidate.loc?.start === start && candidate.kind === node.kind) || undefined;
}

/**
 * Names the input field of a value GraphQL refused (a date its scalar rejected, say), so a
 * client can show the message next to it, as every BAD_USER_INPUT from a service does.
 */
export function inputFieldNames(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, document }) {
          if (!document) return;
          for (const error of errors) {
            const code = error.extensions?.code;
            if (code !== 'BAD_USER_INPUT' && code !== 'GRAPHQL_VALIDATION_FAILED') continue;
            if (error.extensions.field) continue;
            const field = fieldOf(error, document);
            if (field) (error.extensions as Record<string, unknown>).field = field;
          }
        },
      };
    },
  };
}
