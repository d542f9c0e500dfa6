import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MetricsPrivacyLedger1796168637377 implements MigrationInterface {
  name = 'MetricsPrivacyLedger1796168637377';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`tenant_data_keys\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`purpose\` varchar(10) NOT NULL, \`masterKeyId\` varchar(32) NOT NULL, \`wrappedKey\` varchar(200) NOT NULL, INDEX \`IDX_f2d0a6e3d5496e7eaa2f63899f\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_3f80ee4bcb68322723298070b5\` (\`tenantId\`, \`purpose\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`metric_cells\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`day\` varchar(10) NOT NULL, \`channel\` varchar(10) NOT NULL, \`queue\` varchar(100) NULL, \`interactions\` int NOT NULL, \`distinctCallers\` int NOT NULL, \`handledInteractions\` int NOT NULL, \`totalHandleSeconds\` bigint NOT NULL, INDEX \`IDX_470f8844468efbe92a37ca0bd5\` (\`tenantId\`, \`id\`), INDEX \`IDX_ae9ceb06fe6e66ea33a662c18e\` (\`tenantId\`, \`day\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`metric_releases\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`day\` varchar(10) NOT NULL, \`epsilon\` double NOT NULL, \`delta\` double NOT NULL, \`cells\` int NOT NULL, INDEX \`IDX_15e48ae64ebb0dd11e1687cec3\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_968bc2f8cbd691bbda9e354383\` (\`tenantId\`, \`day\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_968bc2f8cbd691bbda9e354383\` ON \`metric_releases\``);
    await queryRunner.query(`DROP INDEX \`IDX_15e48ae64ebb0dd11e1687cec3\` ON \`metric_releases\``);
    await queryRunner.query(`DROP TABLE \`metric_releases\``);
    await queryRunner.query(`DROP INDEX \`IDX_ae9ceb06fe6e66ea33a662c18e\` ON \`metric_cells\``);
    await queryRunner.query(`DROP INDEX \`IDX_470f8844468efbe92a37ca0bd5\` ON \`metric_cells\``);
    await queryRunner.query(`DROP TABLE \`metric_cells\``);
    await queryRunner.query(`DROP INDEX \`IDX_3f80ee4bcb68322723298070b5\` ON \`tenant_data_keys\``);
    await queryRunner.query(`DROP INDEX \`IDX_f2d0a6e3d5496e7eaa2f63899f\` ON \`tenant_data_keys\``);
    await queryRunner.query(`DROP TABLE \`tenant_data_keys\``);
  }
}
