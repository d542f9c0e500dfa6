import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ErasedEndUsers1796168939314 implements MigrationInterface {
  name = 'ErasedEndUsers1796168939314';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`erased_end_users\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`endUserHash\` varchar(64) NOT NULL, INDEX \`IDX_808ddf25d1c3d7a2fca2e6d5c1\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_66f6865f0465f61b7ada29d928\` (\`tenantId\`, \`endUserHash\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_66f6865f0465f61b7ada29d928\` ON \`erased_end_users\``);
    await queryRunner.query(`DROP INDEX \`IDX_808ddf25d1c3d7a2fca2e6d5c1\` ON \`erased_end_users\``);
    await queryRunner.query(`DROP TABLE \`erased_end_users\``);
  }
}
