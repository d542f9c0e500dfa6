import fs from 'node:fs';
import path from 'node:path';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kit/config';
import { run } from './gateway-process';

const ROOT = path.resolve(__dirname, '../..');

/** Compiles the gateway's and every subgraph's entry point with tsc, under dist/ so node_modules resolve. */
export async function buildServices(): Promise<{ entries: Record<SubgraphName | 'gateway', string>; cleanup(): void }> {
  fs.mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
  const outDir = fs.mkdtempSync(path.join(ROOT, 'dist', 'test-scale-out-'));
  const tsconfig = path.join(outDir, 'tsconfig.json');
  const files = ['gateway/index.ts', ...SUBGRAPH_NAMES.map((name) => `subgraphs/${name}/index.ts`)].map((file) => path.join(ROOT, file));
  fs.writeFileSync(
    tsconfig,
    JSON.stringify({ extends: path.join(ROOT, 'tsconfig.build.json'), compilerOptions: { outDir, sourceMap: false, incremental: false, typeRoots: [path.join(ROOT, 'node_modules/@types')] }, files, include: [] }),
  );
  const { code, output } = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig]);
  if (code !== 0) throw new Error(`tsc failed:\n${output}`);
  const entries = Object.fromEntries([
    ['gateway', path.join(outDir, 'gateway/index.js')],
    ...SUBGRAPH_NAMES.map((name) => [name, path.join(outDir, `subgraphs/${name}/index.js`)]),
  ]) as Record<SubgraphName | 'gateway', string>;
  return { entries, cleanup: () => fs.rmSync(outDir, { recursive: true, force: true }) };
}

export { freePorts, haproxy, spawnService, type LoadBalancer, type ServiceProcess } from '../../scripts/topology';
