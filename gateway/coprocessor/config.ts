import { z } from 'zod';
import { loadGatewayConfig, type GatewayConfig } from '../config';
import { port, readConfig, required, schemas, SECRETS_HINT, setting, type Env } from '../../platform/env';

export interface CoprocessorConfig {
  /** The gateway's own settings: keys, token issuer, subgraph URLs, TRUST_PROXY, Redis, rate limits, deadlines. */
  gateway: GatewayConfig;
  host: string;
  port: number;
  /** The header the proxy in front of the Router writes the client address into (lower case). */
  clientAddressHeader: string;
  /** The last path segment the Router must call (`/coprocessor/<secret>`); unset, `/coprocessor` (development). */
  secret?: string;
}

const headerName = z.string().trim().toLowerCase().regex(/^[a-z0-9-]+$/, 'must be an HTTP header name');
const SECRET_HINT = `${SECRETS_HINT} (deploy/env/coprocessor.env), and give the Router the same value (deploy/router/router.yaml)`;

/** The gateway's environment plus the coprocessor's own settings; every problem reported at once. */
export function loadCoprocessorConfig(env: Env = process.env): CoprocessorConfig {
  return readConfig(() => {
    const gateway = loadGatewayConfig(env);
    return {
      gateway,
      // A sidecar of the Router: loopback unless told otherwise.
      host: env.COPROCESSOR_HOST || '127.0.0.1',
      port: port(env, 'COPROCESSOR_PORT', 4100),
      clientAddressHeader: setting(env, 'COPROCESSOR_CLIENT_ADDRESS_HEADER', headerName, 'x-forwarded-for'),
      secret: required(env, 'COPROCESSOR_SECRET', schemas.secret, gateway.production, SECRET_HINT),
    };
  });
}
