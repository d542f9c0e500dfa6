import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity } from '../../kit/tenant-entity';

export enum OperatorRole {
  ADMIN = 'admin',
  SUPERVISOR = 'supervisor',
  AGENT = 'agent',
  ANALYST = 'analyst',
  PRIVACY_OFFICER = 'privacy_officer',
  INTEGRATOR = 'integrator',
}
registerEnumType(OperatorRole, { name: 'OperatorRole' });

export enum PrincipalStatus {
  ACTIVE = 'ACTIVE',
  REVOKED = 'REVOKED',
}
registerEnumType(PrincipalStatus, { name: 'PrincipalStatus' });

/**
 * A person the tenant admin has let in. When a record exists for a token's subject, its roles and
 * status are what count, from the next request on; the token's own role claim is ignored.
 */
@ObjectType({ description: 'A person working for the tenant (agent, supervisor, admin…).' })
@Entity('operators')
@Index(['tenantId', 'subject'], { unique: true })
export class Operator extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field({ description: 'The identity provider’s subject (`sub`) for this person.' })
  @Column({ type: 'varchar', length: 200 })
  subject: string;

  @Field()
  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 200, nullable: true })
  displayName: string | null;

  @Field(() => [OperatorRole])
  @Column({ type: 'simple-json' })
  roles: OperatorRole[];

  @Field(() => PrincipalStatus)
  @Column({ type: 'varchar', length: 10, default: PrincipalStatus.ACTIVE })
  status: PrincipalStatus;

  @Field()
  declare createdAt: Date;

  @Field()
  declare updatedAt: Date;
}
