import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DevKeys } from '../../subgraphs/shared/auth/dev-keys';
import { CONTEXT_HEADER, contextKeyFor, ContextVerifier, decodeSecret, requestDigest, type RequestClaims } from '../../subgraphs/shared/auth/signed-context';
import { deriveServiceKeys } from '../../subgraphs/shared/service-client';

export interface ContactDecisionAnswer {
  allowed: boolean;
  reason: 'OPTED_OUT' | 'RESTRICTED' | null;
}

/**
 * Stands in for the consent subgraph's `contactDecision` (s2s only): checks the caller's signed
 * context exactly as consent would, answers from `decisions` (allowed when absent) and records who
 * asked. Point the stack at it with CONSENT_URL. Once consent answers contactDecision itself, the
 * tests can drop this and record opt-outs and restrictions through consent instead.
 */
export async function consentStandIn(keys: () => DevKeys) {
  const decisions = new Map<string, ContactDecisionAnswer>();
  const calls: { claims: RequestClaims; variables: Record<string, unknown> }[] = [];
  let mode: 'answer' | 'errors' = 'answer';
  let verifier: ContextVerifier | undefined;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', async () => {
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const body = JSON.parse(raw || '{}') as { query?: string; variables?: Record<string, unknown> };
      if (!verifier) {
        const secret = decodeSecret(keys().contextSecret, 'context secret');
        verifier = new ContextVerifier(contextKeyFor(secret, 'consent'), 'consent', deriveServiceKeys(secret, 'consent').inbound);
      }
      let claims: RequestClaims;
      try {
        claims = await verifier.verify(req.headers[CONTEXT_HEADER] as string | undefined, requestDigest(body.query, body.variables));
      } catch {
        return reply(401, { errors: [{ message: 'Invalid gateway context', extensions: { code: 'UNAUTHENTICATED' } }] });
      }
      if (claims.principal.kind !== 'subgraph' || claims.principal.id !== 'interactions' || !claims.tenant || !body.query?.includes('contactDecision')) {
        return reply(200, { data: null, errors: [{ message: 'Service calls only', extensions: { code: 'FORBIDDEN' } }] });
      }
      calls.push({ claims, variables: body.variables ?? {} });
      if (mode === 'errors') return reply(200, { data: null, errors: [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      const decision = decisions.get(`${claims.tenant.id}:${body.variables?.endUserId}:${body.variables?.channel}`) ?? { allowed: true, reason: null };
      reply(200, { data: { contactDecision: decision } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/graphql`,
    calls,
    /** What consent would say for this tenant, end-user and channel. */
    decide(tenantId: string, endUserId: string, channel: string, answer: ContactDecisionAnswer) {
      decisions.set(`${tenantId}:${endUserId}:${channel}`, answer);
    },
    answerWithErrors(on: boolean) {
      mode = on ? 'errors' : 'answer';
    },
    /** Consent down: nothing listens on its port until `start`. */
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      if (server.listening) await this.stop();
    },
  };
}
