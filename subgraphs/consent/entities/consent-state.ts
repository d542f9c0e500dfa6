import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Channel } from '../../kit/channel';
import { ConsentPurpose, ConsentSource } from './consent-record.entity';
import type { ContactDecision as ContactDecisionContract, SharingDecision as SharingDecisionContract } from '../../../platform/contracts/operations/consent';

export enum ContactRefusal {
  OPTED_OUT = 'OPTED_OUT',
  RESTRICTED = 'RESTRICTED',
}
registerEnumType(ContactRefusal, {
  name: 'ContactRefusal',
  description: 'OPTED_OUT: the end-user asked not to be contacted on the channel; RESTRICTED: processing of their data is restricted.',
});

export enum SharingRefusal {
  NO_OPT_IN = 'NO_OPT_IN',
  RENEWAL_NEEDED = 'RENEWAL_NEEDED',
  RESTRICTED = 'RESTRICTED',
}
registerEnumType(SharingRefusal, {
  name: 'SharingRefusal',
  description: 'NO_OPT_IN: no current third-party sharing grant; RENEWAL_NEEDED: granted under a policy since changed materially; RESTRICTED: processing is restricted.',
});

@ObjectType({ description: 'Whether an end-user may be contacted on a channel.' })
export class ContactDecision implements ContactDecisionContract {
  @Field()
  allowed: boolean;

  @Field(() => ContactRefusal, { nullable: true })
  reason: ContactRefusal | null;
}

@ObjectType({ description: 'Whether an end-user’s data may go to a recipient.' })
export class SharingDecision implements SharingDecisionContract {
  @Field()
  allowed: boolean;

  @Field(() => SharingRefusal, { nullable: true })
  reason: SharingRefusal | null;
}

@ObjectType({ description: 'Contact on one channel, as things stand.' })
export class ContactPreference extends ContactDecision {
  @Field(() => Channel)
  channel: Channel;
}

@ObjectType({ description: 'The current state of one purpose: the latest record for it wins.' })
export class PurposeConsent {
  @Field(() => ConsentPurpose)
  purpose: ConsentPurpose;

  @Field()
  granted: boolean;

  @Field({ description: 'Given under a policy version older than the latest material change now in effect.' })
  needsRenewal: boolean;

  @Field(() => ID)
  policyVersionId: string;

  @Field(() => ConsentSource)
  source: ConsentSource;

  @Field()
  recordedAt: Date;
}
