import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** IPv6 global unicast. Everything outside it (::/8 with every IPv4-embedding form, NAT64, ULA, link- and site-local, multicast) is refused. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * The one rule for where the crm subgraph may connect: an ordinary public unicast address, given
 * in its plain textual form. IPv4 must be `unicast` in ipaddr.js's table (loopback, private, CGNAT,
 * link-local, documentation, benchmarking, multicast, reserved and the like are not). IPv6 must be
 * global unicast and `unicast` too, which leaves out 6to4, Teredo, 2001::/23, documentation and
 * segment routing; an embedded IPv4 address is never unwrapped, so no IPv6 spelling of an IPv4
 * address gets through. Odd IPv4 spellings (0x7f.1, 2130706433, 127.1, 0177.0.0.1) and zone ids
 * are not addresses here: URLs and resolvers hand over the plain form.
 */
export function isPublicAddress(address: string | undefined | null): boolean {
  if (!address || address.includes('%')) return false;
  const family = isIP(address);
  if (family === 0) return false;
  try {
    const parsed = ipaddr.parse(address);
    if (family === 4) return parsed.kind() === 'ipv4' && parsed.range() === 'unicast';
    return parsed.kind() === 'ipv6' && parsed.match(GLOBAL_UNICAST_V6) && parsed.range() === 'unicast';
  } catch {
    return false;
  }
}
