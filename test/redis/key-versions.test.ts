import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { RedisAccessEvents } from '../../platform/access-events';
import { Keyring } from '../../subgraphs/kit/crypto/keyring';
import { buildKeyStore } from '../../subgraphs/kit/crypto/key-store';
import { LocalMasterKeys } from '../../subgraphs/kit/crypto/master-keys';
import { TenantDataKey } from '../../subgraphs/kit/crypto/tenant-data-key.entity';
import { newId } from '../../subgraphs/kit/tenant-entity';

// Runs when REDIS_URL names a Redis server. Two processes' keyrings over one key store, each with
// its own Redis connection under one deployment prefix: a key destroyed by one is not served from
// the other's cache.
const redisUrl = process.env.REDIS_URL!;
const prefix = `cxtest${randomBytes(4).toString('hex')}:`;
let dir: string;
let data: DataSource;
let keyStore: DataSource;
const events: RedisAccessEvents[] = [];
const master = new LocalMasterKeys(LocalMasterKeys.generate('redis-key-versions'));

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-key-versions-'));
  data = await new DataSource({ type: 'better-sqlite3', database: path.join(dir, 'data.sqlite'), entities: [TenantDataKey], synchronize: true }).initialize();
  keyStore = await buildKeyStore({ subgraph: 'identity', dataDir: dir }).initialize();
});
afterAll(async () => {
  await Promise.all(events.map((channel) => channel.close()));
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await data?.destroy();
  await keyStore?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const processWithRedis = () => {
  const channel = new RedisAccessEvents(redisUrl, prefix);
  events.push(channel);
  return new Keyring(data, master, keyStore, channel);
};

it('never serves a key another process destroyed, through the version both read in Redis', async () => {
  const tenant = newId();
  const [erasing, serving] = [processWithRedis(), processWithRedis()];
  const subject = newId();
  const sealed = await erasing.subjects(tenant).encrypt(subject, 'erase me', 'ctx');
  expect(await serving.subjects(tenant).decrypt(subject, sealed, 'ctx')).toBe('erase me');
  expect(await serving.subjects(tenant).decrypt(subject, sealed, 'ctx')).toBe('erase me');
  await erasing.subjects(tenant).destroy([subject]);
  expect(serving.subjectCache.has(`${tenant}/${subject}`)).toBe(true);
  expect(await serving.subjects(tenant).decrypt(subject, sealed, 'ctx')).toBeNull();
});
