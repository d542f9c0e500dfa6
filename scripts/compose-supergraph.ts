import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { subgraphs } from '../subgraphs';
import { DEFAULT_PORTS, defaultSubgraphUrl, SUBGRAPH_NAMES, type SubgraphName } from '../platform/contracts/service-links';


export interface Composition {
  subgraphSdl: Record<SubgraphName, string>;
  supergraphSdl: string;
}

/** Prints each subgraph's SDL from its code and composes them; routing URLs are the local defaults. */
export async function composeSupergraph(): Promise<Composition> {
  const subgraphSdl = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) {
    subgraphSdl[name] = printSubgraphSchema(await subgraphs[name].buildSchema()) + '\n';
  }
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: defaultSubgraphUrl('127.0.0.1', DEFAULT_PORTS[name]),
      typeDefs: parse(subgraphSdl[name]),
    })),
  );
  if (result.errors) throw new Error(`Composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  return { subgraphSdl, supergraphSdl: result.supergraphSdl };
}
