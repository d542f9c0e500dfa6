import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import type { AccessPolicyClaims } from './contracts/signed-context';
import { badInput } from './errors';

// Every rule about IP addresses and CIDR ranges, for every process: client addresses at the
// gateway, tenant allowlists (stored by identity, enforced at the gateway and in every subgraph),
// consent proofs, and where the crm subgraph may connect.

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

/**
 * Parses seen before, by text: the gateway canonicalises the client's address and every allowlist
 * check reads the tenant's ranges on each request, and the answer depends on the text alone.
 * Bounded, and only short texts are kept, so nothing a caller sends can grow them.
 */
const canonicalTexts = new LRUCache<string, string>({ max: 4_096 });
const parsedRanges = new LRUCache<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | false>({ max: 4_096 });
const CACHED_TEXT_MAX = 64;

/**
 * The canonical text of a client address: IPv4-mapped IPv6 (`::ffff:a.b.c.d`) becomes IPv4, so
 * one allowlist entry matches however the socket reports it.
 */
export function canonicalAddress(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  const known = canonicalTexts.get(address);
  if (known !== undefined) return known;
  let canonical: string;
  try {
    canonical = ipaddr.process(address).toString();
  } catch {
    canonical = '0.0.0.0';
  }
  if (address.length <= CACHED_TEXT_MAX) canonicalTexts.set(address, canonical);
  return canonical;
}

/** Parses an address the way every check compares it: IPv4-mapped IPv6 becomes IPv4. */
export function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    return ipaddr.process(address.trim());
  } catch {
    return null;
  }
}

/**
 * A CIDR as network and prefix length, an IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) as the
 * IPv4 range it covers, so it compares with addresses parsed by `parseAddress`. Throws on a bad CIDR.
 */
function parseRange(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const [range, bits] = ipaddr.parseCIDR(cidr);
  if (range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress()) {
    return [(range as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)];
  }
  return [range, bits];
}

/** parseRange, remembered by text (false: not a range); the ranges are never handed out, so never changed. */
function allowlistRange(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | false {
  const known = parsedRanges.get(cidr);
  if (known !== undefined) return known;
  let range: [ipaddr.IPv4 | ipaddr.IPv6, number] | false;
  try {
    range = parseRange(cidr);
  } catch {
    range = false;
  }
  if (cidr.length <= CACHED_TEXT_MAX) parsedRanges.set(cidr, range);
  return range;
}

/** Whether a tenant's access policy admits a client address; an unparsable address or range admits nothing. */
export function addressAllowed(address: string, policy: AccessPolicyClaims | null): boolean {
  if (!policy || policy.mode === 'EVERYONE') return true;
  const parsed = parseAddress(address);
  if (!parsed) return false;
  return policy.cidrs.some((cidr) => {
    const range = typeof cidr === 'string' && allowlistRange(cidr);
    return range !== false && range[0].kind() === parsed.kind() && parsed.match(range[0] as never, range[1]);
  });
}

/** Normalises CIDRs as stored in an access policy (IPv4-mapped IPv6 ranges become IPv4) and names the first bad one. */
export function normaliseCidrs(cidrs: string[]): string[] {
  return cidrs.map((cidr, index) => {
    try {
      const [network, bits] = parseRange(cidr.trim());
      return `${network.toString()}/${bits}`;
    } catch {
      throw badInput(`cidrs[${index}]`, 'is not a valid IPv4 or IPv6 CIDR');
    }
  });
}

/** TRUST_PROXY's named ranges, as Express (proxy-addr) reads them. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

export type AddressRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** TRUST_PROXY entries (addresses, CIDRs, named ranges) as ranges; an entry that parses as none trusts nothing. */
export function trustedRanges(entries: string[]): AddressRange[] {
  const ranges: AddressRange[] = [];
  for (const entry of entries.flatMap((value) => NAMED_RANGES[value.toLowerCase()] ?? [value])) {
    try {
      ranges.push(parseRange(entry.includes('/') ? entry : `${entry}/${entry.includes(':') ? 128 : 32}`));
    } catch {
      // Not an address.
    }
  }
  return ranges;
}

/**
 * The client address from a forwarding header relayed by a hop that adds none of its own (Apollo
 * Router), read as Express reads X-Forwarded-For behind TRUST_PROXY: from the right, skipping the
 * proxies named there, the first hop not trusted is the client; all trusted, the left-most. The
 * right-most entry is the one the proxy in front of the relaying hop appended, so that hop must be
 * reachable through that proxy alone. Null when the header is missing or a hop on the way does not
 * parse: the address is unknown.
 */
export function forwardedClientAddress(values: string[] | undefined, ranges: AddressRange[]): string | null {
  const hops = (values ?? []).flatMap((value) => value.split(',')).map((hop) => hop.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const address = parseAddress(hops[i]);
    if (!address) return null;
    const trusted = ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range as never, bits));
    if (i === 0 || !trusted) return address.toString();
  }
  return null;
}

/**
 * A TRUST_PROXY entry as Express (proxy-addr) takes it: loopback, linklocal or uniquelocal, an
 * address in its plain form, or a range with a prefix length (or, for IPv4, a netmask). Checked at
 * start-up so a bad entry is a configuration problem, not a crash inside Express.
 */
export function isProxyEntry(entry: string): boolean {
  if (Object.hasOwn(NAMED_RANGES, entry)) return true;
  const slash = entry.lastIndexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const range = entry.slice(slash + 1);
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4 && ipaddr.IPv4.parse(range).prefixLengthFromSubnetMask() !== null;
}
