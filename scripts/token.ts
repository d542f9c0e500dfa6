import { signDevToken } from '../gateway/auth/dev-issuer';
import { loadDevKeys } from '../platform/dev-keys';
import { loadGatewayConfig } from '../gateway/config';

const USAGE = `usage: npm run -s token -- --tenant <slug> --roles <r1,r2> [--sub <id>] [--scopes <s1,s2>] [--ttl <seconds>]
       npm run -s token -- --platform [--sub <id>]`;

function parseArgs(argv: string[]): Map<string, string | true> {
  const args = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith('--')) throw new Error(`unexpected argument ${key}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args.set(key.slice(2), true);
    else args.set(key.slice(2), argv[++i]);
  }
  return args;
}

/** Prints an access token from the development issuer, and nothing else. */
async function main(): Promise<void> {
  const config = loadGatewayConfig();
  if (config.jwksUrl) throw new Error('JWKS_URL is set: tokens come from your identity provider, not this script');
  const args = parseArgs(process.argv.slice(2));
  const text = (key: string) => (typeof args.get(key) === 'string' ? (args.get(key) as string) : undefined);
  const platform = args.get('platform') === true;
  const tenant = text('tenant');
  const roles = (text('roles') ?? '').split(',').map((r) => r.trim()).filter(Boolean);
  if (!platform && (!tenant || roles.length === 0)) throw new Error(USAGE);
  const ttl = Number(text('ttl') ?? 3600);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) throw new Error('--ttl must be 1-86400 seconds');
  const keys = await loadDevKeys(config.keysDir);
  const token = await signDevToken(keys.accessToken.privateJwk, {
    issuer: config.tokenIssuer,
    audience: config.tokenAudience,
    subject: text('sub') ?? (platform ? 'platform-operator' : `${tenant}-${roles.join('-')}`),
    platform,
    tenant,
    roles,
    scopes: text('scopes')?.split(','),
    ttlSeconds: ttl,
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
