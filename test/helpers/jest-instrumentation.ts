import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';

interface ModuleDefinition {
  name: string;
  files?: { name: string }[];
}
interface PatchableInstrumentation {
  getModuleDefinitions(): ModuleDefinition[];
  _onRequire(definition: ModuleDefinition, exports: unknown, name: string, baseDir?: string): unknown;
}

function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== name) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json for ${name}`);
    dir = parent;
  }
  return dir;
}

/**
 * Jest loads modules through its own registry, which require hooks never see: apply each
 * instrumentation's patches to the modules as this test file's registry holds them, the way its
 * hook would have on `require`. Call it before the code under test is imported.
 */
export function patchJestRegistry(instrumentations: Instrumentation[]): void {
  for (const instrumentation of instrumentations as unknown as PatchableInstrumentation[]) {
    for (const definition of instrumentation.getModuleDefinitions()) {
      if (isBuiltin(definition.name)) {
        instrumentation._onRequire(definition, require(definition.name), definition.name);
        continue;
      }
      const baseDir = packageDir(definition.name);
      instrumentation._onRequire(definition, require(definition.name), definition.name, baseDir);
      for (const file of definition.files ?? []) {
        // By absolute path: a package's exports map may hide the file.
        instrumentation._onRequire(definition, require(path.join(baseDir, path.relative(definition.name, file.name))), file.name, baseDir);
      }
    }
  }
}
