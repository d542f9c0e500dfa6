import type { ComposeServices, ProcessDeps, RequestContext, SubgraphContext } from '../../kit/context';
import { compactAfterErasure } from '../../kit/data-source';
import { identityEndUserCheck, type EndUserCheck } from '../../kit/end-user-guard';
import { ConsentStateService } from './consent-state.service';
import { ConsentService } from './consent.service';
import { PlatformPolicyService, PolicyService } from './policy.service';
import { ConsentPrivacyService } from './privacy.service';
import { proofOf, type Prove } from './proof';
import { SubProcessorService } from './sub-processor.service';
import { SuppressionService } from './suppression.service';
import { WidgetService } from './widget.service';

/**
 * One request's services, each built on first use: a platform operator's request reaches only the
 * platform tables, and never asks for a tenant's scope.
 */
export class ConsentServices {
  private policyService?: PolicyService;
  private platformPolicyService?: PlatformPolicyService;
  private subProcessorService?: SubProcessorService;
  private consentService?: ConsentService;
  private consentStateService?: ConsentStateService;
  private widgetService?: WidgetService;
  private suppressionService?: SuppressionService;
  private privacyService?: ConsentPrivacyService;
  private endUserCheck?: EndUserCheck;

  constructor(
    private readonly request: RequestContext,
    private readonly compactAfterErasure: () => Promise<void>,
  ) {}

  get policy(): PolicyService {
    return (this.policyService ??= new PolicyService(this.request.scope));
  }

  get platformPolicy(): PlatformPolicyService {
    return (this.platformPolicyService ??= new PlatformPolicyService(this.request.platform));
  }

  get subProcessors(): SubProcessorService {
    return (this.subProcessorService ??= new SubProcessorService(this.request.platform));
  }

  get consent(): ConsentService {
    return (this.consentService ??= new ConsentService(this.request.scope, this.endUsers, this.policy, this.prove));
  }

  get state(): ConsentStateService {
    return (this.consentStateService ??= new ConsentStateService(this.request, this.policy));
  }

  get widget(): WidgetService {
    return (this.widgetService ??= new WidgetService(this.request.scope, this.endUsers, this.policy, this.prove, this.request));
  }

  get suppression(): SuppressionService {
    return (this.suppressionService ??= new SuppressionService(this.request.scope, this.endUsers));
  }

  get privacy(): ConsentPrivacyService {
    return (this.privacyService ??= new ConsentPrivacyService(this.request.scope, this.compactAfterErasure));
  }

  /** Identity decides which end-users may be written about or shown, over the service link. */
  private get endUsers(): EndUserCheck {
    return (this.endUserCheck ??= identityEndUserCheck(this.request));
  }

  private readonly prove: Prove = (given) => proofOf(this.request, given);
}

/** The consent subgraph's composition root: what a process holds once, lent to each request's services. */
export function composeConsent(process: ProcessDeps): ComposeServices<ConsentServices> {
  const compact = () => compactAfterErasure(process.dataSource);
  return (request) => new ConsentServices(request, compact);
}

export type ConsentContext = SubgraphContext<ConsentServices>;
