import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// The import picture: platform/ at the bottom (the gateway and the subgraphs import it, it imports
// neither), the gateway and the subgraphs apart (they meet only over HTTP, through platform/contracts),
// and no import cycle between files, type-only imports included.

const root = path.resolve(__dirname, '../..');
const LAYERS = ['platform', 'gateway', 'subgraphs'] as const;

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sources(full, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Every import specifier of a file: static, type-only, re-exports, `import()` and `require()`. */
function specifiers(file: string): string[] {
  return ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles.map((entry) => entry.fileName);
}

function resolveLocal(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const layerOf = (file: string) => path.relative(root, file).split(path.sep)[0];
const relative = (file: string) => path.relative(root, file);

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const layer of LAYERS) {
    for (const file of sources(path.join(root, layer))) {
      graph.set(file, specifiers(file).map((specifier) => resolveLocal(file, specifier)).filter((target): target is string => target !== null));
    }
  }
  return graph;
}

/** Each cycle once, as the chain of files from its first file back to it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === 'open') found.push([...stack.slice(stack.indexOf(target)), target]);
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

describe('the import picture', () => {
  const graph = importGraph();
  const edges = [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));

  it('reads the whole tree', () => {
    expect([...graph.keys()].filter((file) => layerOf(file) === 'platform').length).toBeGreaterThan(10);
    expect(edges.filter(({ from, to }) => layerOf(from) === 'gateway' && layerOf(to) === 'platform').length).toBeGreaterThan(10);
    expect(edges.filter(({ from, to }) => layerOf(from) === 'subgraphs' && layerOf(to) === 'platform').length).toBeGreaterThan(10);
  });

  it('platform/ imports nothing of the gateway, the subgraphs, scripts, bench or tests', () => {
    const outward = [...graph]
      .filter(([from]) => layerOf(from) === 'platform')
      .flatMap(([from]) => specifiers(from).filter((specifier) => specifier.startsWith('.') && layerOf(path.resolve(path.dirname(from), specifier)) !== 'platform').map((specifier) => `${relative(from)} → ${specifier}`));
    expect(outward).toEqual([]);
  });

  it('the gateway and the subgraphs do not import each other', () => {
    const across = edges
      .filter(({ from, to }) => (layerOf(from) === 'gateway' && layerOf(to) === 'subgraphs') || (layerOf(from) === 'subgraphs' && layerOf(to) === 'gateway'))
      .map(({ from, to }) => `${relative(from)} → ${relative(to)}`);
    expect(across).toEqual([]);
  });

  it('has no import cycle between files (type-only imports count)', () => {
    expect(cycles(graph).map((cycle) => cycle.map(relative).join(' → '))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself can fail)', () => {
    const [a, b] = [...graph.keys()];
    const looped = new Map(graph);
    looped.set(a, [...(graph.get(a) ?? []), b]);
    looped.set(b, [...(graph.get(b) ?? []), a]);
    expect(cycles(looped).length).toBeGreaterThan(0);
  });
});
