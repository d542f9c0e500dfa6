import fs from 'node:fs';
import path from 'node:path';
import { composeSupergraph } from '../../scripts/compose-supergraph';

describe('composition', () => {
  it('composes the four subgraphs, and the checked-in SDL is current (run `npm run compose` if not)', async () => {
    const { subgraphSdl, supergraphSdl } = await composeSupergraph();
    expect(Object.keys(subgraphSdl).sort()).toEqual(['consent', 'crm', 'identity', 'interactions']);
    for (const [name, sdl] of Object.entries(subgraphSdl)) {
      expect(fs.readFileSync(path.resolve('schema', `${name}.graphql`), 'utf8')).toBe(sdl);
    }
    expect(fs.readFileSync(path.resolve('schema/supergraph.graphql'), 'utf8')).toBe(supergraphSdl);
  });

  it('puts EndUser in all four subgraphs, keyed by id', async () => {
    const { supergraphSdl } = await composeSupergraph();
    const endUser = /type EndUser\n((?:\s+@join__type\(.*\)\n)+)/.exec(supergraphSdl)![1];
    for (const graph of ['IDENTITY', 'INTERACTIONS', 'CONSENT', 'CRM']) {
      expect(endUser).toContain(`@join__type(graph: ${graph}, key: "id")`);
    }
  });
});
