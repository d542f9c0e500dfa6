import fs from 'node:fs';
import { loadSubgraphConfig } from '../subgraphs/kit/config';
import { configOrExit } from '../platform/env';
import { FAKE_PROVIDERS, startFakeCrm } from './crm-fake/fake-crm';

/** `npm run crm:fake`: the local HubSpot, Salesforce and Zendesk stand-ins (port CRM_FAKE_PORT, default 4010). */
async function main(): Promise<void> {
  const { crm } = configOrExit(() => loadSubgraphConfig(), 'fake CRM');
  const tls = crm.fakeTls && { cert: fs.readFileSync(crm.fakeTls.certFile), key: fs.readFileSync(crm.fakeTls.keyFile) };
  const fake = await startFakeCrm({ port: crm.fakePort, host: crm.fakeHost, tls });
  const { hubspot, salesforce, zendesk } = fake.credentials;
  process.stdout.write(
    [
      `Fake CRMs on port ${fake.port} (development credentials, nothing real):`,
      ...FAKE_PROVIDERS.map((provider) => `  ${provider.padEnd(10)} ${fake.urls[provider]}`),
      `  HUBSPOT     credentials: { accessToken: "${hubspot.accessToken}" }`,
      `  SALESFORCE  credentials: { accessToken: "${salesforce.accessToken}" }`,
      `  ZENDESK     credentials: { email: "${zendesk.email}", apiToken: "${zendesk.apiToken}" }`,
      `Controls: POST ${fake.urls.hubspot.replace(/\/hubspot$/, '')}/__control/<provider> {"mode":"up|down|slow|flaky"}, GET /__control/stats`,
      '',
    ].join('\n'),
  );
  const stop = () => void fake.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake CRM failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
