import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DateTimeMillisecondPrecision1796170583807 implements MigrationInterface {
  name = 'DateTimeMillisecondPrecision1796170583807';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`api_clients\` CHANGE \`lastUsedAt\` \`lastUsedAt\` datetime(3) NULL`);
    await queryRunner.query(`ALTER TABLE \`disclosures\` CHANGE \`disclosedAt\` \`disclosedAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`legal_holds\` CHANGE \`releasedAt\` \`releasedAt\` datetime(3) NULL`);
    await queryRunner.query(`ALTER TABLE \`privacy_requests\` CHANGE \`dueAt\` \`dueAt\` datetime(3) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`privacy_requests\` CHANGE \`completedAt\` \`completedAt\` datetime(3) NULL`);
    await queryRunner.query(`DROP INDEX \`IDX_71e18995661254c466f5add0a4\` ON \`privacy_tasks\``);
    await queryRunner.query(`ALTER TABLE \`privacy_tasks\` CHANGE \`nextAttemptAt\` \`nextAttemptAt\` datetime(3) NULL`);
    await queryRunner.query(`ALTER TABLE \`privacy_tasks\` CHANGE \`doneAt\` \`doneAt\` datetime(3) NULL`);
    await queryRunner.query(`CREATE INDEX \`IDX_71e18995661254c466f5add0a4\` ON \`privacy_tasks\` (\`status\`, \`nextAttemptAt\`)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_71e18995661254c466f5add0a4\` ON \`privacy_tasks\``);
    await queryRunner.query(`ALTER TABLE \`privacy_tasks\` CHANGE \`doneAt\` \`doneAt\` datetime(0) NULL`);
    await queryRunner.query(`ALTER TABLE \`privacy_tasks\` CHANGE \`nextAttemptAt\` \`nextAttemptAt\` datetime(0) NULL`);
    await queryRunner.query(`CREATE INDEX \`IDX_71e18995661254c466f5add0a4\` ON \`privacy_tasks\` (\`status\`, \`nextAttemptAt\`)`);
    await queryRunner.query(`ALTER TABLE \`privacy_requests\` CHANGE \`completedAt\` \`completedAt\` datetime(0) NULL`);
    await queryRunner.query(`ALTER TABLE \`privacy_requests\` CHANGE \`dueAt\` \`dueAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`legal_holds\` CHANGE \`releasedAt\` \`releasedAt\` datetime(0) NULL`);
    await queryRunner.query(`ALTER TABLE \`disclosures\` CHANGE \`disclosedAt\` \`disclosedAt\` datetime(0) NOT NULL`);
    await queryRunner.query(`ALTER TABLE \`api_clients\` CHANGE \`lastUsedAt\` \`lastUsedAt\` datetime(0) NULL`);
  }
}
