import { registerEnumType } from 'type-graphql';

/**
 * Contact channels. Interactions happen on them and consent opts out of them; one definition, so
 * both subgraphs publish the same enum to the supergraph.
 */
export enum Channel {
  VOICE = 'VOICE',
  CHAT = 'CHAT',
  EMAIL = 'EMAIL',
  SMS = 'SMS',
  SOCIAL = 'SOCIAL',
}
registerEnumType(Channel, { name: 'Channel', description: 'A contact channel.' });
