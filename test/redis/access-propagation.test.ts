import { RedisAccessEvents } from '../../subgraphs/shared/access-events';
import { bearer, postGraphQL } from '../helpers/environment';
import { seededStack } from '../helpers/stack';
import { refusedWithin, secondGateway } from '../helpers/gateways';

const QUERY = '{ tenant { slug } }';

// Runs when REDIS_URL names a Redis server (CI sets it).
describe('a policy change reaches another gateway instance through Redis', () => {
  it('at once through Redis, whatever the cache TTL (REDIS_URL)', async () => {
    const redisUrl = process.env.REDIS_URL!;
    const world = await seededStack({ env: { ACCESS_CACHE_TTL_MS: '60000', REDIS_URL: redisUrl } });
    const events = new RedisAccessEvents(redisUrl);
    const other = await secondGateway(world, events);
    try {
      const token = await world.env.token({ tenant: 'acme', roles: ['admin'] });
      expect((await postGraphQL(other.url, QUERY, undefined, bearer(token))).data.tenant.slug).toBe('acme');
      const { TenantService } = await import('../../subgraphs/identity/services/tenant.service');
      const { AccessMode } = await import('../../subgraphs/identity/entities/tenant.entity');
      const publisher = new RedisAccessEvents(redisUrl);
      await new TenantService(world.stack.subgraphs.identity.dataSource).updateAccessPolicy(
        world.acme.id, { mode: AccessMode.ALLOWLIST, cidrs: ['10.0.0.0/8'] }, '10.0.0.1', publisher,
      );
      await publisher.close();
      // The cache would hold the old answer for a minute; the announcement drops it.
      expect(await refusedWithin(other.url, token, 1_000)).toBeLessThan(1_000);
    } finally {
      await other.gateway.close();
      await events.close();
      await world.close();
    }
  });
});
