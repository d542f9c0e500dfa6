import { loadGatewayConfig } from '../../gateway/config';
import { ConfigError, loadSubgraphConfig } from '../../subgraphs/kit/config';
import { redisKey } from '../../platform/redis';

describe('REDIS_PREFIX', () => {
  const load = (REDIS_PREFIX?: string) => [loadGatewayConfig({ NODE_ENV: 'test', REDIS_PREFIX }).redisPrefix, loadSubgraphConfig({ NODE_ENV: 'test', REDIS_PREFIX }).redisPrefix];

  it('defaults to cx: in the gateway and the subgraphs alike', () => {
    expect(load()).toEqual(['cx:', 'cx:']);
    expect(load('')).toEqual(['cx:', 'cx:']);
  });

  it('takes a deployment name ending in a colon', () => {
    for (const prefix of ['cx-prod:', 'eu.west_1:', '{cx}:']) expect(load(prefix)).toEqual([prefix, prefix]);
  });

  it('refuses a prefix that could run into another deployment or break key names', () => {
    for (const prefix of ['cx', 'cx prod:', 'cx:*:', 'cx\n:', 'ünï:', ':', 'a'.repeat(41) + ':']) {
      expect(() => loadGatewayConfig({ NODE_ENV: 'test', REDIS_PREFIX: prefix })).toThrow(ConfigError);
      expect(() => loadSubgraphConfig({ NODE_ENV: 'test', REDIS_PREFIX: prefix })).toThrow(/REDIS_PREFIX/);
    }
  });

  it('puts every key under it', () => {
    expect(redisKey('cx-prod:', 'rl', 'requests')).toBe('cx-prod:rl:requests');
    expect(redisKey('cx-prod:', 'ctx-seen', 'identity', 'abc')).toBe('cx-prod:ctx-seen:identity:abc');
  });
});
