import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PrivacyRequests1795880397855 implements MigrationInterface {
  name = 'PrivacyRequests1795880397855';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`disclosures\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`endUserId\` varchar(36) NULL, \`authority\` varchar(300) NOT NULL, \`legalBasis\` varchar(300) NOT NULL, \`reference\` varchar(200) NOT NULL, \`dataCategories\` text NOT NULL, \`disclosedAt\` datetime NOT NULL, \`recordedBy\` varchar(250) NOT NULL, INDEX \`IDX_4d141c27bfc6add48b66750330\` (\`tenantId\`, \`id\`), INDEX \`IDX_8b824ebab092c12a714d84ffa7\` (\`tenantId\`, \`endUserId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`legal_holds\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`endUserId\` varchar(36) NULL, \`reason\` varchar(300) NOT NULL, \`reference\` varchar(200) NULL, \`placedBy\` varchar(250) NOT NULL, \`releasedAt\` datetime NULL, \`releasedBy\` varchar(250) NULL, INDEX \`IDX_02dde4cafaa28dd5d6aa46601f\` (\`tenantId\`, \`id\`), INDEX \`IDX_669eb8723848b817bfce3c8ea7\` (\`tenantId\`, \`endUserId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`privacy_requests\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`kind\` varchar(20) NOT NULL, \`endUserId\` varchar(36) NULL, \`status\` varchar(20) NOT NULL, \`dueAt\` datetime NOT NULL, \`requestedBy\` varchar(250) NOT NULL, \`completedAt\` datetime NULL, \`detailsEncrypted\` text NULL, INDEX \`IDX_b22ed89c78b37680f4cdb84821\` (\`tenantId\`, \`id\`), INDEX \`IDX_380fb6c1206e324ff92ddee0db\` (\`tenantId\`, \`endUserId\`, \`id\`), INDEX \`IDX_5d4b8d2b8022b46139149fecd0\` (\`tenantId\`, \`status\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`privacy_tasks\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`requestId\` varchar(36) NOT NULL, \`target\` varchar(40) NOT NULL, \`status\` varchar(10) NOT NULL, \`attempts\` int NOT NULL DEFAULT '0', \`lastError\` varchar(300) NULL, \`nextAttemptAt\` datetime NULL, \`doneAt\` datetime NULL, INDEX \`IDX_870ccfb53ddd46bb8a360f07e5\` (\`tenantId\`, \`id\`), INDEX \`IDX_71e18995661254c466f5add0a4\` (\`status\`, \`nextAttemptAt\`), INDEX \`IDX_00d427042ef24ce9a2acfa0868\` (\`tenantId\`, \`requestId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`processingRestricted\` tinyint NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE \`audit_events\` ADD \`reference\` varchar(36) NULL`);
    await queryRunner.query(`DROP INDEX \`IDX_8a683d3d7b33dfcb40f68def9e\` ON \`audit_events\``);
    await queryRunner.query(`ALTER TABLE \`audit_events\` CHANGE \`endUserId\` \`endUserId\` varchar(36) NULL`);
    await queryRunner.query(`CREATE INDEX \`IDX_8a683d3d7b33dfcb40f68def9e\` ON \`audit_events\` (\`tenantId\`, \`endUserId\`, \`id\`)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_8a683d3d7b33dfcb40f68def9e\` ON \`audit_events\``);
    await queryRunner.query(`ALTER TABLE \`audit_events\` CHANGE \`endUserId\` \`endUserId\` varchar(36) NOT NULL`);
    await queryRunner.query(`CREATE INDEX \`IDX_8a683d3d7b33dfcb40f68def9e\` ON \`audit_events\` (\`tenantId\`, \`endUserId\`, \`id\`)`);
    await queryRunner.query(`ALTER TABLE \`audit_events\` DROP COLUMN \`reference\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`processingRestricted\``);
    await queryRunner.query(`DROP INDEX \`IDX_00d427042ef24ce9a2acfa0868\` ON \`privacy_tasks\``);
    await queryRunner.query(`DROP INDEX \`IDX_71e18995661254c466f5add0a4\` ON \`privacy_tasks\``);
    await queryRunner.query(`DROP INDEX \`IDX_870ccfb53ddd46bb8a360f07e5\` ON \`privacy_tasks\``);
    await queryRunner.query(`DROP TABLE \`privacy_tasks\``);
    await queryRunner.query(`DROP INDEX \`IDX_5d4b8d2b8022b46139149fecd0\` ON \`privacy_requests\``);
    await queryRunner.query(`DROP INDEX \`IDX_380fb6c1206e324ff92ddee0db\` ON \`privacy_requests\``);
    await queryRunner.query(`DROP INDEX \`IDX_b22ed89c78b37680f4cdb84821\` ON \`privacy_requests\``);
    await queryRunner.query(`DROP TABLE \`privacy_requests\``);
    await queryRunner.query(`DROP INDEX \`IDX_669eb8723848b817bfce3c8ea7\` ON \`legal_holds\``);
    await queryRunner.query(`DROP INDEX \`IDX_02dde4cafaa28dd5d6aa46601f\` ON \`legal_holds\``);
    await queryRunner.query(`DROP TABLE \`legal_holds\``);
    await queryRunner.query(`DROP INDEX \`IDX_8b824ebab092c12a714d84ffa7\` ON \`disclosures\``);
    await queryRunner.query(`DROP INDEX \`IDX_4d141c27bfc6add48b66750330\` ON \`disclosures\``);
    await queryRunner.query(`DROP TABLE \`disclosures\``);
  }
}
