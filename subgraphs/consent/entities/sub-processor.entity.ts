import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { RecipientRole } from '../../kit/recipient-role';
import { ID_COLUMN, INSTANT_COLUMN } from '../../kit/tenant-entity';

/** Platform-level: the platform's own sub-processors, the same for every tenant (not tenant-owned). */
@ObjectType({ description: 'A company the platform passes personal data to.' })
@Entity('sub_processors')
export class SubProcessor {
  @Field(() => ID)
  @PrimaryColumn(ID_COLUMN)
  id: string;

  @Field()
  @Column({ type: 'varchar', length: 200, unique: true })
  name: string;

  @Field({ description: 'What it does with the data.' })
  @Column({ type: 'varchar', length: 500 })
  purpose: string;

  @Field({ description: 'Where it processes the data, e.g. "EU (Ireland)".' })
  @Column({ type: 'varchar', length: 100 })
  location: string;

  @Field(() => [String], { description: 'Categories of personal data it receives.' })
  @Column({ type: 'simple-json' })
  dataCategories: string[];

  @Field(() => RecipientRole)
  @Column({ type: 'varchar', length: 20 })
  role: RecipientRole;

  @Field()
  @CreateDateColumn()
  addedAt: Date;
}

/** Platform-level notice to every tenant of a change in the sub-processor registry. */
@ObjectType({ description: 'Notice to tenants of a change in the platform’s sub-processors.' })
@Entity('sub_processor_notices')
@Index(['publishedAt'])
export class SubProcessorNotice {
  @Field(() => ID)
  @PrimaryColumn(ID_COLUMN)
  id: string;

  @Field(() => ID)
  @Column(ID_COLUMN)
  subProcessorId: string;

  @Field()
  @Column({ type: 'varchar', length: 600 })
  summary: string;

  @Field()
  @Column(INSTANT_COLUMN)
  publishedAt: Date;
}
