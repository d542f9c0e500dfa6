import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795869108938 implements MigrationInterface {
  name = 'Initial1795869108938';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`interactions\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`endUserId\` varchar(36) NULL, \`channel\` varchar(10) NOT NULL, \`direction\` varchar(10) NOT NULL, \`startedAt\` datetime NOT NULL, \`endedAt\` datetime NULL, \`agentId\` varchar(200) NULL, \`queue\` varchar(100) NULL, \`disposition\` varchar(100) NULL, INDEX \`IDX_c2883f9264453e6f0db0c1060a\` (\`tenantId\`, \`id\`), INDEX \`IDX_dd7351640682c3cddffd7346f3\` (\`tenantId\`, \`endUserId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    await queryRunner.query(`CREATE TABLE \`transcript_segments\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`interactionId\` varchar(36) NOT NULL, \`sequence\` int NOT NULL, \`speaker\` varchar(10) NOT NULL, \`text\` text NOT NULL, \`occurredAt\` datetime NOT NULL, INDEX \`IDX_3a50c225773f1db641ae193b4d\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_c8be72621ca4171d584e8645b8\` (\`tenantId\`, \`interactionId\`, \`sequence\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_c8be72621ca4171d584e8645b8\` ON \`transcript_segments\``);
    await queryRunner.query(`DROP INDEX \`IDX_3a50c225773f1db641ae193b4d\` ON \`transcript_segments\``);
    await queryRunner.query(`DROP TABLE \`transcript_segments\``);
    await queryRunner.query(`DROP INDEX \`IDX_dd7351640682c3cddffd7346f3\` ON \`interactions\``);
    await queryRunner.query(`DROP INDEX \`IDX_c2883f9264453e6f0db0c1060a\` ON \`interactions\``);
    await queryRunner.query(`DROP TABLE \`interactions\``);
  }
}
