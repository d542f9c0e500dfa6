import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795869108969 implements MigrationInterface {
  name = 'Initial1795869108969';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`crm_connections\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`name\` varchar(100) NOT NULL, \`provider\` varchar(20) NOT NULL, \`baseUrl\` varchar(500) NOT NULL, \`role\` varchar(20) NOT NULL, \`status\` varchar(20) NOT NULL DEFAULT 'ACTIVE', \`lastError\` varchar(500) NULL, INDEX \`IDX_29c31d7cc31de65a63f792f103\` (\`tenantId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`crm_links\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`endUserId\` varchar(36) NOT NULL, \`connectionId\` varchar(36) NOT NULL, \`externalId\` varchar(100) NOT NULL, \`method\` varchar(20) NOT NULL, INDEX \`IDX_d13817d8c266a2cc1378b286e3\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_6978dca3d2f079f73c648d663b\` (\`tenantId\`, \`connectionId\`, \`externalId\`), INDEX \`IDX_78894987efb7ccd19fe3e9dcde\` (\`tenantId\`, \`endUserId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_78894987efb7ccd19fe3e9dcde\` ON \`crm_links\``);
    await queryRunner.query(`DROP INDEX \`IDX_6978dca3d2f079f73c648d663b\` ON \`crm_links\``);
    await queryRunner.query(`DROP INDEX \`IDX_d13817d8c266a2cc1378b286e3\` ON \`crm_links\``);
    await queryRunner.query(`DROP TABLE \`crm_links\``);
    await queryRunner.query(`DROP INDEX \`IDX_29c31d7cc31de65a63f792f103\` ON \`crm_connections\``);
    await queryRunner.query(`DROP TABLE \`crm_connections\``);
  }
}
