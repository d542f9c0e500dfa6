import '../shared/telemetry/register';
import { runSubgraph } from '../shared/main';
import { consentSubgraph } from './schema';

runSubgraph(consentSubgraph);
