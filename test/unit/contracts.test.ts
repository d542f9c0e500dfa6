import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  Kind,
  parse,
  typeFromAST,
  validate,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import ts from 'typescript';
import { SERVICE_LINKS, SUBGRAPH_NAMES, type SubgraphName } from '../../platform/contracts/service-links';
import type { ServiceOperation } from '../../platform/contracts/service-operation';

// Every service-link operation is checked against the callee's SDL as checked in (schema/<callee>.graphql,
// kept current by test/schema/composition.test.ts, @inaccessible service-only fields included): a
// field renamed or retyped on one side fails here, not in production.

const root = path.resolve(__dirname, '../..');
const operationsDir = path.join(root, 'platform/contracts/operations');

interface Found {
  file: string;
  name: string;
  operation: ServiceOperation<unknown, unknown>;
}

function operations(): Found[] {
  const found: Found[] = [];
  for (const file of fs.readdirSync(operationsDir).filter((entry) => entry.endsWith('.ts')).sort()) {
    const module = require(path.join(operationsDir, file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (value && typeof value === 'object' && 'document' in value && 'callee' in value) {
        found.push({ file: file.replace(/\.ts$/, ''), name, operation: value as ServiceOperation<unknown, unknown> });
      }
    }
  }
  return found;
}

const schemas = new Map<SubgraphName, GraphQLSchema>();
function schemaOf(callee: SubgraphName): GraphQLSchema {
  if (!schemas.has(callee)) {
    schemas.set(callee, buildSubgraphSchema(parse(fs.readFileSync(path.join(root, 'schema', `${callee}.graphql`), 'utf8'))));
  }
  return schemas.get(callee)!;
}

const SCALARS: Record<string, string> = { ID: 'string', String: 'string', Int: 'number', Float: 'number', Boolean: 'boolean', DateTime: 'string' };

/** The TypeScript type of a selection, as the callee's schema answers it. */
function answerType(type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined): string {
  if (type instanceof GraphQLNonNull) return innerOutput(type.ofType, selectionSet);
  return `(${innerOutput(type, selectionSet)} | null)`;
}
function innerOutput(type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined): string {
  if (type instanceof GraphQLList) return `Array<${answerType(type.ofType, selectionSet)}>`;
  if (type instanceof GraphQLEnumType) return type.getValues().map((value) => `'${value.value}'`).join(' | ');
  if (type instanceof GraphQLScalarType) return SCALARS[type.name] ?? 'unknown';
  if (type instanceof GraphQLObjectType) return objectType(type, selectionSet!);
  throw new Error(`no TypeScript form for ${String(type)} (interfaces and unions: extend the test)`);
}
function objectType(type: GraphQLObjectType, selectionSet: SelectionSetNode): string {
  const fields = selectionSet.selections.map((selection) => {
    if (selection.kind !== Kind.FIELD) throw new Error('fragments in a contract document: extend the test');
    const definition = type.getFields()[selection.name.value];
    if (!definition) throw new Error(`${type.name}.${selection.name.value} is not in the callee's schema`);
    return `${selection.alias?.value ?? selection.name.value}: ${answerType(definition.type, selection.selectionSet)};`;
  });
  return `{ ${fields.join(' ')} }`;
}

/** The TypeScript type a variable must have for the callee to accept it. */
function inputType(type: GraphQLInputType): string {
  if (type instanceof GraphQLNonNull) return innerInput(type.ofType);
  return `(${innerInput(type)} | null)`;
}
function innerInput(type: GraphQLInputType): string {
  if (type instanceof GraphQLList) return `Array<${inputType(type.ofType)}>`;
  if (type instanceof GraphQLEnumType) return type.getValues().map((value) => `'${value.value}'`).join(' | ');
  if (type instanceof GraphQLScalarType) return SCALARS[type.name] ?? 'unknown';
  if (type instanceof GraphQLInputObjectType) {
    const fields = Object.values(type.getFields()).map((field) =>
      field.type instanceof GraphQLNonNull ? `${field.name}: ${inputType(field.type)};` : `${field.name}?: ${inputType(field.type)};`,
    );
    return `{ ${fields.join(' ')} }`;
  }
  throw new Error(`no TypeScript form for ${String(type)}`);
}

function generatedTypes(found: Found): { answer: string; variables: string } {
  const schema = schemaOf(found.operation.callee);
  const definition = parse(found.operation.document).definitions[0] as OperationDefinitionNode;
  const rootType = definition.operation === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
  const variables = (definition.variableDefinitions ?? []).map((variable) => {
    const type = typeFromAST(schema, variable.type as never) as GraphQLInputType;
    return type instanceof GraphQLNonNull ? `${variable.variable.name.value}: ${inputType(type)};` : `${variable.variable.name.value}?: ${inputType(type)};`;
  });
  return { answer: objectType(rootType, definition.selectionSet), variables: `{ ${variables.join(' ')} }` };
}

/**
 * Type-checks, with the project's compiler settings, that each declared answer type is exactly the
 * type the selection produces and that each declared variables type is one the callee accepts.
 */
function typeMismatches(found: Found[]): string[] {
  const virtual = path.join(root, 'test/unit/contract-types.generated.ts');
  const lines = [
    `type AnswerOf<T> = T extends { types?: { answer: infer A } } ? A : never;`,
    `type VariablesOf<T> = T extends { types?: { variables: infer V } } ? V : never;`,
    `type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;`,
    `type Accepted<A, B> = [A] extends [never] ? false : [A] extends [B] ? true : false;`,
  ];
  const checks: string[] = [];
  for (const file of [...new Set(found.map((entry) => entry.file))]) lines.push(`import * as ${file} from '../../platform/contracts/operations/${file}';`);
  for (const entry of found) {
    const generated = generatedTypes(entry);
    checks.push(`${entry.file}.${entry.name} answer`);
    lines.push(`export const check${checks.length}: Same<AnswerOf<typeof ${entry.file}.${entry.name}>, ${generated.answer}> = true;`);
    checks.push(`${entry.file}.${entry.name} variables`);
    lines.push(`export const check${checks.length}: Accepted<VariablesOf<typeof ${entry.file}.${entry.name}>, ${generated.variables}> = true;`);
  }
  const source = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => (path.resolve(name) === virtual ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  host.fileExists = (name) => path.resolve(name) === virtual || fileExists(name);
  host.readFile = (name) => (path.resolve(name) === virtual ? source : readFile(name));
  const program = ts.createProgram([virtual], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line : -1;
    const text = diagnostic.file ? diagnostic.file.text.split('\n')[line] ?? '' : '';
    const check = /^export const check(\d+)/.exec(text);
    const where = check ? checks[Number(check[1]) - 1] : `${diagnostic.file?.fileName ?? ''}:${line + 1}`;
    return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}${check ? `\n    generated from the callee's SDL: ${text.replace(/^.*?, /, '').replace(/> = true;$/, '')}` : ''}`;
  });
}

describe('service-link contracts', () => {
  const found = operations();

  it('finds the operations (one per cross-subgraph call)', () => {
    expect(found.length).toBeGreaterThanOrEqual(13);
    expect(new Set(found.map((entry) => entry.operation.document)).size).toBe(found.length);
  });

  it.each(found.map((entry) => [`${entry.file}.${entry.name}`, entry] as const))('%s is valid against the callee schema', (_name, entry) => {
    expect(SUBGRAPH_NAMES).toContain(entry.operation.callee);
    const document = parse(entry.operation.document);
    const errors = validate(schemaOf(entry.operation.callee), document).map((error) => error.message);
    expect(errors).toEqual([]);
    expect(document.definitions).toHaveLength(1);
  });

  it('sends every operation only over a declared service link', () => {
    const links = new Set(SERVICE_LINKS.map(([caller, callee]) => `${caller}>${callee}`));
    const missing = found.flatMap((entry) => entry.operation.callers.map((caller) => `${caller}>${entry.operation.callee}`)).filter((link) => !links.has(link));
    expect(missing).toEqual([]);
  });

  it('declares answer and variables types that match the selection', () => {
    expect(typeMismatches(found)).toEqual([]);
  });

  it('catches an answer type that does not match the selection (the check itself can fail)', () => {
    const wrong = { ...found[0], operation: { ...found[0].operation, document: found[0].operation.document.replace(/\{ (\w+)\(/, '{ renamed: $1(') } };
    expect(typeMismatches([wrong]).join('\n')).toMatch(/CONTACT_DECISION answer/);
    const wrongVariable = { ...found[0], operation: { ...found[0].operation, document: found[0].operation.document.replace('$endUserId: ID!', '$endUserId: Int!') } };
    expect(typeMismatches([wrongVariable]).join('\n')).toMatch(/CONTACT_DECISION variables/);
  });

  it('leaves no GraphQL text for another subgraph outside the contracts: callers go through SubgraphContext.callService', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts')) {
          const text = fs.readFileSync(full, 'utf8');
          const relative = path.relative(root, full);
          if (relative !== 'subgraphs/kit/context.ts' && /\bservices\.request\s*[<(]/.test(text)) offenders.push(relative);
          if (relative !== 'subgraphs/kit/server.ts' && /new ServiceClient\(/.test(text)) offenders.push(relative);
        }
      }
    };
    walk(path.join(root, 'subgraphs'));
    walk(path.join(root, 'gateway'));
    expect(offenders).toEqual([]);
  });
});
