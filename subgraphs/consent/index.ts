import '../../platform/telemetry/register';
import { runSubgraph } from '../kit/main';
import { consentSubgraph } from './schema';

runSubgraph(consentSubgraph);
