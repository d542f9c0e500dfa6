import { LocalAccessEvents } from '../../subgraphs/shared/access-events';
import { bearer, postGraphQL } from '../helpers/environment';
import { refusedWithin, secondGateway } from '../helpers/gateways';
import { seededStack } from '../helpers/stack';

const QUERY = '{ tenant { slug } }';

describe('a policy change reaches another gateway instance', () => {
  it('within the cache TTL when no announcement reaches it', async () => {
    const world = await seededStack({ env: { ACCESS_CACHE_TTL_MS: '500' } });
    // This instance hears no announcements: only its short cache lifetime bounds staleness.
    const other = await secondGateway(world, new LocalAccessEvents());
    try {
      const token = await world.env.token({ tenant: 'acme', roles: ['admin'] });
      expect((await postGraphQL(other.url, QUERY, undefined, bearer(token))).data.tenant.slug).toBe('acme');
      const change = await postGraphQL(
        world.stack.gatewayUrl,
        'mutation { updateTenantAccessPolicy(input: { mode: ALLOWLIST, cidrs: ["127.0.0.1/32"] }) { id } }',
        undefined,
        bearer(token),
      );
      expect(change.errors).toBeUndefined();
      // Still admitted (127.0.0.1 is listed); now narrow it to shut this address out.
      const { TenantService } = await import('../../subgraphs/identity/services/tenant.service');
      const { AccessMode } = await import('../../subgraphs/identity/entities/tenant.entity');
      await new TenantService(world.stack.subgraphs.identity.dataSource).updateAccessPolicy(
        world.acme.id, { mode: AccessMode.ALLOWLIST, cidrs: ['10.0.0.0/8'] }, '10.0.0.1', new LocalAccessEvents(),
      );
      expect(await refusedWithin(other.url, token, 2_000)).toBeLessThan(2_000);
    } finally {
      await other.gateway.close();
      await world.close();
    }
  });
});
