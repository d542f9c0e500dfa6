import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ConsentPolicyOptOutsWidget1795882107449 implements MigrationInterface {
  name = 'ConsentPolicyOptOutsWidget1795882107449';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`tenant_data_keys\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`purpose\` varchar(10) NOT NULL, \`masterKeyId\` varchar(32) NOT NULL, \`wrappedKey\` varchar(200) NOT NULL, INDEX \`IDX_f2d0a6e3d5496e7eaa2f63899f\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_3f80ee4bcb68322723298070b5\` (\`tenantId\`, \`purpose\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`contact_opt_outs\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`endUserId\` varchar(36) NOT NULL, \`channel\` varchar(10) NOT NULL, \`source\` varchar(10) NOT NULL, \`reason\` varchar(200) NULL, \`optedOutAt\` datetime NOT NULL, INDEX \`IDX_e56461f5dd1c574befcfce0421\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_3d2d3ed7f093b81a7d2aa9f8ee\` (\`tenantId\`, \`endUserId\`, \`channel\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`processing_restrictions\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`endUserId\` varchar(36) NOT NULL, \`restrictedAt\` datetime NOT NULL, INDEX \`IDX_596abb5b0924e5b4b838978a83\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_3ad990f693a47409660125e46d\` (\`tenantId\`, \`endUserId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`cookie_consents\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`visitorId\` varchar(64) NOT NULL, \`functional\` tinyint NOT NULL, \`analytics\` tinyint NOT NULL, \`advertising\` tinyint NOT NULL, \`policyVersionId\` varchar(36) NULL, \`recordedAt\` datetime NOT NULL, \`addressHash\` varchar(64) NULL, \`userAgent\` varchar(400) NULL, \`page\` varchar(500) NULL, INDEX \`IDX_5fea59ad4dac6584ae5c140d4b\` (\`tenantId\`, \`id\`), INDEX \`IDX_4d21611cbd48c9d94268bc9be7\` (\`tenantId\`, \`visitorId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`visitor_links\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`visitorId\` varchar(64) NOT NULL, \`endUserId\` varchar(36) NOT NULL, INDEX \`IDX_e71f7c47aa791b1d3de12cca6c\` (\`tenantId\`, \`id\`), INDEX \`IDX_d64fac827425528a2037e9dd54\` (\`tenantId\`, \`endUserId\`), UNIQUE INDEX \`IDX_635d25ea08353e555eb7f192e3\` (\`tenantId\`, \`visitorId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`platform_policy_versions\` (\`id\` varchar(36) NOT NULL, \`version\` varchar(40) NOT NULL, \`publishedAt\` datetime NOT NULL, \`effectiveAt\` datetime NOT NULL, \`summary\` text NOT NULL, \`material\` tinyint NOT NULL DEFAULT 0, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), UNIQUE INDEX \`IDX_8fca4ac2ca0027516c59d0769e\` (\`version\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`sub_processors\` (\`id\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`purpose\` varchar(500) NOT NULL, \`location\` varchar(100) NOT NULL, \`dataCategories\` text NOT NULL, \`role\` varchar(20) NOT NULL, \`addedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), UNIQUE INDEX \`IDX_940aab18daba9dcdcbbd947bef\` (\`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`sub_processor_notices\` (\`id\` varchar(36) NOT NULL, \`subProcessorId\` varchar(36) NOT NULL, \`summary\` varchar(600) NOT NULL, \`publishedAt\` datetime NOT NULL, INDEX \`IDX_499be8fe38083010093a128706\` (\`publishedAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`ALTER TABLE \`consent_records\` ADD \`addressHash\` varchar(64) NULL`);
    await queryRunner.query(`ALTER TABLE \`consent_records\` ADD \`userAgent\` varchar(400) NULL`);
    await queryRunner.query(`ALTER TABLE \`consent_records\` ADD \`page\` varchar(500) NULL`);
    await queryRunner.query(`CREATE INDEX \`IDX_2ba4dc2271bd7c8b7c9d0bcd19\` ON \`policy_versions\` (\`tenantId\`, \`effectiveAt\`)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_2ba4dc2271bd7c8b7c9d0bcd19\` ON \`policy_versions\``);
    await queryRunner.query(`ALTER TABLE \`consent_records\` DROP COLUMN \`page\``);
    await queryRunner.query(`ALTER TABLE \`consent_records\` DROP COLUMN \`userAgent\``);
    await queryRunner.query(`ALTER TABLE \`consent_records\` DROP COLUMN \`addressHash\``);
    await queryRunner.query(`DROP INDEX \`IDX_499be8fe38083010093a128706\` ON \`sub_processor_notices\``);
    await queryRunner.query(`DROP TABLE \`sub_processor_notices\``);
    await queryRunner.query(`DROP INDEX \`IDX_940aab18daba9dcdcbbd947bef\` ON \`sub_processors\``);
    await queryRunner.query(`DROP TABLE \`sub_processors\``);
    await queryRunner.query(`DROP INDEX \`IDX_8fca4ac2ca0027516c59d0769e\` ON \`platform_policy_versions\``);
    await queryRunner.query(`DROP TABLE \`platform_policy_versions\``);
    await queryRunner.query(`DROP INDEX \`IDX_635d25ea08353e555eb7f192e3\` ON \`visitor_links\``);
    await queryRunner.query(`DROP INDEX \`IDX_d64fac827425528a2037e9dd54\` ON \`visitor_links\``);
    await queryRunner.query(`DROP INDEX \`IDX_e71f7c47aa791b1d3de12cca6c\` ON \`visitor_links\``);
    await queryRunner.query(`DROP TABLE \`visitor_links\``);
    await queryRunner.query(`DROP INDEX \`IDX_4d21611cbd48c9d94268bc9be7\` ON \`cookie_consents\``);
    await queryRunner.query(`DROP INDEX \`IDX_5fea59ad4dac6584ae5c140d4b\` ON \`cookie_consents\``);
    await queryRunner.query(`DROP TABLE \`cookie_consents\``);
    await queryRunner.query(`DROP INDEX \`IDX_3ad990f693a47409660125e46d\` ON \`processing_restrictions\``);
    await queryRunner.query(`DROP INDEX \`IDX_596abb5b0924e5b4b838978a83\` ON \`processing_restrictions\``);
    await queryRunner.query(`DROP TABLE \`processing_restrictions\``);
    await queryRunner.query(`DROP INDEX \`IDX_3d2d3ed7f093b81a7d2aa9f8ee\` ON \`contact_opt_outs\``);
    await queryRunner.query(`DROP INDEX \`IDX_e56461f5dd1c574befcfce0421\` ON \`contact_opt_outs\``);
    await queryRunner.query(`DROP TABLE \`contact_opt_outs\``);
    await queryRunner.query(`DROP INDEX \`IDX_3f80ee4bcb68322723298070b5\` ON \`tenant_data_keys\``);
    await queryRunner.query(`DROP INDEX \`IDX_f2d0a6e3d5496e7eaa2f63899f\` ON \`tenant_data_keys\``);
    await queryRunner.query(`DROP TABLE \`tenant_data_keys\``);
  }
}
