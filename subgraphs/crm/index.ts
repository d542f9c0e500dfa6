import '../../platform/telemetry/register';
import { runSubgraph } from '../kit/main';
import { crmSubgraph } from './schema';

runSubgraph(crmSubgraph);
