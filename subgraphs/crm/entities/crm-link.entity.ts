import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity } from '../../kit/tenant-entity';

export enum CrmLinkMethod {
  MANUAL = 'MANUAL',
  MATCHED_EMAIL = 'MATCHED_EMAIL',
  MATCHED_PHONE = 'MATCHED_PHONE',
  /** Created in the CRM by a push from the platform. */
  PUSHED = 'PUSHED',
}
registerEnumType(CrmLinkMethod, { name: 'CrmLinkMethod' });

@ObjectType({ description: 'An end-user linked to a record in one of the tenant’s CRMs.' })
@Entity('crm_links')
@Index(['tenantId', 'endUserId', 'id'])
@Index(['tenantId', 'connectionId', 'externalId'], { unique: true })
export class CrmLink extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field(() => ID)
  @Column(ID_COLUMN)
  endUserId: string;

  @Field(() => ID)
  @Column(ID_COLUMN)
  connectionId: string;

  @Field({ description: 'The record’s id in the CRM.' })
  @Column({ type: 'varchar', length: 100 })
  externalId: string;

  @Field(() => CrmLinkMethod)
  @Column({ type: 'varchar', length: 20 })
  method: CrmLinkMethod;

  @Field({ description: 'When the link was made.' })
  declare createdAt: Date;
}
