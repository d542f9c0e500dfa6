import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import type { CrmSettings } from '../../shared/config';
import { badInput } from '../../shared/errors';

export interface BaseUrlPolicy {
  production: boolean;
  crm: Pick<CrmSettings, 'allowPrivateAddresses' | 'allowedHosts'>;
}

/** Only ordinary public unicast addresses; loopback, private, link-local (cloud metadata) and the like are refused. */
export function isPublicAddress(address: string): boolean {
  try {
    return ipaddr.process(address).range() === 'unicast';
  } catch {
    return false;
  }
}

/**
 * Checks a connection's base URL before it is stored. A tenant admin chooses it, so it must not
 * become a way into the platform's own network (SSRF): in production it must be https, and its
 * host must be, or resolve only to, public addresses unless listed in CRM_ALLOWED_HOSTS. Calls are
 * made with redirects refused. DNS may change after this check; a deployment that needs more puts
 * the crm subgraph behind an egress proxy that enforces the same rule.
 */
export async function checkBaseUrl(raw: string, policy: BaseUrlPolicy, resolve = lookup): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badInput('baseUrl', 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !policy.production)) {
    throw badInput('baseUrl', policy.production ? 'must be an https URL' : 'must be an http(s) URL');
  }
  if (url.username || url.password) throw badInput('baseUrl', 'must not carry credentials; use the credentials input');
  if (url.search || url.hash) throw badInput('baseUrl', 'must not have a query or fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!policy.crm.allowPrivateAddresses && !policy.crm.allowedHosts.includes(host)) {
    let addresses: string[];
    if (ipaddr.isValid(host)) addresses = [host];
    else {
      try {
        addresses = (await resolve(host, { all: true })).map((entry) => entry.address);
      } catch {
        throw badInput('baseUrl', 'host name does not resolve');
      }
    }
    if (addresses.length === 0 || !addresses.every(isPublicAddress)) {
      throw badInput('baseUrl', 'must point at a public address');
    }
  }
  return url.toString().replace(/\/+$/, '');
}
