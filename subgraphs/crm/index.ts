import '../kit/telemetry/register';
import { runSubgraph } from '../kit/main';
import { crmSubgraph } from './schema';

runSubgraph(crmSubgraph);
