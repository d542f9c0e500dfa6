import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DateTimeMillisecondPrecision1796170584302 implements MigrationInterface {
  name = 'DateTimeMillisecondPrecision1796170584302';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`interactions\` CHANGE \`startedAt\` \`startedAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`interactions\` CHANGE \`endedAt\` \`endedAt\` datetime(3) NULL`);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` CHANGE \`occurredAt\` \`occurredAt\` datetime(3) NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` CHANGE \`occurredAt\` \`occurredAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`interactions\` CHANGE \`endedAt\` \`endedAt\` datetime(0) NULL`);
    await queryRunner.query(`ALTER TABLE \`interactions\` CHANGE \`startedAt\` \`startedAt\` datetime(0) NOT NULL`);
  }
}
