import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { CrmSettings } from '../../kit/config';
import { badInput } from '../../../platform/errors';
import { isPublicAddress } from '../../../platform/addresses';

export interface BaseUrlPolicy {
  production: boolean;
  crm: Pick<CrmSettings, 'allowPrivateAddresses' | 'allowedHosts'>;
}

/** Why a base URL is refused; the message reads after "baseUrl: ". */
export class BaseUrlRefused extends Error {}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The host as URLs spell it (lower case, IPv4 in dotted decimal, IPv6 compressed), without brackets. */
const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

/**
 * The canonical form of a base URL, or why it is refused. Runs when a URL is stored and again
 * before every call, so a row changed behind the API is held to the same rules.
 */
export function parseBaseUrl(raw: string, production: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new BaseUrlRefused('must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !production)) {
    throw new BaseUrlRefused(production ? 'must be an https URL' : 'must be an http(s) URL');
  }
  if (url.username || url.password) throw new BaseUrlRefused('must not carry credentials; use the credentials input');
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) throw new BaseUrlRefused('must not have a query or fragment');
  // `crm.example.` names the same host as `crm.example`; one spelling keeps origins comparable.
  if (url.hostname.endsWith('.') && !url.hostname.endsWith('..')) url.hostname = url.hostname.slice(0, -1);
  if (!url.hostname || url.hostname.split('.').some((label) => label === '')) throw new BaseUrlRefused('must have a valid host name');
  url.pathname = url.pathname.replace(/\/+$/, '') || '/';
  return url;
}

/** The stored, canonical text of a base URL (no trailing slash). */
export const baseUrlText = (url: URL) => url.toString().replace(/\/+$/, '');

/** Scheme, host and port, the port always explicit: what a connection's credentials are bound to. Null when unusable. */
export function crmOrigin(baseUrl: string | null | undefined): string | null {
  if (!baseUrl) return null;
  try {
    const url = parseBaseUrl(baseUrl, false);
    return `${url.protocol}//${url.hostname}:${url.port || DEFAULT_PORTS[url.protocol]}`;
  } catch {
    return null;
  }
}

/**
 * Whether CRM_ALLOWED_HOSTS names this URL's host and port. An entry is `host:port`, or `host`
 * alone for the scheme's default port only; IPv6 is written in brackets (`[fd00::5]:8443`).
 */
export function hostAllowed(url: URL, entries: readonly string[]): boolean {
  const port = url.port || DEFAULT_PORTS[url.protocol];
  return entries.some((entry) => {
    const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry.trim());
    if (!match) return false;
    let host: string;
    try {
      host = parseBaseUrl(`${url.protocol}//${match[1]}`, false).hostname;
    } catch {
      return false;
    }
    return host === url.hostname && (match[2] === undefined ? url.port === '' : Number(match[2]) === Number(port));
  });
}

/** Whether calls to this URL skip the public-address rule: private addresses allowed, or the host and port allowlisted. */
export const addressExempt = (url: URL, crm: BaseUrlPolicy['crm']) => crm.allowPrivateAddresses || hostAllowed(url, crm.allowedHosts);

/**
 * Checks a connection's base URL before it is stored. A tenant admin chooses it, so it must not
 * become a way into the platform's own network (SSRF): in production it must be https, and its
 * host must be, or resolve only to, public addresses unless its host and port are in
 * CRM_ALLOWED_HOSTS. This early answer is for the admin; every call checks again the address it
 * actually connects to (connectors/crm-agents.ts), so DNS changed after this check gains nothing.
 */
export async function checkBaseUrl(raw: string, policy: BaseUrlPolicy, resolve = lookup): Promise<string> {
  let url: URL;
  try {
    url = parseBaseUrl(raw, policy.production);
  } catch (error) {
    throw badInput('baseUrl', (error as Error).message);
  }
  if (!addressExempt(url, policy.crm)) {
    const host = bare(url.hostname);
    let addresses: string[];
    if (isIP(host)) addresses = [host];
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
  return baseUrlText(url);
}
