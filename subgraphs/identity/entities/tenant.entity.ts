import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ID_COLUMN } from '../../kit/tenant-entity';

export enum Deployment {
  ON_PREMISES = 'ON_PREMISES',
  PRIVATE_CLOUD = 'PRIVATE_CLOUD',
  PUBLIC_CLOUD = 'PUBLIC_CLOUD',
}
registerEnumType(Deployment, { name: 'Deployment', description: 'Where the tenant runs the platform.' });

export enum TenantStatus {
  ACTIVE = 'ACTIVE',
  DISABLED = 'DISABLED',
}
registerEnumType(TenantStatus, { name: 'TenantStatus' });

export enum AccessMode {
  EVERYONE = 'EVERYONE',
  ALLOWLIST = 'ALLOWLIST',
}
registerEnumType(AccessMode, {
  name: 'AccessMode',
  description: 'EVERYONE: any address; ALLOWLIST: only addresses inside the listed CIDRs.',
});

@ObjectType({ description: 'Which client addresses may reach the tenant’s data.' })
export class AccessPolicy {
  @Field(() => AccessMode)
  mode: AccessMode;

  @Field(() => [String], { description: 'IPv4 or IPv6 CIDRs, e.g. 203.0.113.0/24 or 2001:db8::/32.' })
  cidrs: string[];
}

@ObjectType({ description: 'The chat widget’s public key (none until first rotated) and the origins allowed to use it.' })
export class WidgetSettings {
  @Field(() => String, { nullable: true, description: 'Public: embedded in your pages. It can only record cookie consent.' })
  key: string | null;

  @Field(() => [String])
  origins: string[];
}

/** A business client of the platform. Not tenant-owned: it is the tenant. */
@ObjectType({ description: 'A business client of the platform.' })
@Entity('tenants')
export class Tenant {
  @Field(() => ID)
  @PrimaryColumn(ID_COLUMN)
  id: string;

  @Field({ description: 'Stable short name used in tokens, e.g. "acme".' })
  @Column({ type: 'varchar', length: 63, unique: true })
  slug: string;

  @Field()
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field(() => Deployment)
  @Column({ type: 'varchar', length: 20 })
  deployment: Deployment;

  @Field({ description: 'Region the tenant’s data is pinned to, e.g. "eu-west-1".' })
  @Column({ type: 'varchar', length: 40 })
  region: string;

  @Field(() => TenantStatus)
  @Column({ type: 'varchar', length: 20, default: TenantStatus.ACTIVE })
  status: TenantStatus;

  @Column({ type: 'varchar', length: 20, default: AccessMode.EVERYONE })
  accessMode: AccessMode;

  @Column({ type: 'simple-json' })
  allowedCidrs: string[];

  /** The chat widget's public key: it appears in the tenant's web pages, so it is stored as is. */
  @Column({ type: 'varchar', length: 64, nullable: true, unique: true })
  widgetKey: string | null;

  /** Origins (scheme://host[:port]) whose pages may use the widget key. */
  @Column({ type: 'simple-json', nullable: true })
  widgetOrigins: string[] | null;

  @Field()
  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @Field(() => WidgetSettings, { description: 'Tenant admins: the chat widget’s public key and allowed origins.' })
  get widget(): WidgetSettings {
    return { key: this.widgetKey, origins: this.widgetOrigins ?? [] };
  }

  @Field(() => AccessPolicy)
  get accessPolicy(): AccessPolicy {
    return { mode: this.accessMode, cidrs: this.allowedCidrs };
  }
}
