import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';
import { PrincipalStatus } from './operator.entity';

/** A machine caller (a CRM integration) that trades its credentials for short-lived tokens. */
@ObjectType({ description: 'A machine client, e.g. a CRM integration, with the scopes it was given.' })
@Entity('api_clients')
@Index(['clientId'], { unique: true })
export class ApiClient extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field()
  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Field({ description: 'Public identifier, sent as client_id.' })
  @Column({ type: 'varchar', length: 64 })
  clientId: string;

  /** scrypt hash of the secret; the secret itself is shown once and never stored. */
  @Column({ type: 'varchar', length: 200 })
  secretHash: string;

  @Field(() => [String])
  @Column({ type: 'simple-json' })
  scopes: string[];

  @Field(() => PrincipalStatus)
  @Column({ type: 'varchar', length: 10, default: PrincipalStatus.ACTIVE })
  status: PrincipalStatus;

  @Field(() => Date, { nullable: true })
  @Column({ ...INSTANT_COLUMN, nullable: true })
  lastUsedAt: Date | null;

  @Field()
  declare createdAt: Date;
}
