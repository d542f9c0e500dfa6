import type { RequestContext } from '../../kit/context';
import { parseAddress } from '../../../platform/addresses';
import { redactToFit } from '../../kit/sensitive-numbers';

/** Proof text is free text: SSNs and card numbers in it (a form's URL, a forged user agent) are redacted. */
export const proofText = (text: string | null | undefined, max: number): string | null => (text ? redactToFit(text, max) : null);

/** What the caller says about where consent was given; the request's own address when it says nothing. */
export type GivenProof = { clientAddress?: string | null; userAgent?: string | null; page?: string | null } | null | undefined;

/** Proof for this request: its address and its tenant's key, bound by the composition root. */
export type Prove = (given: GivenProof) => Promise<Proof>;

export interface Proof {
  addressHash: string | null;
  userAgent: string | null;
  page: string | null;
}

/**
 * Proof of where consent was given, without keeping the address: an HMAC under the tenant's own
 * index key. A plain or salted SHA-256 of an IPv4 address is reversed by trying all 2^32; a keyed
 * hash is not, and still lets the tenant show that two records came from the same address.
 */
export async function proofOf(ctx: Pick<RequestContext, 'claims' | 'keyring' | 'tenantId'>, given: GivenProof): Promise<Proof> {
  const address = parseAddress(given?.clientAddress ?? ctx.claims.clientIp);
  const cipher = await ctx.keyring.cipherFor(ctx.tenantId);
  return {
    addressHash: address ? cipher.blindIndex(address.toString(), 'consent.address') : null,
    userAgent: proofText(given?.userAgent, 400),
    page: proofText(given?.page, 500),
  };
}
