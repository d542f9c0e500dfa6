import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PerPersonKeys1796168711088 implements MigrationInterface {
  name = 'PerPersonKeys1796168711088';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`tenant_data_keys\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`purpose\` varchar(10) NOT NULL, \`masterKeyId\` varchar(32) NOT NULL, \`wrappedKey\` varchar(200) NOT NULL, INDEX \`IDX_f2d0a6e3d5496e7eaa2f63899f\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_3f80ee4bcb68322723298070b5\` (\`tenantId\`, \`purpose\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` ADD \`textEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` CHANGE \`text\` \`text\` text NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` CHANGE \`text\` \`text\` text NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` DROP COLUMN \`textEncrypted\``);
    await queryRunner.query(`DROP INDEX \`IDX_3f80ee4bcb68322723298070b5\` ON \`tenant_data_keys\``);
    await queryRunner.query(`DROP INDEX \`IDX_f2d0a6e3d5496e7eaa2f63899f\` ON \`tenant_data_keys\``);
    await queryRunner.query(`DROP TABLE \`tenant_data_keys\``);
  }
}
