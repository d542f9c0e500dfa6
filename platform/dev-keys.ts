import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface KeyPairJwk {
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface DevKeys {
  /** Signs the development issuer's access tokens (`npm run token`); the gateway verifies them. */
  accessToken: KeyPairJwk;
  /** Signs the tokens the gateway itself issues to API clients (POST /oauth/token). */
  clientToken: KeyPairJwk;
  /** The gateway's master secret for subgraph contexts (base64url); subgraphs derive their own key. */
  contextSecret: string;
  /** Master keys that wrap tenant data keys, in MASTER_KEYS form (`id:key`). */
  masterKeys: string;
}

const ALGORITHMS = { accessToken: 'ES256', clientToken: 'ES256' } as const;

async function create(name: keyof DevKeys): Promise<KeyPairJwk | string> {
  if (name === 'contextSecret') return randomBytes(32).toString('base64url');
  if (name === 'masterKeys') return `dev1:${randomBytes(32).toString('base64url')}`;
  return createPair(ALGORITHMS[name]);
}

async function createPair(alg: string): Promise<KeyPairJwk> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return {
    privateJwk: { ...(await exportJWK(privateKey)), alg, kid, use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), alg, kid, use: 'sig' },
  };
}

/**
 * Loads the development keys from `dir`, generating any that are missing. Files are created
 * owner-only and published by a hard link, so processes starting at once agree on one key.
 */
export async function loadDevKeys(dir: string): Promise<DevKeys> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = {} as DevKeys;
  for (const name of ['accessToken', 'clientToken', 'contextSecret', 'masterKeys'] as (keyof DevKeys)[]) {
    const file = path.join(dir, `${name}.jwk.json`);
    if (!fs.existsSync(file)) {
      const temp = `${file}.${process.pid}.${randomUUID()}`;
      fs.writeFileSync(temp, JSON.stringify(await create(name)), { mode: 0o600 });
      try {
        fs.linkSync(temp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        fs.unlinkSync(temp);
      }
    }
    (keys as unknown as Record<string, unknown>)[name] = JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  return keys;
}
