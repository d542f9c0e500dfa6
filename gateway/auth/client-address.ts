import ipaddr from 'ipaddr.js';

/**
 * The canonical text of a client address: IPv4-mapped IPv6 (`::ffff:a.b.c.d`) becomes IPv4, so
 * one allowlist entry matches however the socket reports it.
 */
export function canonicalAddress(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  try {
    return ipaddr.process(address).toString();
  } catch {
    return '0.0.0.0';
  }
}
