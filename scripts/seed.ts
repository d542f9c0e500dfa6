import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Channel as SharedChannel } from '../subgraphs/kit/channel';
import { ContactOptOut } from '../subgraphs/consent/entities/contact-opt-out.entity';
import type { SubgraphName } from '../subgraphs/kit/config';
import { newId } from '../subgraphs/kit/tenant-entity';
import { TenantScope } from '../subgraphs/kit/tenant-repository';
import { EndUser, Gender, MaritalStatus } from '../subgraphs/identity/entities/end-user.entity';
import { ENCRYPTED_FIELDS, EndUserCodec, type EncryptedFields } from '../subgraphs/identity/services/end-user-codec';
import { Keyring } from '../subgraphs/kit/crypto/keyring';
import { sealSegment } from '../subgraphs/interactions/services/transcript-cipher';
import { AccessMode, Deployment, Tenant, TenantStatus } from '../subgraphs/identity/entities/tenant.entity';
import { Channel, Direction, Interaction } from '../subgraphs/interactions/entities/interaction.entity';
import { Speaker, TranscriptSegment } from '../subgraphs/interactions/entities/transcript-segment.entity';
import { ConsentPurpose, ConsentRecord, ConsentSource } from '../subgraphs/consent/entities/consent-record.entity';
import { PolicyVersion } from '../subgraphs/consent/entities/policy-version.entity';
import { CrmConnection, CrmConnectionStatus, CrmProvider } from '../subgraphs/crm/entities/crm-connection.entity';
import { RecipientRole } from '../subgraphs/kit/recipient-role';
import { CrmLink, CrmLinkMethod } from '../subgraphs/crm/entities/crm-link.entity';
import { sealCredentials } from '../subgraphs/crm/services/credentials';
import { FAKE_CREDENTIALS } from './crm-fake/fake-crm';
import { PlatformTables } from '../subgraphs/kit/platform-tables';

export const DEMO_TENANTS = [
  { slug: 'acme', name: 'Acme Corporation', deployment: Deployment.PUBLIC_CLOUD, region: 'us-east-1' },
  { slug: 'globex', name: 'Globex Europe', deployment: Deployment.PRIVATE_CLOUD, region: 'eu-west-1' },
] as const;

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Radia', 'Linus', 'Frances', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Perlman', 'Allen'];
const CITIES = [['Springfield', 'IL', 'US'], ['Portland', 'OR', 'US'], ['Dublin', null, 'IE'], ['Lyon', null, 'FR']] as const;
const LINES = [
  'Hello, I am calling about my last invoice.',
  'Thanks for calling, let me look that up for you.',
  'Could you confirm your postal code?',
  'Everything is sorted now, is there anything else?',
];

/** Demo phone numbers: +1555 and seven digits unique per tenant and person. */
export const demoPhone = (tenantIndex: number, n: number) => `+1555${String(1_000_000 + tenantIndex * 100_000 + n).slice(-7)}`;

/** Small deterministic generator, so every fresh start shows the same demo data. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export type DataSources = Record<SubgraphName, DataSource>;
/** Each subgraph's keyring (identity's and interactions' with their key stores). */
export type Keyrings = Record<SubgraphName, Keyring>;

/**
 * Seeds the demo tenants when identity holds no tenant yet; returns whether it did. Their CRM
 * connections point at the fake CRM at `crmFakeUrl` (config's `crm.fakeUrl`).
 */
export async function seedDemoData(sources: DataSources, keyrings: Keyrings, endUsersPerTenant = 50, crmFakeUrl = 'http://127.0.0.1:4010'): Promise<boolean> {
  const tenants = PlatformTables.of(sources.identity).repo(Tenant);
  if ((await tenants.count()) > 0) return false;
  for (const [index, demo] of DEMO_TENANTS.entries()) {
    const next = random(index + 1);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const tenant = await tenants.save(
      tenants.create({
        ...demo,
        id: newId(),
        status: TenantStatus.ACTIVE,
        accessMode: AccessMode.EVERYONE,
        allowedCidrs: [],
        // A public chat-widget key for the local demo page; admins read it in `tenant { widget { key } }`.
        widgetKey: `cxw_${randomBytes(24).toString('base64url')}`,
        widgetOrigins: ['http://localhost:5173'],
      }),
    );
    const scope = (name: SubgraphName) => TenantScope.of(sources[name], tenant.id);

    const people = scope('identity').repo(EndUser);
    const tenantCipher = await keyrings.identity.cipherFor(tenant.id);
    const personKeys = keyrings.identity.subjects(tenant.id);
    const endUsers: EndUser[] = [];
    for (let n = 0; n < endUsersPerTenant; n++) {
      const [firstName, lastName] = [pick(FIRST), pick(LAST)];
      const [city, region, country] = pick(CITIES);
      const row = people.create({ dataRegion: demo.region, externalRef: `${demo.slug}-crm-${1000 + n}` });
      const codec = await EndUserCodec.forRow(personKeys, tenantCipher, row, true);
      const fields: EncryptedFields = {
        firstName,
        lastName,
        email: `${firstName}.${lastName}.${n}@${demo.slug}.example`.toLowerCase(),
        phone: demoPhone(index, n),
        address: { line1: `${n + 1} Main Street`, line2: null, city, region, postalCode: `${10000 + n}`, country },
        gender: pick(Object.values(Gender)),
        dateOfBirth: `${1950 + Math.floor(next() * 50)}-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 9)}`,
        ssn: `${100 + Math.floor(next() * 500)}-${10 + Math.floor(next() * 89)}-${1000 + Math.floor(next() * 8999)}`,
        maritalStatus: pick(Object.values(MaritalStatus)),
        geolocation: n % 3 === 0 ? { latitude: 40 + next(), longitude: -74 - next(), accuracy: 25, capturedAt: new Date() } : null,
      };
      for (const field of ENCRYPTED_FIELDS) codec.write(row, field, fields[field] as never);
      endUsers.push(row);
    }
    await people.saveMany(endUsers);

    const interactions = scope('interactions').repo(Interaction);
    const segments = scope('interactions').repo(TranscriptSegment);
    const interactionRows: Interaction[] = [];
    const segmentRows: TranscriptSegment[] = [];
    const transcriptKeys = keyrings.interactions.subjects(tenant.id);
    for (const endUser of endUsers) {
      const cipher = await transcriptKeys.cipherForWrite(endUser.id);
      for (let i = 0; i < 1 + Math.floor(next() * 3); i++) {
        const startedAt = new Date(Date.now() - Math.floor(next() * 30 * 86_400_000));
        const interaction = interactions.create({
          endUserId: endUser.id,
          channel: pick(Object.values(Channel)),
          direction: next() < 0.8 ? Direction.INBOUND : Direction.OUTBOUND,
          startedAt,
          endedAt: new Date(startedAt.getTime() + 60_000 + Math.floor(next() * 600_000)),
          agentId: `${demo.slug}-agent-${1 + Math.floor(next() * 5)}`,
          queue: pick(['billing', 'support', 'sales']),
          disposition: pick(['RESOLVED', 'CALLBACK', 'ESCALATED']),
        });
        interactionRows.push(interaction);
        LINES.forEach((text, sequence) =>
          segmentRows.push(
            sealSegment(
              cipher,
              segments.create({
                interactionId: interaction.id,
                sequence: sequence + 1,
                speaker: sequence % 2 === 0 ? Speaker.END_USER : Speaker.AGENT,
                occurredAt: new Date(startedAt.getTime() + sequence * 15_000),
              }),
              text,
            ),
          ),
        );
      }
    }
    await interactions.saveMany(interactionRows);
    await segments.saveMany(segmentRows);

    const policies = scope('consent').repo(PolicyVersion);
    const policy = await policies.save(
      policies.create({
        version: '2026-01',
        publishedAt: new Date('2025-12-01T00:00:00Z'),
        effectiveAt: new Date('2026-01-01T00:00:00Z'),
        summary: `${demo.name} privacy notice: contact, analytics and CRM sharing.`,
        material: true,
      }),
    );
    const consents = scope('consent').repo(ConsentRecord);
    await consents.saveMany(
      endUsers.flatMap((endUser) =>
        [ConsentPurpose.CONTACT_EMAIL, ConsentPurpose.ANALYTICS].map((purpose) =>
          consents.create({
            endUserId: endUser.id,
            purpose,
            granted: next() < 0.8,
            policyVersionId: policy.id,
            source: pick(Object.values(ConsentSource)),
            recordedAt: new Date('2026-02-01T00:00:00Z'),
          }),
        ),
      ),
    );

    const optOuts = scope('consent').repo(ContactOptOut);
    await optOuts.save(
      optOuts.create({ endUserId: endUsers[0].id, channel: SharedChannel.SMS, source: ConsentSource.AGENT, reason: 'Asked not to be texted', optedOutAt: new Date('2026-03-01T00:00:00Z') }),
    );

    // Pointing at the fake CRMs (`npm run crm:fake`) with their development credentials.
    const connections = scope('crm').repo(CrmConnection);
    const connectionRow = connections.create({
      name: index === 0 ? 'Acme HubSpot' : 'Globex Salesforce',
      provider: index === 0 ? CrmProvider.HUBSPOT : CrmProvider.SALESFORCE,
      baseUrl: `${crmFakeUrl}/${index === 0 ? 'hubspot' : 'salesforce'}`,
      role: index === 0 ? RecipientRole.SERVICE_PROVIDER : RecipientRole.THIRD_PARTY,
      status: CrmConnectionStatus.ACTIVE,
      lastError: null,
      lastErrorAt: null,
    });
    sealCredentials(await keyrings.crm.cipherFor(tenant.id), connectionRow, index === 0 ? FAKE_CREDENTIALS.hubspot : FAKE_CREDENTIALS.salesforce);
    const connection = await connections.save(connectionRow);
    const links = scope('crm').repo(CrmLink);
    await links.saveMany(
      endUsers
        .filter((_, n) => n % 2 === 0)
        .map((endUser, n) =>
          links.create({
            endUserId: endUser.id,
            connectionId: connection.id,
            externalId: `${index === 0 ? 'hs' : 'sf'}-${1000 + n}`,
            method: CrmLinkMethod.MATCHED_EMAIL,
          }),
        ),
    );
  }
  return true;
}
