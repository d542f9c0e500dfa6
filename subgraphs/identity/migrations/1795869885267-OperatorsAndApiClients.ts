import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OperatorsAndApiClients1795869885267 implements MigrationInterface {
  name = 'OperatorsAndApiClients1795869885267';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`operators\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`subject\` varchar(200) NOT NULL, \`email\` varchar(254) NOT NULL, \`displayName\` varchar(200) NULL, \`roles\` text NOT NULL, \`status\` varchar(10) NOT NULL DEFAULT 'ACTIVE', INDEX \`IDX_3e8e21527274dcb6f57eb486ae\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_c6e52deced01cf67cb173448b7\` (\`tenantId\`, \`subject\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`api_clients\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`name\` varchar(100) NOT NULL, \`clientId\` varchar(64) NOT NULL, \`secretHash\` varchar(200) NOT NULL, \`scopes\` text NOT NULL, \`status\` varchar(10) NOT NULL DEFAULT 'ACTIVE', \`lastUsedAt\` datetime NULL, INDEX \`IDX_b60999c5b607ce77197f240a06\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_a5e85a73ceb3c685681eda6bfe\` (\`clientId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_a5e85a73ceb3c685681eda6bfe\` ON \`api_clients\``);
    await queryRunner.query(`DROP INDEX \`IDX_b60999c5b607ce77197f240a06\` ON \`api_clients\``);
    await queryRunner.query(`DROP TABLE \`api_clients\``);
    await queryRunner.query(`DROP INDEX \`IDX_c6e52deced01cf67cb173448b7\` ON \`operators\``);
    await queryRunner.query(`DROP INDEX \`IDX_3e8e21527274dcb6f57eb486ae\` ON \`operators\``);
    await queryRunner.query(`DROP TABLE \`operators\``);
  }
}
