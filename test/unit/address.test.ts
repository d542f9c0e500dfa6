import { addressAllowed, canonicalAddress, normaliseCidrs } from '../../platform/addresses';

const allowlist = (cidrs: string[]) => ({ mode: 'ALLOWLIST' as const, cidrs });

describe('client addresses and allowlists', () => {
  it('canonicalises IPv4-mapped IPv6 to IPv4', () => {
    expect(canonicalAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(canonicalAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(canonicalAddress('not an address')).toBe('0.0.0.0');
    expect(canonicalAddress(undefined)).toBe('0.0.0.0');
  });

  it('lets everyone in under EVERYONE', () => {
    expect(addressAllowed('198.51.100.1', { mode: 'EVERYONE', cidrs: [] })).toBe(true);
    expect(addressAllowed('198.51.100.1', null)).toBe(true);
  });

  it('matches IPv4, IPv6 and IPv4-mapped IPv6 against the list', () => {
    const policy = allowlist(['203.0.113.0/24', '2001:db8::/32']);
    expect(addressAllowed('203.0.113.200', policy)).toBe(true);
    expect(addressAllowed('::ffff:203.0.113.200', policy)).toBe(true);
    expect(addressAllowed('2001:db8:1::5', policy)).toBe(true);
    expect(addressAllowed('203.0.114.1', policy)).toBe(false);
    expect(addressAllowed('::ffff:198.51.100.1', policy)).toBe(false);
    expect(addressAllowed('2001:db9::1', policy)).toBe(false);
  });

  it('refuses what it cannot parse, and never throws on mixed families', () => {
    expect(addressAllowed('garbage', allowlist(['0.0.0.0/0']))).toBe(false);
    expect(addressAllowed('2001:db8::1', allowlist(['0.0.0.0/0']))).toBe(false);
    expect(addressAllowed('10.0.0.1', allowlist(['::/0']))).toBe(false);
    expect(addressAllowed('10.0.0.1', allowlist(['not-a-cidr']))).toBe(false);
  });

  it('stores IPv4-mapped CIDRs as IPv4 and names a bad entry', () => {
    expect(normaliseCidrs(['::ffff:10.0.0.0/104', ' 2001:db8::/32 '])).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(() => normaliseCidrs(['10.0.0.0/8', '10.0.0.0/33'])).toThrow(/cidrs\[1\]/);
  });
});
