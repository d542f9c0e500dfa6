import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { composeSupergraph } from './compose-supergraph';

/** `npm run compose`: regenerates schema/<subgraph>.graphql and schema/supergraph.graphql. */
async function main(): Promise<void> {
  const { subgraphSdl, supergraphSdl } = await composeSupergraph();
  const dir = path.resolve('schema');
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, sdl] of Object.entries(subgraphSdl)) fs.writeFileSync(path.join(dir, `${name}.graphql`), sdl);
  fs.writeFileSync(path.join(dir, 'supergraph.graphql'), supergraphSdl);
  process.stdout.write(`composed ${Object.keys(subgraphSdl).length} subgraphs into schema/supergraph.graphql\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
