import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DateTimeMillisecondPrecision1796170585119 implements MigrationInterface {
  name = 'DateTimeMillisecondPrecision1796170585119';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`crm_connections\` CHANGE \`lastErrorAt\` \`lastErrorAt\` datetime(3) NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`crm_connections\` CHANGE \`lastErrorAt\` \`lastErrorAt\` datetime(0) NULL`);
  }
}
