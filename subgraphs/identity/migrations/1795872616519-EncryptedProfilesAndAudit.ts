import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EncryptedProfilesAndAudit1795872616519 implements MigrationInterface {
  name = 'EncryptedProfilesAndAudit1795872616519';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_524060a727a0b6d7b6b50d6d4b\` ON \`end_users\``);
    await queryRunner.query(`DROP INDEX \`IDX_f60b4d4cd4761150f73e4521ad\` ON \`end_users\``);
    await queryRunner.query(`CREATE TABLE \`audit_events\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`action\` varchar(30) NOT NULL, \`endUserId\` varchar(36) NOT NULL, \`fields\` text NOT NULL, \`actor\` varchar(250) NOT NULL, \`clientIp\` varchar(45) NOT NULL, \`requestId\` varchar(64) NOT NULL, INDEX \`IDX_3919a39966d8e45541a7f3559b\` (\`tenantId\`, \`id\`), INDEX \`IDX_8a683d3d7b33dfcb40f68def9e\` (\`tenantId\`, \`endUserId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`tenant_data_keys\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`purpose\` varchar(10) NOT NULL, \`masterKeyId\` varchar(32) NOT NULL, \`wrappedKey\` varchar(200) NOT NULL, INDEX \`IDX_f2d0a6e3d5496e7eaa2f63899f\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_3f80ee4bcb68322723298070b5\` (\`tenantId\`, \`purpose\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`email\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`phone\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`address\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`gender\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`dateOfBirth\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`ssn\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`maritalStatus\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`geolocation\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`externalRef\` varchar(200) NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`dataRegion\` varchar(40) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`emailEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`emailIndex\` varchar(64) NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`phoneEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`phoneIndex\` varchar(64) NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`addressEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`genderEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`dateOfBirthEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`ssnEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`maritalStatusEncrypted\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`geolocationEncrypted\` text NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX \`IDX_925130a52093ebdd6a1cce3c38\` ON \`end_users\` (\`tenantId\`, \`externalRef\`)`);
    await queryRunner.query(`CREATE INDEX \`IDX_f18e652026aeb2987118aef7ec\` ON \`end_users\` (\`tenantId\`, \`phoneIndex\`, \`id\`)`);
    await queryRunner.query(`CREATE INDEX \`IDX_deaf61b11a86bef2bb284edbd2\` ON \`end_users\` (\`tenantId\`, \`emailIndex\`, \`id\`)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_deaf61b11a86bef2bb284edbd2\` ON \`end_users\``);
    await queryRunner.query(`DROP INDEX \`IDX_f18e652026aeb2987118aef7ec\` ON \`end_users\``);
    await queryRunner.query(`DROP INDEX \`IDX_925130a52093ebdd6a1cce3c38\` ON \`end_users\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`geolocationEncrypted\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`maritalStatusEncrypted\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`ssnEncrypted\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`dateOfBirthEncrypted\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`genderEncrypted\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`addressEncrypted\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`phoneIndex\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`phoneEncrypted\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`emailIndex\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`emailEncrypted\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`dataRegion\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` DROP COLUMN \`externalRef\``);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`geolocation\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`maritalStatus\` varchar(30) NOT NULL DEFAULT 'UNSPECIFIED'`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`ssn\` varchar(11) NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`dateOfBirth\` varchar(10) NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`gender\` varchar(20) NOT NULL DEFAULT 'UNSPECIFIED'`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`address\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`phone\` varchar(16) NULL`);
    await queryRunner.query(`ALTER TABLE \`end_users\` ADD \`email\` varchar(254) NULL`);
    await queryRunner.query(`DROP INDEX \`IDX_3f80ee4bcb68322723298070b5\` ON \`tenant_data_keys\``);
    await queryRunner.query(`DROP INDEX \`IDX_f2d0a6e3d5496e7eaa2f63899f\` ON \`tenant_data_keys\``);
    await queryRunner.query(`DROP TABLE \`tenant_data_keys\``);
    await queryRunner.query(`DROP INDEX \`IDX_8a683d3d7b33dfcb40f68def9e\` ON \`audit_events\``);
    await queryRunner.query(`DROP INDEX \`IDX_3919a39966d8e45541a7f3559b\` ON \`audit_events\``);
    await queryRunner.query(`DROP TABLE \`audit_events\``);
    await queryRunner.query(`CREATE INDEX \`IDX_f60b4d4cd4761150f73e4521ad\` ON \`end_users\` (\`tenantId\`, \`email\`)`);
    await queryRunner.query(`CREATE INDEX \`IDX_524060a727a0b6d7b6b50d6d4b\` ON \`end_users\` (\`tenantId\`, \`phone\`)`);
  }
}
