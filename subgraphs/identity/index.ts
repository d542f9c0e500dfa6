import '../../platform/telemetry/register';
import { runSubgraph } from '../kit/main';
import { identitySubgraph } from './schema';

runSubgraph(identitySubgraph);
