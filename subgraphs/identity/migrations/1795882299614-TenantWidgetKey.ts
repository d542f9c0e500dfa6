import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TenantWidgetKey1795882299614 implements MigrationInterface {
  name = 'TenantWidgetKey1795882299614';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`tenants\` ADD \`widgetKey\` varchar(64) NULL`);
    await queryRunner.query(`ALTER TABLE \`tenants\` ADD UNIQUE INDEX \`IDX_e9aaaa7f0dd7b411e6352e5be1\` (\`widgetKey\`)`);
    await queryRunner.query(`ALTER TABLE \`tenants\` ADD \`widgetOrigins\` text NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`tenants\` DROP COLUMN \`widgetOrigins\``);
    await queryRunner.query(`ALTER TABLE \`tenants\` DROP INDEX \`IDX_e9aaaa7f0dd7b411e6352e5be1\``);
    await queryRunner.query(`ALTER TABLE \`tenants\` DROP COLUMN \`widgetKey\``);
  }
}
