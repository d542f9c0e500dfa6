import { DataSource } from 'typeorm';
import { CrmConnection, CrmProvider } from '../../subgraphs/crm/entities/crm-connection.entity';
import { CrmLink, CrmLinkMethod } from '../../subgraphs/crm/entities/crm-link.entity';
import { CrmRuntime } from '../../subgraphs/crm/services/crm-runtime';
import { CrmSyncService } from '../../subgraphs/crm/services/crm-sync.service';
import { loadSubgraphConfig } from '../../subgraphs/kit/config';
import type { IdentityServices } from '../../subgraphs/identity/services';
import { privacyWorker } from '../../subgraphs/identity/services/privacy.worker';
import type { RequestContext } from '../../subgraphs/kit/context';
import { ErasedEndUser } from '../../subgraphs/kit/erased-end-user.entity';
import { RecipientRole } from '../../subgraphs/kit/recipient-role';
import type { WorkerDeps } from '../../subgraphs/kit/server';
import { TenantScope } from '../../subgraphs/kit/tenant-repository';
import { eventually } from '../helpers/eventually';
import { captureLogs } from '../helpers/log-capture';

const PERSONAL = 'ann.person@example.com';

describe('errors that are not domain errors are logged, without personal data', () => {
  it('the privacy-retry worker logs a failed round and keeps going', async () => {
    const logs = captureLogs();
    let rounds = 0;
    const dataSource = {
      manager: {
        getRepository: () => {
          rounds += 1;
          throw new Error(`database refused the query for ${PERSONAL}`);
        },
      },
    } as unknown as DataSource;
    const worker = privacyWorker.start({ dataSource, logger: logs.logger('identity'), config: { privacyRetryIntervalMs: 10 } } as unknown as WorkerDeps<IdentityServices>)!;
    try {
      await eventually(() => logs.records().filter((record) => record.msg === 'privacy retry round failed').length >= 2, { timeoutMs: 5_000, intervalMs: 10, what: 'two failed rounds logged' });
    } finally {
      await worker.stop();
    }
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(logs.records().find((record) => record.msg === 'privacy retry round failed')).toMatchObject({ level: 50, error: { type: 'Error' } });
    expect(logs.lines.join('\n')).not.toContain(PERSONAL);
  });

  describe('the CRM erasure and rectification', () => {
    let dataSource: DataSource;
    beforeAll(async () => {
      dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [CrmConnection, CrmLink, ErasedEndUser], synchronize: true });
      await dataSource.initialize();
    });
    afterAll(() => dataSource.destroy());

    async function service() {
      const scope = TenantScope.of(dataSource, 'crm-t1');
      const connections = scope.repo(CrmConnection);
      const connection = await connections.save(
        connections.create({ name: 'Sales', provider: CrmProvider.HUBSPOT, baseUrl: 'https://api.hubapi.com', role: RecipientRole.SERVICE_PROVIDER, credentialsEncrypted: null }),
      );
      const links = scope.repo(CrmLink);
      const endUserId = `eu-${connection.id}`;
      await links.save(links.create({ endUserId, connectionId: connection.id, externalId: 'x-1', method: CrmLinkMethod.MANUAL }));
      const logs = captureLogs();
      const ctx = {
        tenantId: 'crm-t1',
        requestId: 'r-crm',
        scope,
        logger: logs.logger('crm'),
        // The key store out: not a CRM error, not a domain error.
        keyring: { cipherFor: async () => Promise.reject(new TypeError(`key store answered garbage for ${PERSONAL}`)) },
      } as unknown as RequestContext;
      const runtime = new CrmRuntime(loadSubgraphConfig({}).crm);
      const sync = new CrmSyncService(ctx, runtime, { decide: async () => ({ allowed: true, reason: null }) }, async () => undefined);
      return { sync, logs, endUserId, connection };
    }

    it('erasure: the client still sees UNAVAILABLE, and the cause is logged without its message', async () => {
      const { sync, logs, endUserId, connection } = await service();
      await expect(sync.erase(endUserId)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      const record = logs.records().find((line) => line.msg === 'CRM erasure failed unexpectedly');
      expect(record).toMatchObject({ level: 50, requestId: 'r-crm', connectionId: connection.id, error: { type: 'TypeError' } });
      expect(logs.lines.join('\n')).not.toContain(PERSONAL);
    });

    it('rectification: likewise', async () => {
      const { sync, logs, endUserId } = await service();
      await expect(sync.rectify(endUserId, { email: 'new@example.com' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(logs.records().find((line) => line.msg === 'CRM rectification failed unexpectedly')).toMatchObject({ level: 50, error: { type: 'TypeError' } });
      expect(logs.lines.join('\n')).not.toContain(PERSONAL);
    });
  });
});
