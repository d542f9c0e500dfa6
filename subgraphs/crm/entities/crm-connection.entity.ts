import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { RecipientRole } from '../../kit/recipient-role';
import { TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';

export enum CrmProvider {
  HUBSPOT = 'HUBSPOT',
  SALESFORCE = 'SALESFORCE',
  ZENDESK = 'ZENDESK',
}
registerEnumType(CrmProvider, { name: 'CrmProvider' });


export enum CrmConnectionStatus {
  ACTIVE = 'ACTIVE',
  ERROR = 'ERROR',
  DISABLED = 'DISABLED',
}
registerEnumType(CrmConnectionStatus, { name: 'CrmConnectionStatus' });

@ObjectType({ description: 'A tenant’s link to one CRM instance.' })
@Entity('crm_connections')
export class CrmConnection extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field()
  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Field(() => CrmProvider)
  @Column({ type: 'varchar', length: 20 })
  provider: CrmProvider;

  @Field()
  @Column({ type: 'varchar', length: 500 })
  baseUrl: string;

  @Field(() => RecipientRole, { description: 'SERVICE_PROVIDER processes for you; a THIRD_PARTY receives data only with the end-user’s opt-in.' })
  @Column({ type: 'varchar', length: 20 })
  role: RecipientRole;

  /** The provider's credentials as JSON, encrypted under the tenant's data key; never a field. */
  @Column({ type: 'text', nullable: true })
  credentialsEncrypted: string | null;

  @Field(() => CrmConnectionStatus, { description: 'ERROR after a failed call (see lastError) until a call succeeds; DISABLED by an admin.' })
  @Column({ type: 'varchar', length: 20, default: CrmConnectionStatus.ACTIVE })
  status: CrmConnectionStatus;

  @Field(() => String, { nullable: true, description: 'What failed last, without anything the CRM answered.' })
  @Column({ type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  @Field(() => Date, { nullable: true })
  @Column({ ...INSTANT_COLUMN, nullable: true })
  lastErrorAt: Date | null;

  @Field(() => Boolean, { description: 'Whether credentials are stored (they are never returned).' })
  get hasCredentials(): boolean {
    return Boolean(this.credentialsEncrypted);
  }

  @Field()
  declare createdAt: Date;
}
