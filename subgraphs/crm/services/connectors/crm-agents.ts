import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, Socket, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { isPublicAddress } from '../../../../platform/addresses';

/** A connection attempt refused because the address is not public; nothing was sent. */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_CRM_ADDRESS_REFUSED';
  constructor() {
    super('the address is not allowed');
  }
}

/**
 * Wraps a resolver so a host name connects only when every address it resolves to is public. The
 * socket connects to the addresses handed over here, so the address checked is the address
 * connected to: a name that answers differently later (DNS rebinding) is checked again then.
 */
export function publicOnlyLookup(lookup: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => {
    lookup(hostname, { ...options, all: true }, ((error: Error | null, found: string | LookupAddress[], family?: number) => {
      if (error) return callback(error);
      const addresses = typeof found === 'string' ? [{ address: found, family: family ?? isIP(found) }] : found;
      if (addresses.length === 0 || !addresses.every((entry) => isPublicAddress(entry.address))) return callback(new AddressRefusedError());
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    }) as never);
  }) as LookupFunction;
}

const refusedSocket = (callback?: (error: Error | null, stream: Duplex) => void): Socket => {
  const socket = new Socket();
  if (callback) callback(new AddressRefusedError(), socket);
  else process.nextTick(() => socket.destroy(new AddressRefusedError()));
  return socket;
};

/** Every socket the agent opens: a literal address is checked before connecting, a name through its lookup, and the peer once connected. */
function guardedConnection(
  options: http.ClientRequestArgs,
  lookup: LookupFunction,
  connect: (options: http.ClientRequestArgs) => Duplex | null | undefined,
  callback?: (error: Error | null, stream: Duplex) => void,
): Duplex | null | undefined {
  const host = (options.host ?? options.hostname ?? '').replace(/^\[|\]$/g, '');
  if (isIP(host) && !isPublicAddress(host)) return refusedSocket(callback);
  const socket = connect({ ...options, lookup: publicOnlyLookup(lookup) });
  // Belt and braces: the peer actually reached, before a byte of the request is written.
  socket?.once('connect', () => {
    if (!isPublicAddress((socket as Socket).remoteAddress)) socket.destroy(new AddressRefusedError());
  });
  return socket;
}

export class PublicOnlyHttpAgent extends http.Agent {
  constructor(
    private readonly lookup: LookupFunction,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: (error: Error | null, stream: Duplex) => void) {
    return guardedConnection(options, this.lookup, (guarded) => super.createConnection(guarded, callback), callback);
  }
}

export class PublicOnlyHttpsAgent extends https.Agent {
  constructor(
    private readonly lookup: LookupFunction,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: (error: Error | null, stream: Duplex) => void) {
    return guardedConnection(options, this.lookup, (guarded) => super.createConnection(guarded, callback), callback);
  }
}

/** The agents one crm process calls CRMs with: public-only unless the target is exempt (development, CRM_ALLOWED_HOSTS). */
export interface CrmAgents {
  guarded: { 'http:': http.Agent; 'https:': https.Agent };
  exempt: { 'http:': http.Agent; 'https:': https.Agent };
}

/** Idle sockets are closed before the usual 5 s keep-alive of servers, so a reused socket is rarely one the server is closing. */
const POOL: http.AgentOptions = { keepAlive: true, timeout: 4_000 };

export function crmAgents(lookup: LookupFunction = dnsLookup as LookupFunction): CrmAgents {
  return {
    guarded: { 'http:': new PublicOnlyHttpAgent(lookup, POOL), 'https:': new PublicOnlyHttpsAgent(lookup, POOL) },
    exempt: { 'http:': new http.Agent({ ...POOL, lookup }), 'https:': new https.Agent({ ...POOL, lookup }) },
  };
}
