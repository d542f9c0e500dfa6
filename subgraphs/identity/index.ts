import '../shared/telemetry/register';
import { runSubgraph } from '../shared/main';
import { identitySubgraph } from './schema';

runSubgraph(identitySubgraph);
