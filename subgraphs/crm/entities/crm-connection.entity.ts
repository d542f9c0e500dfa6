import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { TenantOwnedEntity } from '../../shared/tenant-entity';

export enum CrmProvider {
  HUBSPOT = 'HUBSPOT',
  SALESFORCE = 'SALESFORCE',
  ZENDESK = 'ZENDESK',
}
registerEnumType(CrmProvider, { name: 'CrmProvider' });

export enum CrmRole {
  SERVICE_PROVIDER = 'SERVICE_PROVIDER',
  THIRD_PARTY = 'THIRD_PARTY',
}
registerEnumType(CrmRole, {
  name: 'CrmRole',
  description: 'SERVICE_PROVIDER processes for the tenant; THIRD_PARTY needs the end-user’s opt-in to receive data.',
});

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

  @Field(() => CrmRole)
  @Column({ type: 'varchar', length: 20 })
  role: CrmRole;

  @Field(() => CrmConnectionStatus)
  @Column({ type: 'varchar', length: 20, default: CrmConnectionStatus.ACTIVE })
  status: CrmConnectionStatus;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  @Field()
  declare createdAt: Date;
}
