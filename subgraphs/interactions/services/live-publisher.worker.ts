import { serviceClaims } from '../../../platform/contracts/signed-context';
import type { SubgraphWorker } from '../../kit/server';
import type { InteractionsServices } from './index';

/** Opens the process's live channel with the server and closes it with the server (the services publish on it). */
export const livePublisherWorker: SubgraphWorker<InteractionsServices> = {
  name: 'live-events',
  start(deps) {
    // The channel belongs to the process, not to a request: any context of this process reaches the same one.
    const channel = deps.contextFor(serviceClaims('live-events-worker', 'interactions')).services.liveChannel;
    channel.start(deps.logger);
    return { stop: () => channel.stop() };
  },
};
