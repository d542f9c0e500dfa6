import type { ComposeServices, ProcessDeps, RequestContext, SubgraphContext } from '../../kit/context';
import { compactAfterErasure } from '../../kit/data-source';
import { identityEndUserCheck } from '../../kit/end-user-guard';
import { ActivityPublisher, LiveChannel } from './activity-publisher';
import { ConsentContactGate } from './contact-gate';
import { InteractionService } from './interaction.service';
import { InteractionSettingsService } from './interaction-settings.service';
import { MetricsService } from './metrics.service';
import { InteractionPrivacyService } from './privacy.service';

/** The interactions subgraph's services for one request, each built on first use from what it needs. */
export class InteractionsServices {
  private settingsService?: InteractionSettingsService;
  private interactionService?: InteractionService;
  private metricsService?: MetricsService;
  private privacyService?: InteractionPrivacyService;
  private publisher?: ActivityPublisher;

  constructor(
    private readonly request: RequestContext,
    /** The process's live channel, shared with the worker that opens and closes it. */
    readonly liveChannel: LiveChannel,
    /** Compacts the database files after an erasure (SQLite's WAL); the data source stays with the root. */
    private readonly compact: () => Promise<void>,
  ) {}

  /** Cached per process under the deployment's tenant versions, so a change reaches every process. */
  get settings(): InteractionSettingsService {
    return (this.settingsService ??= new InteractionSettingsService(this.request.scope, this.request.accessEvents));
  }

  get live(): ActivityPublisher {
    return (this.publisher ??= new ActivityPublisher(this.liveChannel, this.request));
  }

  /** Outbound contact is cleared with consent, end-users with identity, over the request's service links. */
  get interactions(): InteractionService {
    return (this.interactionService ??= new InteractionService(
      this.request.scope,
      this.request.subjectKeys,
      this.settings,
      this.live,
      new ConsentContactGate(this.request),
      identityEndUserCheck(this.request),
    ));
  }

  get metrics(): MetricsService {
    return (this.metricsService ??= new MetricsService(this.request.scope, this.request.keyring, this.settings));
  }

  get privacy(): InteractionPrivacyService {
    return (this.privacyService ??= new InteractionPrivacyService(this.request.scope, this.request.subjectKeys, this.compact));
  }
}

/** Once per process: the live channel and the compaction over the process's data source. */
export function composeInteractions(process: ProcessDeps): ComposeServices<InteractionsServices> {
  const liveChannel = new LiveChannel(process.config);
  const compact = () => compactAfterErasure(process.dataSource);
  return (request) => new InteractionsServices(request, liveChannel, compact);
}

export type InteractionsContext = SubgraphContext<InteractionsServices>;
