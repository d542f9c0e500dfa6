import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { parse, validate, type GraphQLSchema } from 'graphql';

let api: GraphQLSchema | undefined;

/** The public schema the gateway serves: the checked-in supergraph without its @inaccessible parts. */
export function apiSchema(): GraphQLSchema {
  api ??= Supergraph.build(fs.readFileSync(path.resolve(__dirname, '../../schema/supergraph.graphql'), 'utf8')).apiSchema().toGraphQLJSSchema();
  return api;
}

/** What the gateway's validation says of a document: the messages of its refusals (none: it would run). */
export const publicValidation = (query: string): string[] => validate(apiSchema(), parse(query)).map((error) => error.message);
