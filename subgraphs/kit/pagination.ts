import { ArgsType, Directive, Field, Int, ObjectType } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import { badInput } from '../../platform/errors';
import { CURSOR_PREFIX, DEFAULT_PAGE_SIZE, encodeCursor, MAX_PAGE_SIZE } from '../../platform/contracts/pages';

export { DEFAULT_PAGE_SIZE, encodeCursor, MAX_PAGE_SIZE };

@Directive('@shareable')
@ObjectType({ description: 'Relay-style page information.' })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge of the previous page.' })
  after?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

export interface PageRequest {
  first: number;
  afterId?: string;
}

/** Validates `first` and decodes `after`, naming the argument at fault. */
export function pageRequest(first: number | null | undefined, after: string | null | undefined): PageRequest {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  if (after === null || after === undefined) return { first: size };
  const decoded = Buffer.from(after, 'base64url').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX) || decoded.length > 80) throw badInput('after', 'is not a valid cursor');
  return { first: size, afterId: decoded.slice(CURSOR_PREFIX.length) };
}

/** Turns `first + 1` rows fetched in id order into a page. */
export function toPage<T extends { id: string }>(rows: T[], request: PageRequest): Page<T> {
  const nodes = rows.slice(0, request.first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > request.first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** Declares `<Name>Edge` and `<Name>Connection` for a node type; call once per type. */
export function connectionType<T extends object>(node: ClassType<T>, name: string = node.name) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor: string;

    @Field(() => node)
    node: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges: EdgeType[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;
  }
  return ConnectionType;
}
