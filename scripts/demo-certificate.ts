import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A self-signed certificate for the fake CRM (demo profile, tests): production calls CRMs over
 * https only, so the stand-in serves https and the crm subgraph trusts it (NODE_EXTRA_CA_CERTS).
 * Made by the `openssl` command line.
 */
export function writeDemoCertificate(dir: string, names: string[]): { certFile: string; keyFile: string } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = path.join(dir, 'crm-fake.crt');
  const keyFile = path.join(dir, 'crm-fake.key');
  const san = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  fs.chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}
