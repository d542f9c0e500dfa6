import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795869108954 implements MigrationInterface {
  name = 'Initial1795869108954';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`consent_records\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`endUserId\` varchar(36) NOT NULL, \`purpose\` varchar(30) NOT NULL, \`granted\` tinyint NOT NULL, \`policyVersionId\` varchar(36) NOT NULL, \`source\` varchar(10) NOT NULL, \`recordedAt\` datetime NOT NULL, INDEX \`IDX_e43f72389d4dbe982bcfa9d55d\` (\`tenantId\`, \`id\`), INDEX \`IDX_816b655ad64ca49826e44a56e2\` (\`tenantId\`, \`endUserId\`, \`purpose\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`policy_versions\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`version\` varchar(40) NOT NULL, \`publishedAt\` datetime NOT NULL, \`effectiveAt\` datetime NOT NULL, \`summary\` text NOT NULL, \`material\` tinyint NOT NULL DEFAULT 0, INDEX \`IDX_7a5d660463431dcf2373c93074\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_92499cb243d3e2883da6d0745c\` (\`tenantId\`, \`version\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_92499cb243d3e2883da6d0745c\` ON \`policy_versions\``);
    await queryRunner.query(`DROP INDEX \`IDX_7a5d660463431dcf2373c93074\` ON \`policy_versions\``);
    await queryRunner.query(`DROP TABLE \`policy_versions\``);
    await queryRunner.query(`DROP INDEX \`IDX_816b655ad64ca49826e44a56e2\` ON \`consent_records\``);
    await queryRunner.query(`DROP INDEX \`IDX_e43f72389d4dbe982bcfa9d55d\` ON \`consent_records\``);
    await queryRunner.query(`DROP TABLE \`consent_records\``);
  }
}
