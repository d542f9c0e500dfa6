import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TranscriptRedactionMetricsRetention1795880488635 implements MigrationInterface {
  name = 'TranscriptRedactionMetricsRetention1795880488635';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`interaction_settings\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`minGroupSize\` int NOT NULL DEFAULT '11', \`transcriptRetentionDays\` int NOT NULL DEFAULT '365', \`redactionPatterns\` text NOT NULL, INDEX \`IDX_11cb884756185465b01b6ac4a5\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_d8ea63745a8a3e41e0d553f3ba\` (\`tenantId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`ALTER TABLE \`interactions\` ADD \`handleSeconds\` int NULL`);
    await queryRunner.query(`ALTER TABLE \`interactions\` ADD \`startedDay\` varchar(10) NOT NULL DEFAULT ''`);
    // Rows recorded before these columns: their UTC start day and handle time, as the entity derives them.
    await queryRunner.query(`UPDATE \`interactions\` SET \`startedDay\` = DATE_FORMAT(\`startedAt\`, '%Y-%m-%d'), \`handleSeconds\` = TIMESTAMPDIFF(SECOND, \`startedAt\`, \`endedAt\`)`);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` ADD \`ssnRedactions\` int NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` ADD \`cardRedactions\` int NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` ADD \`patternRedactions\` int NOT NULL DEFAULT '0'`);
    await queryRunner.query(`CREATE INDEX \`IDX_6a3775cc569e52fbddbb90a9e6\` ON \`interactions\` (\`tenantId\`, \`startedDay\`)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_6a3775cc569e52fbddbb90a9e6\` ON \`interactions\``);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` DROP COLUMN \`patternRedactions\``);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` DROP COLUMN \`cardRedactions\``);
    await queryRunner.query(`ALTER TABLE \`transcript_segments\` DROP COLUMN \`ssnRedactions\``);
    await queryRunner.query(`ALTER TABLE \`interactions\` DROP COLUMN \`startedDay\``);
    await queryRunner.query(`ALTER TABLE \`interactions\` DROP COLUMN \`handleSeconds\``);
    await queryRunner.query(`DROP INDEX \`IDX_d8ea63745a8a3e41e0d553f3ba\` ON \`interaction_settings\``);
    await queryRunner.query(`DROP INDEX \`IDX_11cb884756185465b01b6ac4a5\` ON \`interaction_settings\``);
    await queryRunner.query(`DROP TABLE \`interaction_settings\``);
  }
}
