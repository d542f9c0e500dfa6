import type { ComposeServices, ProcessDeps, RequestContext, SubgraphContext } from '../../kit/context';
import { compactAfterErasure } from '../../kit/data-source';
import { CrmRuntime } from './crm-runtime';
import { CrmSyncService } from './crm-sync.service';
import { CrmService } from './crm.service';
import { ConsentSharingGate } from './sharing-gate';

/** One request's crm services, each built on first use over the process's runtime. */
export class CrmServices {
  private crmService?: CrmService;
  private syncService?: CrmSyncService;

  constructor(
    private readonly request: RequestContext,
    private readonly runtime: CrmRuntime,
    private readonly afterErasure: () => Promise<void>,
  ) {}

  /** Connections and links, as stored here. */
  get crm(): CrmService {
    return (this.crmService ??= new CrmService(this.request, this.runtime));
  }

  /** What talks to the CRMs themselves, behind the consent subgraph's sharing gate. */
  get sync(): CrmSyncService {
    return (this.syncService ??= new CrmSyncService(this.request, this.runtime, new ConsentSharingGate(this.request), this.afterErasure));
  }
}

/**
 * The crm composition root, once per process: one runtime (breakers, record cache, HTTP agents)
 * for every request of the process, with its settings, so a connection's circuit is the same
 * whichever request opens it.
 */
export function composeCrm(process: ProcessDeps): ComposeServices<CrmServices> {
  const runtime = new CrmRuntime(process.config.crm, { production: process.config.production });
  const afterErasure = () => compactAfterErasure(process.dataSource);
  return (request) => new CrmServices(request, runtime, afterErasure);
}

export type CrmContext = SubgraphContext<CrmServices>;
