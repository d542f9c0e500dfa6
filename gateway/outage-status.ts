import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from './signed-data-source';

/**
 * HTTP 503 when an outage left nothing to answer: every root field is null (or there is no data)
 * and an UNAVAILABLE error says why. A partial answer stays 200 with its errors.
 */
export function outageStatus(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (!errors?.some((error) => error.extensions?.code === 'UNAVAILABLE')) return;
          const nothing = data == null || Object.values(data).every((value) => value === null);
          if (nothing) response.http.status = 503;
        },
      };
    },
  };
}
