import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DevKeys } from '../../platform/dev-keys';
import { CONTEXT_HEADER, contextKeyFor, ContextVerifier, decodeSecret, requestDigest, type RequestClaims } from '../../platform/contracts/signed-context';
import { deriveServiceKeys } from '../../subgraphs/kit/service-client';

type Variables = Record<string, unknown>;

interface StandInOptions {
  /** Read at the first call, so the stand-in can start before the stack whose keys it checks. */
  keys: () => DevKeys;
  /** The one subgraph consent accepts this field from, and the field. */
  caller: string;
  field: string;
  /** Answers 503 before looking at the request, as a consent that is down would. */
  down?: () => boolean;
  onRefused?: () => void;
  /** The GraphQL answer to a verified call from `caller`. */
  respond(claims: RequestClaims, variables: Variables): unknown;
}

/**
 * Stands in for one of the consent subgraph's service fields: checks the caller's signed context
 * exactly as consent would (its own key and inbound link keys), accepts the field from its one
 * caller, then answers as the test says. Point the stack at it with CONSENT_URL.
 */
async function consentFieldStandIn(options: StandInOptions) {
  let verifier: ContextVerifier | undefined;
  const verifierFor = () => {
    const secret = decodeSecret(options.keys().contextSecret, 'context secret');
    return (verifier ??= new ContextVerifier(contextKeyFor(secret, 'consent'), 'consent', deriveServiceKeys(secret, 'consent').inbound));
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', async () => {
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (options.down?.()) return reply(503, { errors: [{ message: 'down' }] });
      const body = JSON.parse(raw || '{}') as { query?: string; variables?: Variables };
      let claims: RequestClaims;
      try {
        claims = await verifierFor().verify(req.headers[CONTEXT_HEADER] as string | undefined, requestDigest(body.query, body.variables));
      } catch {
        options.onRefused?.();
        return reply(401, { errors: [{ message: 'Invalid gateway context', extensions: { code: 'UNAUTHENTICATED' } }] });
      }
      if (claims.principal.kind !== 'subgraph' || claims.principal.id !== options.caller || !claims.tenant || !body.query?.includes(options.field)) {
        return reply(200, { data: null, errors: [{ message: 'Service calls only', extensions: { code: 'FORBIDDEN' } }] });
      }
      reply(200, options.respond(claims, body.variables ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, port, url: `http://127.0.0.1:${port}/graphql` };
}

export interface ContactDecisionAnswer {
  allowed: boolean;
  reason: 'OPTED_OUT' | 'RESTRICTED' | null;
}

/** consent's `contactDecision` for interactions: answers from `decide` (allowed when not told) and records who asked. */
export async function consentStandIn(keys: () => DevKeys) {
  const decisions = new Map<string, ContactDecisionAnswer>();
  const calls: { claims: RequestClaims; variables: Variables }[] = [];
  let mode: 'answer' | 'errors' = 'answer';
  const { server, port, url } = await consentFieldStandIn({
    keys,
    caller: 'interactions',
    field: 'contactDecision',
    respond(claims, variables) {
      calls.push({ claims, variables });
      if (mode === 'errors') return { data: null, errors: [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
      const decision = decisions.get(`${claims.tenant!.id}:${variables.endUserId}:${variables.channel}`) ?? { allowed: true, reason: null };
      return { data: { contactDecision: decision } };
    },
  });
  return {
    url,
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

/** consent's `sharingDecision` for crm: answers as told in `answer`. */
export async function startFakeSharingGate(keys: () => DevKeys): Promise<FakeSharingGate> {
  const gate: Omit<FakeSharingGate, 'url' | 'close'> = { answer: 'ALLOWED', calls: [], refused: 0 };
  const { server, url } = await consentFieldStandIn({
    keys,
    caller: 'crm',
    field: 'sharingDecision',
    down: () => gate.answer === 'DOWN',
    onRefused: () => (gate.refused += 1),
    respond(claims, variables) {
      gate.calls.push({ claims, endUserId: String(variables.endUserId), recipient: String(variables.recipient) });
      const allowed = gate.answer === 'ALLOWED';
      return { data: { sharingDecision: { allowed, reason: allowed ? null : gate.answer } } };
    },
  });
  return Object.assign(gate, { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}
