import { addressAllowed, canonicalAddress, isProxyEntry, normaliseCidrs } from '../../platform/addresses';
import { loadGatewayConfig } from '../../gateway/config';
import { ConfigError } from '../../platform/env';

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

  it('stores a range the way it is enforced: one reading of IPv4-mapped ranges for storing and matching', () => {
    // A mapped range wider than the mapped block covers every IPv4 address, and matches as such.
    for (const cidr of ['::ffff:10.0.0.0/104', '::ffff:203.0.113.0/120', '::ffff:0:0/80']) {
      const [stored] = normaliseCidrs([cidr]);
      for (const address of ['10.1.2.3', '203.0.113.9', '198.51.100.1', '::ffff:10.1.2.3', '2001:db8::1']) {
        expect({ cidr, address, allowed: addressAllowed(address, allowlist([stored])) }).toEqual({ cidr, address, allowed: addressAllowed(address, allowlist([cidr])) });
      }
    }
    expect(normaliseCidrs(['::ffff:0:0/80'])).toEqual(['0.0.0.0/0']);
  });
});

describe('trusted proxies (TRUST_PROXY)', () => {
  it('takes what Express takes: named ranges, plain addresses, prefix lengths and IPv4 netmasks', () => {
    for (const entry of ['loopback', 'linklocal', 'uniquelocal', '10.0.0.1', '10.0.0.0/8', '10.0.0.0/255.0.0.0', '::1', 'fd00::/8', '2001:db8::/128']) {
      expect({ entry, ok: isProxyEntry(entry) }).toEqual({ entry, ok: true });
    }
  });

  it('refuses anything else, odd spellings of addresses included', () => {
    for (const entry of ['bogus', '10.0.0.0/33', '::1/129', '0x7f.1', '127.1', '10.0.0.0/255.0.255.0', '2001:db8::/ffff::', '10.0.0.0/', '/8', 'loopback/8', '10.0.0.0/8/8']) {
      expect({ entry, ok: isProxyEntry(entry) }).toEqual({ entry, ok: false });
    }
  });

  it('makes a bad entry a configuration problem that names it', () => {
    let error: unknown;
    try {
      loadGatewayConfig({ NODE_ENV: 'test', TRUST_PROXY: '10.0.0.0/8, bogus' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^TRUST_PROXY: "bogus"/)]);
    expect(loadGatewayConfig({ NODE_ENV: 'test', TRUST_PROXY: 'loopback,10.0.0.0/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
  });
});
