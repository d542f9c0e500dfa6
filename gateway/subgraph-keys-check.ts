import { randomUUID } from 'node:crypto';
import { CONTEXT_HEADER, requestDigest, serviceClaims, type ContextSigner } from '../platform/contracts/signed-context';
import { SUBGRAPH_NAMES, type SubgraphName } from '../platform/contracts/service-links';

export interface SubgraphKeysCheck {
  /** Answered 401 to a context this gateway signed: its CONTEXT_KEY is not derived from this gateway's secret. */
  refused: SubgraphName[];
  /** Did not answer (not started yet, say): nothing known. */
  unreachable: SubgraphName[];
}

const PROBE = '{ __typename }';

/**
 * Before the gateway says it is ready: every subgraph that answers must accept a context it
 * signs, or every request through it would be 401. A subgraph that does not answer yet is only
 * reported (it may start later). A shield denial still proves the signature was accepted.
 */
export async function checkSubgraphKeys(signer: ContextSigner, urls: Record<SubgraphName, string>, timeoutMs = 3_000): Promise<SubgraphKeysCheck> {
  const result: SubgraphKeysCheck = { refused: [], unreachable: [] };
  await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      try {
        const response = await fetch(urls[name], {
          method: 'POST',
          headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: signer.sign(serviceClaims(randomUUID()), name, requestDigest(PROBE, undefined)) },
          body: JSON.stringify({ query: PROBE }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer();
        if (response.status === 401) result.refused.push(name);
      } catch {
        result.unreachable.push(name);
      }
    }),
  );
  return result;
}

export function keysRefusedMessage(refused: SubgraphName[]): string {
  return `${refused.join(', ')} refused the gateway's signed context (401): ${refused.length > 1 ? 'their' : 'its'} CONTEXT_KEY is not derived from this gateway's CONTEXT_SIGNING_SECRET. Give every process the files of one \`npm run secrets\` run (or print the keys with \`npm run -s context-key -- <subgraph>\`)`;
}
