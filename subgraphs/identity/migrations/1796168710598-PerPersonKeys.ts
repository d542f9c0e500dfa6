import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PerPersonKeys1796168710598 implements MigrationInterface {
  name = 'PerPersonKeys1796168710598';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`firstNameEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`lastNameEncrypted\` text NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`lastNameEncrypted\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`firstNameEncrypted\``);
  }
}
