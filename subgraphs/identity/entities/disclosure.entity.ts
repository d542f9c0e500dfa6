import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';

/** Append-only record of personal data handed to an authority because the law required it. */
@ObjectType({ description: 'A disclosure of an end-user’s data to an authority.' })
@Entity('disclosures')
@Index(['tenantId', 'endUserId', 'id'])
export class Disclosure extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field(() => ID, { nullable: true, description: 'Null once the person has been erased.' })
  @Column({ ...ID_COLUMN, nullable: true })
  endUserId: string | null;

  @Field({ description: 'Who asked (court, police, regulator).' })
  @Column({ type: 'varchar', length: 300 })
  authority: string;

  @Field({ description: 'The law or order that required it.' })
  @Column({ type: 'varchar', length: 300 })
  legalBasis: string;

  @Field({ description: 'The authority’s reference.' })
  @Column({ type: 'varchar', length: 200 })
  reference: string;

  @Field(() => [String], { description: 'Categories of data disclosed, e.g. profile, transcripts.' })
  @Column({ type: 'simple-json' })
  dataCategories: string[];

  @Field()
  @Column(INSTANT_COLUMN)
  disclosedAt: Date;

  @Field()
  @Column({ type: 'varchar', length: 250 })
  recordedBy: string;

  @Field()
  declare createdAt: Date;
}
