import { randomBytes } from 'node:crypto';
import { isIP, type LookupFunction } from 'node:net';
import fc from 'fast-check';
import { startFakeCrm, type FakeCrm, type FakeProvider } from '../../scripts/crm-fake/fake-crm';
import { loadSubgraphConfig } from '../../subgraphs/kit/config';
import { FieldCipher } from '../../subgraphs/kit/crypto/field-cipher';
import { RecipientRole } from '../../subgraphs/kit/recipient-role';
import { CrmConnection, CrmConnectionStatus, CrmProvider } from '../../subgraphs/crm/entities/crm-connection.entity';
import { checkBaseUrl, crmOrigin, hostAllowed, parseBaseUrl } from '../../subgraphs/crm/services/base-url';
import { CrmError } from '../../subgraphs/crm/services/connectors/crm-connector';
import { openCredentials, sealCredentials } from '../../subgraphs/crm/services/credentials';
import { CrmRuntime } from '../../subgraphs/crm/services/crm-runtime';
import { isPublicAddress } from '../../platform/addresses';
import { startRecordingListener, type RecordingListener } from '../helpers/recording-listener';

const ipv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const hex = (n: number) => `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;

/** Every IPv6 spelling that carries an IPv4 address. */
const EMBEDDINGS: Record<string, (n: number) => string> = {
  mapped: (n) => `::ffff:${ipv4(n)}`,
  mappedHex: (n) => `::ffff:${hex(n)}`,
  compatible: (n) => `::${hex(n)}`,
  compatibleDotted: (n) => `::${ipv4(n)}`,
  translated: (n) => `::ffff:0:${hex(n)}`,
  nat64: (n) => `64:ff9b::${hex(n)}`,
  nat64Local: (n) => `64:ff9b:1::${hex(n)}`,
  sixToFour: (n) => `2002:${hex(n)}::1`,
  teredo: (n) => `2001:0:4136:e378:8000:63bf:${hex(~n >>> 0)}`,
};

const PRIVATE_V4 = [
  '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
  '0.0.0.0', '0.1.2.3', '192.0.0.1', '192.0.2.1', '198.18.0.1', '198.19.255.1', '198.51.100.1', '203.0.113.1', '224.0.0.1',
  '239.255.255.250', '240.0.0.1', '255.255.255.255', '192.88.99.1',
];
const PRIVATE_V6 = [
  '::', '::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'febf::1', 'fec0::1', 'ff02::1', 'ff0e::1', '2001:db8::1', '2001:2::1',
  '2001::1', '2001:10::1', '3fff::1', '5f00::1', '100::1', 'fe80::1%eth0', '2606:4700::1111%1',
];
const PUBLIC = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '104.16.0.1', '2606:4700::1111', '2a00:1450:4001:80e::200e', '2001:4860:4860::8888'];

describe('the public-address rule', () => {
  it('accepts ordinary public unicast addresses only', () => {
    for (const address of PUBLIC) expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: true });
    for (const address of [...PRIVATE_V4, ...PRIVATE_V6, '', 'localhost', '0x7f.1', '2130706433', '127.1', '0177.0.0.1', '127.000.000.001', '[::1]']) {
      expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: false });
    }
    expect(isPublicAddress(undefined)).toBe(false);
  });

  it('refuses every IPv6 form embedding an IPv4 address, whatever that address is', () => {
    for (const [form, spell] of Object.entries(EMBEDDINGS)) {
      for (const address of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '8.8.8.8']) {
        const n = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
        expect({ form, address, public: isPublicAddress(spell(n)) }).toEqual({ form, address, public: false });
      }
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...Object.keys(EMBEDDINGS)), (n, form) => !isPublicAddress(EMBEDDINGS[form](n))),
      { numRuns: 2_000 },
    );
  });

  it('refuses every address in a private or special IPv4 range, and all of IPv6 outside 2000::/3', () => {
    const inRange = (base: string, bits: number) =>
      fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => ipv4((base.split('.').reduce((s, o) => s * 256 + Number(o), 0) + offset) >>> 0));
    const ranges: [string, number][] = [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3]];
    fc.assert(fc.property(fc.oneof(...ranges.map(([base, bits]) => inRange(base, bits))), (address) => !isPublicAddress(address)), { numRuns: 2_000 });
    const first = fc.oneof(fc.integer({ min: 0, max: 0x1fff }), fc.integer({ min: 0x4000, max: 0xffff }));
    const outsideGlobal = fc
      .tuple(first, fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }))
      .map(([head, rest]) => [head, ...rest].map((g) => g.toString(16)).join(':'));
    fc.assert(fc.property(outsideGlobal, (address) => !isPublicAddress(address)), { numRuns: 2_000 });
  });
});

describe('base URLs when they are stored', () => {
  const production = { production: true, crm: { allowPrivateAddresses: false, allowedHosts: ['crm.internal.example', 'crm.ops.example:8443', '[fd00::5]:9443'] } };
  const resolveTo = (...addresses: string[]) => (async () => addresses.map((address) => ({ address, family: isIP(address) }))) as never;
  const refused = (url: string, resolve = resolveTo('93.184.216.34')) =>
    expect(checkBaseUrl(url, production, resolve)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'baseUrl' } });

  it('refuses every disguise of a private address in the host', async () => {
    const hosts = [
      '127.0.0.1', '0x7f.1', '0x7f000001', '2130706433', '127.1', '0177.0.0.1', '017700000001', '127.0.0.1.', '0', '10.1', '169.254.169.254',
      '0xa9.0xfe.0xa9.0xfe', '[::1]', '[::127.0.0.1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::ffff:0:7f00:1]', '[64:ff9b::7f00:1]',
      '[64:ff9b::127.0.0.1]', '[64:ff9b:1::a00:1]', '[2002:7f00:1::1]', '[2001:0:4136:e378:8000:63bf:80ff:fffe]', '[fc00::1]', '[fd00::1]',
      '[fe80::1]', '[fec0::1]', '[ff02::1]', '[::]', '[2001:db8::1]', '[2001:2::1]', '[3fff::1]', '[::ffff:169.254.169.254]', '[0:0:0:0:0:ffff:a9fe:a9fe]',
    ];
    for (const host of hosts) await refused(`https://${host}/api`);
    for (const n of [0x7f000001, 0x0a000001, 0xa9fea9fe]) {
      for (const spell of Object.values(EMBEDDINGS)) await refused(`https://[${spell(n)}]`);
    }
  });

  it('refuses a host name when any of its addresses is not public', async () => {
    for (const addresses of [['127.0.0.1'], ['93.184.216.34', '10.0.0.1'], ['::ffff:127.0.0.1'], ['::127.0.0.1'], ['64:ff9b::a9fe:a9fe'], ['fd00::1'], []]) {
      await refused('https://crm.example.com', resolveTo(...addresses));
    }
    await refused('https://nowhere.example', (async () => {
      throw new Error('ENOTFOUND');
    }) as never);
  });

  it('refuses plain http in production, user info, queries, fragments and empty labels', async () => {
    for (const url of ['http://api.hubapi.com', 'https://user:pw@api.hubapi.com', 'https://user@api.hubapi.com', 'https://api.hubapi.com/?a=1', 'https://api.hubapi.com/#x', 'https://a..example', 'ftp://crm.example', 'not a url', 'https://']) {
      await refused(url);
    }
  });

  it('lets CRM_ALLOWED_HOSTS name a host and port, a host alone meaning its default port only', async () => {
    const privateDns = resolveTo('10.0.0.5');
    expect(await checkBaseUrl('https://crm.internal.example/x/', production, privateDns)).toBe('https://crm.internal.example/x');
    expect(await checkBaseUrl('https://CRM.Internal.Example.:443', production, privateDns)).toBe('https://crm.internal.example');
    expect(await checkBaseUrl('https://crm.ops.example:8443/api', production, privateDns)).toBe('https://crm.ops.example:8443/api');
    expect(await checkBaseUrl('https://[fd00::5]:9443', production, privateDns)).toBe('https://[fd00::5]:9443');
    for (const url of ['https://crm.internal.example:8443', 'https://crm.internal.example:444', 'https://crm.ops.example', 'https://crm.ops.example:8444', 'https://[fd00::5]', 'https://[fd00::6]:9443', 'https://evil.crm.internal.example', 'https://crm.internal.example.evil.example']) {
      await refused(url, privateDns);
    }
    const development = { production: false, crm: { allowPrivateAddresses: false, allowedHosts: ['127.0.0.1:4010', 'localhost'] } };
    expect(hostAllowed(new URL('http://127.0.0.1:4010/hubspot'), development.crm.allowedHosts)).toBe(true);
    expect(hostAllowed(new URL('http://0x7f.1:4010/hubspot'), development.crm.allowedHosts)).toBe(true);
    expect(hostAllowed(new URL('http://127.0.0.1:4011/hubspot'), development.crm.allowedHosts)).toBe(false);
    expect(hostAllowed(new URL('http://127.0.0.1/hubspot'), development.crm.allowedHosts)).toBe(false);
    expect(hostAllowed(new URL('http://localhost'), development.crm.allowedHosts)).toBe(true);
    expect(hostAllowed(new URL('https://localhost'), development.crm.allowedHosts)).toBe(true);
    expect(hostAllowed(new URL('http://localhost:443'), development.crm.allowedHosts)).toBe(false);
    expect(hostAllowed(new URL('http://127.0.0.1:4010'), ['127.0.0.1:4010:1', 'http://127.0.0.1:4010', '127.0.0.1:', ''])).toBe(false);
  });

  it('reads CRM_ALLOWED_HOSTS as host or host:port entries and refuses anything else at start-up', () => {
    const read = (value: string) => loadSubgraphConfig({ NODE_ENV: 'test', CRM_ALLOWED_HOSTS: value }).crm.allowedHosts;
    expect(read(' CRM.Internal.Example , 127.0.0.1:4010,[fd00::5]:9443 ')).toEqual(['crm.internal.example', '127.0.0.1:4010', '[fd00::5]:9443']);
    for (const bad of ['https://crm.example', 'crm.example/path', 'user@crm.example', 'crm.example:80:1', 'fd00::5', '*.example.com']) {
      expect(() => read(bad)).toThrow(/CRM_ALLOWED_HOSTS/);
    }
  });
});

describe('origins that credentials are bound to', () => {
  it('are the same for spellings of one origin and differ for another scheme, host or port', () => {
    const origin = 'https://crm.example.com:443';
    for (const url of ['https://crm.example.com', 'HTTPS://CRM.EXAMPLE.COM/', 'https://crm.example.com.', 'https://crm.example.com:443/other/path', 'https://crm.example.com/api/v2/']) {
      expect({ url, origin: crmOrigin(url) }).toEqual({ url, origin });
    }
    for (const url of ['http://crm.example.com', 'https://crm.example.com:8443', 'https://crm.example.com.evil.example', 'https://evil.example/crm.example.com', 'https://crm-example.com', 'https://[::1]']) {
      expect({ url, differs: crmOrigin(url) !== origin }).toEqual({ url, differs: true });
    }
    expect(crmOrigin('not a url')).toBeNull();
    expect(crmOrigin('https://user:pw@crm.example.com')).toBeNull();
    expect(parseBaseUrl('https://0x7f.1', false).hostname).toBe('127.0.0.1');
  });
});

describe('stored credentials', () => {
  const cipher = new FieldCipher(randomBytes(32), randomBytes(32));
  const row = (overrides: Partial<CrmConnection> = {}) =>
    Object.assign(new CrmConnection(), { id: 'c-1', tenantId: 't-1', provider: CrmProvider.HUBSPOT, baseUrl: 'https://api.hubapi.com', ...overrides });
  const sealed = () => {
    const connection = row();
    sealCredentials(cipher, connection, { accessToken: 'pat-secret-token' });
    return connection;
  };

  it('open for the provider and origin they were given for, whatever the path or spelling', () => {
    for (const baseUrl of ['https://api.hubapi.com', 'https://API.hubapi.com/', 'https://api.hubapi.com.', 'https://api.hubapi.com:443/v3']) {
      expect(openCredentials(cipher, { ...sealed(), baseUrl } as CrmConnection)).toEqual({ accessToken: 'pat-secret-token' });
    }
  });

  it('do not open when the row is pointed at another origin or provider, or moved to another connection or tenant', () => {
    const changes: Partial<CrmConnection>[] = [
      { baseUrl: 'https://evil.example' },
      { baseUrl: 'http://api.hubapi.com' },
      { baseUrl: 'https://api.hubapi.com:8443' },
      { baseUrl: 'https://api.hubapi.com.evil.example' },
      { baseUrl: 'https://127.0.0.1' },
      { baseUrl: 'not a url' },
      { baseUrl: 'https://user:pw@api.hubapi.com' },
      { provider: CrmProvider.SALESFORCE },
      { provider: CrmProvider.ZENDESK },
      { id: 'c-2' },
      { tenantId: 't-2' },
    ];
    for (const change of changes) {
      const moved = Object.assign(sealed(), change);
      const error = (() => {
        try {
          openCredentials(cipher, moved);
        } catch (caught) {
          return caught;
        }
      })();
      expect({ change, error }).toEqual({ change, error: expect.any(CrmError) });
      expect((error as CrmError).kind).toBe('auth');
      expect((error as Error).message).not.toMatch(/pat-secret|evil/);
    }
  });

  it('sealed before they were bound to an origin do not open', () => {
    const legacy = row();
    legacy.credentialsEncrypted = cipher.encrypt(JSON.stringify({ accessToken: 'pat-secret-token' }), 'crm_connections/t-1/c-1/credentials');
    expect(() => openCredentials(cipher, legacy)).toThrow(CrmError);
  });
});

describe('calls at connect time', () => {
  let fake: FakeCrm;
  let trap: RecordingListener;
  beforeAll(async () => {
    fake = await startFakeCrm();
    trap = await startRecordingListener();
  });
  afterAll(async () => {
    await fake.close();
    await trap.close();
  });
  afterEach(() => {
    for (const provider of ['hubspot', 'salesforce', 'zendesk'] as const) fake.setMode(provider, { kind: 'up' });
  });

  const settings = (overrides: Partial<CrmRuntime['settings']> = {}) => ({
    ...loadSubgraphConfig({ NODE_ENV: 'test' }).crm,
    timeoutMs: 1_000,
    retries: 0,
    retryBaseMs: 1,
    cacheTtlMs: 0,
    allowPrivateAddresses: false,
    allowedHosts: [] as string[],
    ...overrides,
  });
  const PROVIDERS: [CrmProvider, FakeProvider][] = [[CrmProvider.HUBSPOT, 'hubspot'], [CrmProvider.SALESFORCE, 'salesforce'], [CrmProvider.ZENDESK, 'zendesk']];
  let serial = 0;
  const connection = (provider: CrmProvider, baseUrl: string) =>
    Object.assign(new CrmConnection(), { id: `c-${++serial}`, tenantId: 't-1', name: 'x', provider, baseUrl, role: RecipientRole.SERVICE_PROVIDER, status: CrmConnectionStatus.ACTIVE });
  /** A resolver that answers with the given addresses, as a rebinding DNS server would at connect time. */
  const lookupTo = (...addresses: string[]) => {
    const asked: string[] = [];
    const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      asked.push(hostname);
      const entries = addresses.map((address) => ({ address, family: isIP(address) }));
      if (options.all) callback(null, entries);
      else callback(null, entries[0].address, entries[0].family);
    }) as unknown as LookupFunction;
    return { lookup, asked };
  };
  const total = () => fake.requests('hubspot') + fake.requests('salesforce') + fake.requests('zendesk');
  /** Lookups by email, a create with personal data: none may leave when the address is refused. */
  async function tryEverything(runtime: CrmRuntime, baseUrlOf: (key: FakeProvider) => string) {
    const errors: unknown[] = [];
    const outcome = async (work: () => Promise<unknown>) => {
      try {
        return await work();
      } catch (error) {
        return error;
      }
    };
    for (const [provider, key] of PROVIDERS) {
      const connector = () => runtime.connector(connection(provider, baseUrlOf(key)), fake.credentials[key]);
      errors.push(await outcome(() => connector().findByEmail('ada@example.com')));
      errors.push(await outcome(() => connector().create({ firstName: 'Ada', email: 'ada@example.com', phone: '+14155550100' })));
    }
    return errors;
  }
  const path = (url: string) => new URL(url).pathname;

  it('refuses a host name that resolves to a private address when it connects, though it resolved to a public one when stored', async () => {
    const stored = await checkBaseUrl(`http://crm.rebind.example:${fake.port}/hubspot`, { production: false, crm: settings() }, (async () => [{ address: '93.184.216.34', family: 4 }]) as never);
    expect(stored).toBe(`http://crm.rebind.example:${fake.port}/hubspot`);
    for (const [address, scheme] of ['127.0.0.1', '::ffff:127.0.0.1', '::127.0.0.1', '0.0.0.0', '10.0.0.1', '169.254.169.254', '64:ff9b::7f00:1', '2002:7f00:1::1', 'fe80::1', '::1'].flatMap((a) => [[a, 'http'], [a, 'https']])) {
      const { lookup, asked } = lookupTo(address);
      const before = total();
      const errors = await tryEverything(new CrmRuntime(settings(), { lookup }), (key) => `${scheme}://crm.rebind.example:${fake.port}${path(fake.urls[key])}`);
      expect({ address, reached: total() - before }).toEqual({ address, reached: 0 });
      expect(asked.length).toBeGreaterThan(0);
      for (const error of errors) expect(error).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/address that is not allowed$/) });
    }
    // A public answer mixed with a private one is refused too.
    const mixed = lookupTo('93.184.216.34', '127.0.0.1');
    const before = total();
    await tryEverything(new CrmRuntime(settings(), { lookup: mixed.lookup }), (key) => `http://crm.rebind.example:${fake.port}${path(fake.urls[key])}`);
    expect(total()).toBe(before);
  });

  it('reaches the same listener when the host and port are allowlisted (so the refusals above are the guard at work)', async () => {
    const { lookup } = lookupTo('127.0.0.1');
    const before = total();
    const errors = await tryEverything(new CrmRuntime(settings({ allowedHosts: [`crm.rebind.example:${fake.port}`] }), { lookup }), (key) => `http://crm.rebind.example:${fake.port}${path(fake.urls[key])}`);
    expect(errors.filter((e) => e instanceof Error)).toEqual([]);
    expect(total() - before).toBeGreaterThanOrEqual(6);
  });

  it('refuses a stored row that points at a literal private address in any spelling, sending nothing', async () => {
    const runtime = new CrmRuntime(settings({ allowedHosts: [`127.0.0.1:${fake.port}`] }));
    for (const host of ['127.0.0.1', '0x7f.1', '2130706433', '127.1', '0177.0.0.1', '[::ffff:127.0.0.1]', '[::127.0.0.1]', '[::ffff:7f00:1]', '[::1]', '127.0.0.2']) {
      for (const scheme of ['http', 'https']) {
        const errors = await tryEverything(runtime, () => `${scheme}://${host}:${trap.port}/api`);
        for (const error of errors) expect({ host, scheme, error: (error as Error).message }).toEqual({ host, scheme, error: expect.stringMatching(/address that is not allowed$/) });
      }
    }
    expect(trap.connections).toBe(0);
    expect(trap.received()).toBe('');
  });

  it('refuses an allowlisted host on another port, and a host-only entry on anything but the default port', async () => {
    const before = total();
    for (const allowedHosts of [[`127.0.0.1:${fake.port}`], ['127.0.0.1'], [`localhost:${trap.port}`]]) {
      const runtime = new CrmRuntime(settings({ allowedHosts }));
      await tryEverything(runtime, () => `http://127.0.0.1:${trap.port}/api`);
      if (allowedHosts[0] === '127.0.0.1') await tryEverything(runtime, (key) => fake.urls[key]);
    }
    expect(total()).toBe(before);
    expect(trap.connections).toBe(0);
  });

  it('never follows a redirect, to a private address or anywhere', async () => {
    const runtime = new CrmRuntime(settings({ allowedHosts: [`127.0.0.1:${fake.port}`, `127.0.0.1:${trap.port}`] }));
    for (const [, key] of PROVIDERS) fake.setMode(key, { kind: 'redirect', location: `${trap.url}/stolen` });
    for (const status of [301, 302, 303, 307, 308]) {
      for (const [, key] of PROVIDERS) fake.setMode(key, { kind: 'redirect', location: `${trap.url}/stolen`, status });
      const errors = await tryEverything(runtime, (key) => fake.urls[key]);
      for (const error of errors) expect(error).toMatchObject({ kind: 'unavailable', message: expect.stringContaining(`redirect, which is not followed (HTTP ${status})`) });
    }
    expect(trap.connections).toBe(0);
  });

  it('refuses a stored plain-http base URL in production before connecting', async () => {
    const runtime = new CrmRuntime(settings({ allowedHosts: [`127.0.0.1:${fake.port}`] }), { production: true });
    const before = total();
    const errors = await tryEverything(runtime, (key) => fake.urls[key]);
    for (const error of errors) expect(error).toMatchObject({ kind: 'unavailable', message: "the connection's base URL must be an https URL" });
    expect(total()).toBe(before);
  });
});
