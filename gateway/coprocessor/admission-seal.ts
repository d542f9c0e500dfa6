import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestClaims } from '../../platform/contracts/signed-context';

/** The Router context entry that carries one request's admission from RouterRequest to its SubgraphRequests. */
export const ADMISSION_ENTRY = 'cx::admission';

export interface Admitted {
  claims: RequestClaims;
  /** When the request must be answered (epoch ms); each subgraph is told what is left of it. */
  deadline: number;
}

interface Sealed extends Admitted {
  /** The Router's id of the client request this admission was made for. */
  id: string;
  /** Epoch ms after which it is no longer honoured. */
  exp: number;
}

/** Past the deadline the subgraphs are told there is no time left; this long after, the admission is void. */
const GRACE_MS = 5_000;

const mac = (key: Uint8Array, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * The admission, MACed under a key derived from the context master secret, so that only a
 * coprocessor's RouterRequest stage can have made it (not a client, not another plugin writing
 * the Router's context) and it holds for this one client request only. Every coprocessor replica
 * derives the same key: the Router may send the stages of one request to different replicas.
 */
export function seal(key: Uint8Array, id: string, admitted: Admitted): string {
  const payload: Sealed = { id, claims: admitted.claims, deadline: admitted.deadline, exp: admitted.deadline + GRACE_MS };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** The admission sealed for request `id`, or null: missing, forged, another request's, or expired. */
export function unseal(key: Uint8Array, id: string, value: unknown, now = Date.now()): Admitted | null {
  if (typeof value !== 'string') return null;
  const [body, tag, extra] = value.split('.');
  if (!body || !tag || extra !== undefined) return null;
  const expected = mac(key, body);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let payload: Partial<Sealed>;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Sealed>;
  } catch {
    return null;
  }
  if (payload.id !== id || typeof payload.exp !== 'number' || payload.exp < now || typeof payload.deadline !== 'number' || !payload.claims) return null;
  return { claims: payload.claims, deadline: payload.deadline };
}
