import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795869108919 implements MigrationInterface {
  name = 'Initial1795869108919';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`end_users\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`firstName\` varchar(100) NULL, \`lastName\` varchar(100) NULL, \`email\` varchar(254) NULL, \`phone\` varchar(16) NULL, \`address\` text NULL, \`gender\` varchar(20) NOT NULL DEFAULT 'UNSPECIFIED', \`dateOfBirth\` varchar(10) NULL, \`ssn\` varchar(11) NULL, \`maritalStatus\` varchar(30) NOT NULL DEFAULT 'UNSPECIFIED', \`geolocation\` text NULL, INDEX \`IDX_607e07fa684cf02266faf020a2\` (\`tenantId\`, \`id\`), INDEX \`IDX_524060a727a0b6d7b6b50d6d4b\` (\`tenantId\`, \`phone\`), INDEX \`IDX_f60b4d4cd4761150f73e4521ad\` (\`tenantId\`, \`email\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`tenants\` (\`id\` varchar(36) NOT NULL, \`slug\` varchar(63) NOT NULL, \`name\` varchar(200) NOT NULL, \`deployment\` varchar(20) NOT NULL, \`region\` varchar(40) NOT NULL, \`status\` varchar(20) NOT NULL DEFAULT 'ACTIVE', \`accessMode\` varchar(20) NOT NULL DEFAULT 'EVERYONE', \`allowedCidrs\` text NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), UNIQUE INDEX \`IDX_2310ecc5cb8be427097154b18f\` (\`slug\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_2310ecc5cb8be427097154b18f\` ON \`tenants\``);
    await queryRunner.query(`DROP TABLE \`tenants\``);
    await queryRunner.query(`DROP INDEX \`IDX_f60b4d4cd4761150f73e4521ad\` ON \`end_users\``);
    await queryRunner.query(`DROP INDEX \`IDX_524060a727a0b6d7b6b50d6d4b\` ON \`end_users\``);
    await queryRunner.query(`DROP INDEX \`IDX_607e07fa684cf02266faf020a2\` ON \`end_users\``);
    await queryRunner.query(`DROP TABLE \`end_users\``);
  }
}
