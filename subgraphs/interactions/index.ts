import '../../platform/telemetry/register';
import { runSubgraph } from '../kit/main';
import { interactionsSubgraph } from './schema';

runSubgraph(interactionsSubgraph);
