import ipaddr from 'ipaddr.js';

/** TRUST_PROXY's named ranges, as Express (proxy-addr) reads them. */
const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parse(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    return ipaddr.process(address.trim());
  } catch {
    return null;
  }
}

/** TRUST_PROXY entries (addresses, CIDRs, named ranges) as ranges; an entry that parses as none is dropped. */
export function trustedRanges(entries: string[]): Range[] {
  const ranges: Range[] = [];
  for (const entry of entries.flatMap((value) => NAMED[value.toLowerCase()] ?? [value])) {
    try {
      const [range, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), entry.includes(':') ? 128 : 32];
      const mapped = range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress();
      ranges.push(mapped ? [(range as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)] : [range, bits]);
    } catch {
      // Not an address: trusts nothing.
    }
  }
  return ranges;
}

const trusted = (address: ipaddr.IPv4 | ipaddr.IPv6, ranges: Range[]) =>
  ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range as never, bits));

/**
 * The client address from a forwarding header the Router relays, read as Express reads
 * X-Forwarded-For behind TRUST_PROXY: from the right, skipping the proxies named there; the first
 * hop not trusted is the client. The right-most entry is the one the proxy in front of the Router
 * appended (the Router adds none), so the Router must be reachable through that proxy alone.
 * Null when the header is missing or a hop on the way does not parse: the address is unknown.
 */
export function forwardedClientAddress(values: string[] | undefined, ranges: Range[]): string | null {
  const hops = (values ?? []).flatMap((value) => value.split(',')).map((hop) => hop.trim()).filter(Boolean);
  if (!hops.length) return null;
  for (let i = hops.length - 1; i >= 0; i--) {
    const address = parse(hops[i]);
    if (!address) return null;
    if (i === 0 || !trusted(address, ranges)) return address.toString();
  }
  return null;
}
