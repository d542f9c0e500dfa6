import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DateTimeMillisecondPrecision1796170584866 implements MigrationInterface {
  name = 'DateTimeMillisecondPrecision1796170584866';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`consent_records\` CHANGE \`recordedAt\` \`recordedAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`contact_opt_outs\` CHANGE \`optedOutAt\` \`optedOutAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`processing_restrictions\` CHANGE \`restrictedAt\` \`restrictedAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`cookie_consents\` CHANGE \`recordedAt\` \`recordedAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`DROP INDEX \`IDX_2ba4dc2271bd7c8b7c9d0bcd19\` ON \`policy_versions\``);
    await queryRunner.query(`ALTER TABLE \`policy_versions\` CHANGE \`publishedAt\` \`publishedAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`policy_versions\` CHANGE \`effectiveAt\` \`effectiveAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`platform_policy_versions\` CHANGE \`publishedAt\` \`publishedAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`platform_policy_versions\` CHANGE \`effectiveAt\` \`effectiveAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`sub_processor_notices\` CHANGE \`publishedAt\` \`publishedAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`CREATE INDEX \`IDX_2ba4dc2271bd7c8b7c9d0bcd19\` ON \`policy_versions\` (\`tenantId\`, \`effectiveAt\`)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_2ba4dc2271bd7c8b7c9d0bcd19\` ON \`policy_versions\``);
    await queryRunner.query(`ALTER TABLE \`sub_processor_notices\` CHANGE \`publishedAt\` \`publishedAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`platform_policy_versions\` CHANGE \`effectiveAt\` \`effectiveAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`platform_policy_versions\` CHANGE \`publishedAt\` \`publishedAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`policy_versions\` CHANGE \`effectiveAt\` \`effectiveAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`policy_versions\` CHANGE \`publishedAt\` \`publishedAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`CREATE INDEX \`IDX_2ba4dc2271bd7c8b7c9d0bcd19\` ON \`policy_versions\` (\`tenantId\`, \`effectiveAt\`)`);
    await queryRunner.query(`ALTER TABLE \`cookie_consents\` CHANGE \`recordedAt\` \`recordedAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`processing_restrictions\` CHANGE \`restrictedAt\` \`restrictedAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`contact_opt_outs\` CHANGE \`optedOutAt\` \`optedOutAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`consent_records\` CHANGE \`recordedAt\` \`recordedAt\` datetime(0) NOT NULL`);
  }
}
