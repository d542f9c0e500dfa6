import '../shared/telemetry/register';
import { runSubgraph } from '../shared/main';
import { crmSubgraph } from './schema';

runSubgraph(crmSubgraph);
