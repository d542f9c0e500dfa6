import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { AuditEvent } from '../../subgraphs/identity/entities/audit-event.entity';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
beforeAll(async () => {
  world = await seededStack({ endUsersPerTenant: 2 });
});
afterAll(() => world?.close());

describe('concurrent writes', () => {
  it('commit every record with its audit entry and transcript, none lost or half-written', async () => {
    const token = await world.env.token({ tenant: 'acme', roles: ['admin'] });
    const identity = world.stack.subgraphs.identity.dataSource;
    const before = [await identity.getRepository(EndUser).count(), await identity.getRepository(AuditEvent).count()];
    const writes = Array.from({ length: 40 }, (_, n) =>
      n % 2 === 0
        ? world.as(token).send('mutation($n: String) { createEndUser(input: { firstName: $n, ssn: "123-45-6789" }) { id } }', { n: `p${n}` })
        : world.as(token).send(
            'mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }',
            { input: { channel: 'CHAT', direction: 'INBOUND', transcript: [{ sequence: 1, speaker: 'END_USER', text: `hi ${n}` }, { sequence: 2, speaker: 'AGENT', text: 'hello' }] } },
          ),
    );
    const responses = await Promise.all(writes);
    expect(responses.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(await identity.getRepository(EndUser).count()).toBe(before[0] + 20);
    expect(await identity.getRepository(AuditEvent).count()).toBe(before[1] + 20);
  });
});
