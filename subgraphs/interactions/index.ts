import '../shared/telemetry/register';
import { runSubgraph } from '../shared/main';
import { interactionsSubgraph } from './schema';

runSubgraph(interactionsSubgraph);
