import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PerPersonKeys1796168711088 implements MigrationInterface {
  name = 'PerPersonKeys1796168711088';

  // tenant_data_keys comes with MetricsPrivacyLedger, which runs first.
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` ADD \`textEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` CHANGE \`text\` \`text\` text NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` CHANGE \`text\` \`text\` text NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` DROP COLUMN \`textEncrypted\``);
  }
}
