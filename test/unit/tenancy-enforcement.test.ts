import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import type { DataSource, EntityMetadata } from 'typeorm';
import { subgraphs } from '../../subgraphs';
import { SUBGRAPH_NAMES } from '../../subgraphs/kit/config';
import { buildKeyStore, openKeyStore } from '../../subgraphs/kit/crypto/key-store';
import { buildDataSource, openDataSource } from '../../subgraphs/kit/data-source';
import { TenantOwnedEntity } from '../../subgraphs/kit/tenant-entity';
import { testEnvironment } from '../helpers/environment';

/**
 * Tenancy is structural: tenant-owned tables are reached through TenantScope / TenantRepository,
 * platform tables through PlatformTables, and a sweep across tenants through AcrossTenants, whose
 * callers are named below. The source of the gateway, platform/, the subgraphs and the scripts is read with
 * the type checker (so an alias or a renamed import is no way round), and the entities are read
 * from the data sources' TypeORM metadata and from the schema those data sources create.
 */

const ROOT = path.resolve(__dirname, '../..');

/** Files that are the doors themselves or the plumbing under them; any raw access in them is allowed. */
const RAW_ACCESS_FILES: Record<string, string> = {
  'subgraphs/kit/tenant-repository.ts': 'the door to tenant-owned tables',
  'subgraphs/kit/scoped-query-builder.ts': 'the tenant-scoped query builder behind that door',
  'subgraphs/kit/prepared-statements.ts': 'runs the prepared statements the tenant repository writes (imported by that door alone, see below)',
  'subgraphs/kit/platform-tables.ts': 'the doors to platform tables and to sweeps across tenants',
  'subgraphs/kit/data-source.ts': 'builds and opens the data sources; WAL checkpoint after an erasure',
  'subgraphs/kit/crypto/key-store.ts': 'builds and opens the key stores; their migration',
  'subgraphs/kit/readiness.ts': 'SELECT 1 and pending migrations, no table read',
  'subgraphs/kit/database-deadlines.ts': 'query deadlines on the driver',
  'platform/telemetry/metrics.ts': 'connection-pool gauges',
  'scripts/migrations.ts': 'schema diff and migration run for migration generation and checks',
};

/** Functions that touch the database below the doors, each for a reason of its own. */
const RAW_ACCESS_FUNCTIONS: Record<string, string> = {
  'subgraphs/identity/services/privacy.service.ts#claimDueRequest':
    'claims a request across tenants with a locking read (FOR UPDATE SKIP LOCKED); the request is then run in its own tenant’s scope',
};

/** Callers of AcrossTenants: platform jobs over every tenant, which act on a row within its own tenant. */
const ACROSS_TENANTS_CALLERS: Record<string, string> = {
  'subgraphs/identity/services/privacy.service.ts#dueRequests': 'the privacy-retry worker finds due tasks of every tenant',
  'subgraphs/identity/services/privacy-metrics.worker.ts#privacyMetrics.start': 'two counts over all tenants for the metrics endpoint; no row leaves',
  'subgraphs/identity/services/principal.service.ts#PrincipalDirectory.verifyClient': 'an API client is found by its globally unique client id before its tenant is known',
  'subgraphs/identity/services/subject-key-backfill.service.ts#backfillEndUserKeys': 'key backfill over every tenant; each row rewritten in its tenant’s scope',
  'subgraphs/interactions/services/subject-key-backfill.service.ts#backfillTranscriptKeys': 'key backfill over every tenant; each segment rewritten in its tenant’s scope',
  'subgraphs/interactions/services/retention.service.ts#RetentionService.purgeAll': 'lists the tenants with interactions; each is purged in its own scope',
  'subgraphs/kit/crypto/keyring.ts#Keyring.rotate': 'master-key rotation over the key table; each key rewritten in its tenant’s scope',
};

/** Entities that belong to no tenant; every other entity must be tenant-owned. */
const PLATFORM_ENTITIES: Record<string, string> = {
  Tenant: 'the tenants themselves',
  PlatformPolicyVersion: 'the platform’s own privacy policy, the same for every tenant',
  SubProcessor: 'the platform’s sub-processor registry',
  SubProcessorNotice: 'notices of changes to that registry, shown to every tenant',
};

/** typeorm types through which rows are reached. */
const DATA_ACCESS_TYPES = /^(DataSource|EntityManager|Repository|TreeRepository|MongoRepository|QueryRunner|Driver|MigrationExecutor|\w*QueryBuilder)$/;
/** Members of a data source that open, close or describe it without reaching a row. */
const LIFECYCLE_MEMBERS = new Set(['DataSource.initialize', 'DataSource.destroy', 'DataSource.isInitialized', 'DataSource.options', 'DataSource.runMigrations']);
/** Database drivers, used directly. */
const DRIVER_MODULES = new Set(['mysql2', 'mysql2/promise', 'better-sqlite3', 'mysql', 'sqlite3']);

interface Finding {
  where: string;
  file: string;
  what: string;
}

function sourceProgram(): ts.Program {
  const configFile = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  const files = parsed.fileNames.filter((file) => /^(gateway|platform|subgraphs|scripts)\//.test(path.relative(ROOT, file).split(path.sep).join('/')));
  return ts.createProgram(files, { ...parsed.options, noEmit: true });
}

/** `Class.method`, `function`, `object.member`: the named declarations around a node, outermost first. */
function enclosingName(node: ts.Node): string {
  const names: string[] = [];
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    const named =
      ts.isFunctionDeclaration(at) || ts.isClassDeclaration(at) || ts.isMethodDeclaration(at) || ts.isPropertyAssignment(at) || ts.isPropertyDeclaration(at) || ts.isGetAccessor(at)
        ? at.name
        : ts.isVariableDeclaration(at) && ts.isSourceFile(at.parent.parent.parent)
          ? at.name
          : undefined;
    if (named) {
      names.unshift(named.getText());
    } else if (ts.isConstructorDeclaration(at)) {
      names.unshift('constructor');
    }
  }
  return names.join('.');
}

function typeormTypeName(type: ts.Type): string | null {
  for (const part of type.isUnion() ? type.types : [type]) {
    const symbol = part.getSymbol() ?? part.aliasSymbol;
    const declaration = symbol?.declarations?.[0];
    if (declaration && /[\\/]node_modules[\\/]typeorm[\\/]/.test(declaration.getSourceFile().fileName)) return symbol!.getName();
  }
  return null;
}

export function scanTenancy(program: ts.Program): { raw: Finding[]; across: Finding[] } {
  const checker = program.getTypeChecker();
  const raw: Finding[] = [];
  const across: Finding[] = [];
  for (const sourceFile of program.getSourceFiles()) {
    const file = path.relative(ROOT, sourceFile.fileName).split(path.sep).join('/');
    if (sourceFile.isDeclarationFile || file.startsWith('..') || file.startsWith('node_modules/')) continue;
    if (/\/migrations\/[^/]+\.ts$/.test(file)) continue; // schema changes, checked against the entities by test/mysql/migrations
    const note = (list: Finding[], node: ts.Node, what: string) => {
      const line = sourceFile.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      list.push({ where: `${file}#${enclosingName(node)}`, file, what: `${file}:${line} ${what}` });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && DRIVER_MODULES.has(node.moduleSpecifier.text)) {
        note(raw, node, `import of the ${node.moduleSpecifier.text} driver`);
        return;
      }
      if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
        const owner = typeormTypeName(checker.getTypeAtLocation(node.expression));
        const member = ts.isPropertyAccessExpression(node) ? node.name.text : node.argumentExpression.getText();
        if (owner && DATA_ACCESS_TYPES.test(owner) && !LIFECYCLE_MEMBERS.has(`${owner}.${member}`)) note(raw, node, `${owner}.${member}`);
      }
      if (ts.isNewExpression(node)) {
        const owner = typeormTypeName(checker.getTypeAtLocation(node));
        if (owner && DATA_ACCESS_TYPES.test(owner)) note(raw, node, `new ${owner}`);
      }
      if (ts.isIdentifier(node) && node.text !== '' && !isInImport(node) && !ts.isTypeReferenceNode(node.parent)) {
        let symbol = checker.getSymbolAtLocation(node);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        const declaration = symbol?.declarations?.[0];
        if (
          symbol?.getName() === 'AcrossTenants' &&
          declaration &&
          ts.isClassDeclaration(declaration) &&
          path.relative(ROOT, declaration.getSourceFile().fileName).split(path.sep).join('/') !== file
        ) {
          note(across, node, 'AcrossTenants');
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return { raw, across };
}

function isInImport(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node; at; at = at.parent) if (ts.isImportDeclaration(at) || ts.isExportDeclaration(at)) return true;
  return false;
}

describe('tenancy enforced over the source', () => {
  let findings: { raw: Finding[]; across: Finding[] };
  beforeAll(() => {
    findings = scanTenancy(sourceProgram());
  }, 120_000);

  it('reaches repositories, data sources, entity managers, query builders and drivers only through the doors', () => {
    const outside = findings.raw.filter((finding) => !(finding.file in RAW_ACCESS_FILES) && !(finding.where in RAW_ACCESS_FUNCTIONS));
    expect(outside.map((finding) => finding.what)).toEqual([]);
  });

  it('lets only the tenant repository and the platform tables (no tenant owns them) run prepared statements (they take SQL text, so no other file may hold them)', () => {
    const program = sourceProgram();
    const importers = program
      .getSourceFiles()
      .filter((file) => !file.isDeclarationFile && !file.fileName.includes('node_modules'))
      .filter((file) =>
        file.statements.some(
          (statement) =>
            (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
            statement.moduleSpecifier &&
            ts.isStringLiteral(statement.moduleSpecifier) &&
            /(^|\/)prepared-statements$/.test(statement.moduleSpecifier.text),
        ),
      )
      .map((file) => path.relative(ROOT, file.fileName).split(path.sep).join('/'));
    expect(importers.sort()).toEqual(['subgraphs/kit/platform-tables.ts', 'subgraphs/kit/tenant-repository.ts']);
  }, 120_000);

  it('sweeps across tenants only from the platform jobs listed, each for its reason', () => {
    const unlisted = findings.across.filter((finding) => !(finding.where in ACROSS_TENANTS_CALLERS));
    expect(unlisted.map((finding) => `${finding.what} in ${finding.where}`)).toEqual([]);
  });

  it('has no stale entry in its allowlists (each one still needed)', () => {
    const used = new Set([...findings.raw, ...findings.across].flatMap((finding) => [finding.file, finding.where]));
    const stale = [...Object.keys(RAW_ACCESS_FILES), ...Object.keys(RAW_ACCESS_FUNCTIONS), ...Object.keys(ACROSS_TENANTS_CALLERS)].filter((entry) => !used.has(entry));
    expect(stale).toEqual([]);
  });
});

interface Stores {
  name: string;
  dataSource: DataSource;
}

/** Every entity of every subgraph and key store, with the data source it lives in. */
async function openAll(open: (name: (typeof SUBGRAPH_NAMES)[number], keys: boolean) => Promise<DataSource>): Promise<Stores[]> {
  const stores: Stores[] = [];
  for (const name of SUBGRAPH_NAMES) {
    stores.push({ name, dataSource: await open(name, false) });
    if (subgraphs[name].subjectKeys) stores.push({ name: `${name}-keys`, dataSource: await open(name, true) });
  }
  return stores;
}

function tenantOwned(stores: Stores[]): { store: Stores; metadata: EntityMetadata }[] {
  return stores.flatMap((store) => store.dataSource.entityMetadatas.filter((metadata) => !(metadata.name in PLATFORM_ENTITIES)).map((metadata) => ({ store, metadata })));
}

describe('tenancy enforced over the entities and the schema', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenancy-entities-'));
  let stores: Stores[];
  beforeAll(async () => {
    stores = await openAll(async (name, keys) => {
      const dataSource = keys ? buildKeyStore({ subgraph: name, dataDir }) : buildDataSource({ subgraph: name, entities: subgraphs[name].entities, migrations: [], dataDir });
      return dataSource.initialize();
    });
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.dataSource.destroy()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('every entity but the platform’s is a TenantOwnedEntity with a non-null tenantId and an index led by it', () => {
    const problems: string[] = [];
    for (const { store, metadata } of tenantOwned(stores)) {
      const label = `${store.name}: ${metadata.name} (${metadata.tableName})`;
      if (!(typeof metadata.target === 'function' && metadata.target.prototype instanceof TenantOwnedEntity)) problems.push(`${label} does not extend TenantOwnedEntity`);
      const tenantId = metadata.findColumnWithPropertyName('tenantId');
      if (!tenantId) {
        problems.push(`${label} has no tenantId`);
        continue;
      }
      if (tenantId.isNullable) problems.push(`${label} has a nullable tenantId`);
      const led = [...metadata.indices.map((index) => index.columns), ...metadata.uniques.map((unique) => unique.columns)].some((columns) => columns[0] === tenantId);
      if (!led) problems.push(`${label} has no index led by tenantId`);
    }
    expect(problems).toEqual([]);
  });

  it('the platform’s entities have no tenantId (else they would be tenant-owned)', () => {
    const platform = stores.flatMap((store) => store.dataSource.entityMetadatas.filter((metadata) => metadata.name in PLATFORM_ENTITIES));
    expect(platform.map((metadata) => metadata.name).sort()).toEqual(Object.keys(PLATFORM_ENTITIES).sort());
    expect(platform.filter((metadata) => metadata.findColumnWithPropertyName('tenantId')).map((metadata) => metadata.name)).toEqual([]);
  });

  it('the SQLite schema the data sources create has every tenantId NOT NULL and indexed first', async () => {
    const problems: string[] = [];
    for (const { store, metadata } of tenantOwned(stores)) {
      const table = metadata.tableName;
      const columns: { name: string; notnull: number }[] = await store.dataSource.query(`PRAGMA table_info("${table}")`);
      if (!columns.some((column) => column.name === 'tenantId' && column.notnull === 1)) problems.push(`${table}: tenantId missing or nullable`);
      const indexes: { name: string }[] = await store.dataSource.query(`PRAGMA index_list("${table}")`);
      let led = false;
      for (const index of indexes) {
        const parts: { seqno: number; name: string }[] = await store.dataSource.query(`PRAGMA index_info("${index.name}")`);
        if (parts.find((part) => part.seqno === 0)?.name === 'tenantId') led = true;
      }
      if (!led) problems.push(`${table}: no index led by tenantId`);
    }
    expect(problems).toEqual([]);
  });
});

// The migrations are MySQL/MariaDB DDL (SQLite builds its schema from the entities, checked above).
(process.env.DATABASE_URL ? describe : describe.skip)('tenancy enforced over the migrated MySQL/MariaDB schema', () => {
  it('every tenant-owned table the migrations create has tenantId NOT NULL and an index led by it', async () => {
    const env = await testEnvironment();
    const stores = await openAll((name, keys) =>
      keys
        ? openKeyStore({ subgraph: name, databaseUrl: env.databaseUrl, dataDir: env.subgraphConfig.dataDir })
        : openDataSource({ subgraph: name, entities: subgraphs[name].entities, migrations: subgraphs[name].migrations, databaseUrl: env.databaseUrl, dataDir: env.subgraphConfig.dataDir }),
    );
    try {
      const problems: string[] = [];
      for (const { store, metadata } of tenantOwned(stores)) {
        const table = metadata.tableName;
        const [column] = await store.dataSource.query(`SELECT IS_NULLABLE AS nullable FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'tenantId'`, [table]);
        if (column?.nullable !== 'NO') problems.push(`${table}: tenantId missing or nullable`);
        const led = await store.dataSource.query(
          `SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'tenantId' AND SEQ_IN_INDEX = 1`,
          [table],
        );
        if (led.length === 0) problems.push(`${table}: no index led by tenantId`);
      }
      expect(problems).toEqual([]);
    } finally {
      await Promise.all(stores.map((store) => store.dataSource.destroy()));
      await env.cleanup();
    }
  }, 120_000);
});
