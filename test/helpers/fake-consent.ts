import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTEXT_HEADER, ContextVerifier, contextKeyFor, decodeSecret, requestDigest, type RequestClaims } from '../../subgraphs/shared/auth/signed-context';
import { deriveServiceKeys } from '../../subgraphs/shared/service-client';
import type { DevKeys } from '../../subgraphs/shared/auth/dev-keys';

export type FakeSharingAnswer = 'ALLOWED' | 'NO_OPT_IN' | 'RENEWAL_NEEDED' | 'RESTRICTED' | 'DOWN';

export interface FakeSharingGate {
  url: string;
  /** What the next calls answer. */
  answer: FakeSharingAnswer;
  /** Verified calls: who asked, for which tenant, about whom and which recipient. */
  calls: { claims: RequestClaims; endUserId: string; recipient: string }[];
  /** Calls refused for a bad signature. */
  refused: number;
  close(): Promise<void>;
}

/**
 * Stands in for the consent subgraph's `sharingDecision` (the crm service link's only use of it):
 * verifies the signed context as consent would, then answers as told. `keys` is read at the first
 * call, so the gate can start before the stack whose keys it checks. Tests can point the stack at
 * the real consent subgraph instead once it serves the same query.
 */
export async function startFakeSharingGate(keys: () => DevKeys): Promise<FakeSharingGate> {
  let verifier: ContextVerifier | undefined;
  const verifierFor = () => {
    const secret = decodeSecret(keys().contextSecret, 'context secret');
    return (verifier ??= new ContextVerifier(contextKeyFor(secret, 'consent'), 'consent', deriveServiceKeys(secret, 'consent').inbound));
  };
  const gate: Omit<FakeSharingGate, 'url' | 'close'> = { answer: 'ALLOWED', calls: [], refused: 0 };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', async () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (gate.answer === 'DOWN') return reply(503, { errors: [{ message: 'down' }] });
      const body = JSON.parse(raw || '{}') as { query?: string; variables?: { endUserId: string; recipient: string } };
      let claims: RequestClaims;
      try {
        claims = await verifierFor().verify(req.headers[CONTEXT_HEADER] as string | undefined, requestDigest(body.query, body.variables));
      } catch {
        gate.refused += 1;
        return reply(401, { errors: [{ message: 'Invalid gateway context', extensions: { code: 'UNAUTHENTICATED' } }] });
      }
      if (claims.principal.kind !== 'subgraph' || claims.principal.id !== 'crm' || !claims.tenant || !body.query?.includes('sharingDecision')) {
        return reply(200, { data: null, errors: [{ message: 'Service calls only', extensions: { code: 'FORBIDDEN' } }] });
      }
      gate.calls.push({ claims, endUserId: body.variables!.endUserId, recipient: body.variables!.recipient });
      const allowed = gate.answer === 'ALLOWED';
      reply(200, { data: { sharingDecision: { allowed, reason: allowed ? null : gate.answer } } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(gate, {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
