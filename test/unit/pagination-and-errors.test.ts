import { GraphQLError } from 'graphql';
import pino from 'pino';
import { encodeCursor, pageRequest, toPage } from '../../subgraphs/kit/pagination';
import { badInput, createErrorFormatter, notFound } from '../../platform/errors';

describe('pagination', () => {
  it('defaults, bounds and decodes cursors, naming the argument at fault', () => {
    expect(pageRequest(undefined, undefined)).toEqual({ first: 20 });
    expect(pageRequest(5, encodeCursor('abc'))).toEqual({ first: 5, afterId: 'abc' });
    expect(() => pageRequest(0, null)).toThrow(/first/);
    expect(() => pageRequest(101, null)).toThrow(/first/);
    expect(() => pageRequest(10, 'bm9wZQ')).toThrow(/after/);
  });

  it('reports a next page only when an extra row came back', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(toPage(rows, { first: 2 }).pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor('b') });
    expect(toPage(rows, { first: 3 }).pageInfo).toEqual({ hasNextPage: false, endCursor: encodeCursor('c') });
    expect(toPage([], { first: 3 }).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });
});

describe('error formatter', () => {
  const format = createErrorFormatter(pino({ level: 'silent' }));
  const wrap = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ['x'] });

  it('passes domain errors with their code and field', () => {
    const error = badInput('email', 'must be a valid email address');
    expect(format({ message: error.message, extensions: error.extensions }, wrap(error))).toEqual({
      message: 'email: must be a valid email address',
      extensions: { code: 'BAD_USER_INPUT', field: 'email' },
    });
    expect(format({ message: 'End-user not found', extensions: notFound('End-user').extensions }, wrap(notFound('End-user'))).extensions?.code).toBe('NOT_FOUND');
  });

  it('masks anything else: no SQL, no stack', () => {
    const sqlError = new Error("ER_DUP_ENTRY: Duplicate entry 'x' for key 'users.email' at INSERT INTO end_users");
    const formatted = format(
      { message: sqlError.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at db.js:1'] } },
      wrap(sqlError),
    );
    expect(formatted).toEqual({ message: 'Internal server error', path: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(formatted)).not.toMatch(/INSERT|Duplicate|db\.js/);
  });

  it('keeps codes relayed from a subgraph and GraphQL’s own validation codes', () => {
    const relayed = new GraphQLError('Requires one of the roles: admin', { extensions: { code: 'FORBIDDEN' } });
    expect(format({ message: relayed.message, extensions: relayed.extensions }, relayed).extensions?.code).toBe('FORBIDDEN');
    const spoofed = new GraphQLError('whatever', { extensions: { code: 'SOMETHING_ELSE' } });
    expect(format({ message: spoofed.message, extensions: spoofed.extensions }, spoofed).message).toBe('Internal server error');
  });
});
