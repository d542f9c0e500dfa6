import { RedisAccessEvents } from '../../platform/access-events';
import { httpClient } from '../helpers/graphql';
import { secondGateway } from '../helpers/gateways';
import { seededStack } from '../helpers/stack';

// Runs when REDIS_URL names a Redis server (CI sets it).
describe('rate limits shared through Redis', () => {
  it('makes two gateway instances spend one budget per tenant', async () => {
    const redisUrl = process.env.REDIS_URL!;
    const world = await seededStack({ endUsersPerTenant: 1, env: { REDIS_URL: redisUrl, RATE_LIMIT_REQUESTS: '10' } });
    const events = new RedisAccessEvents(redisUrl);
    const other = await secondGateway(world, events);
    try {
      const token = await world.env.token({ tenant: 'acme', roles: ['admin'] });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        for (const url of [world.stack.gatewayUrl, other.url]) {
          statuses.push((await httpClient(url, token).send('{ me { id } }')).status);
        }
      }
      // Sixteen requests over two instances against one budget of ten.
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(6);
      const globex = await world.env.token({ tenant: 'globex', roles: ['admin'] });
      expect((await httpClient(other.url, globex).send('{ me { id } }')).status).toBe(200);
    } finally {
      await other.gateway.close();
      await events.close();
      await world.close();
    }
  });
});
