import { DataSource } from 'typeorm';
import { AuditAction, AuditEvent } from '../../subgraphs/identity/entities/audit-event.entity';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { TranscriptSegment, Speaker } from '../../subgraphs/interactions/entities/transcript-segment.entity';
import { pageRequest } from '../../subgraphs/kit/pagination';
import { TenantScope } from '../../subgraphs/kit/tenant-repository';
import { StatementCounter } from '../helpers/statement-counter';

/** The prepared lookups of TenantRepository: the ORM's answers, one statement each, never another tenant's rows. */
describe('prepared tenant-scoped lookups', () => {
  let dataSource: DataSource;
  let counter: StatementCounter<'db'>;
  const A = 'tenant-prep-a';
  const B = 'tenant-prep-b';
  const ids: Record<string, string[]> = { [A]: [], [B]: [] };

  beforeAll(async () => {
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [EndUser, AuditEvent, TranscriptSegment], synchronize: true }).initialize();
    for (const tenant of [A, B]) {
      const repo = TenantScope.of(dataSource, tenant).repo(EndUser);
      for (let n = 0; n < 6; n++) {
        const row = await repo.save(repo.create({ legacyFirstName: `${tenant}-${n}`, dataRegion: 'eu-west-1', emailIndex: `index-${n % 2}`, processingRestricted: n === 5 }));
        ids[tenant].push(row.id);
      }
    }
    counter = new StatementCounter({ db: dataSource });
  });
  afterAll(async () => {
    counter?.close();
    await dataSource?.destroy();
  });
  beforeEach(() => counter.reset());

  it('reads rows as the ORM does (booleans, dates, nulls) in one statement', async () => {
    const a = TenantScope.of(dataSource, A).repo(EndUser);
    const fromOrm = await dataSource.getRepository(EndUser).findOneByOrFail({ id: ids[A][5] });
    counter.reset();
    const prepared = await a.findById(ids[A][5]);
    expect(prepared).toEqual(fromOrm);
    expect(prepared).toBeInstanceOf(EndUser);
    expect(prepared!.processingRestricted).toBe(true);
    expect(prepared!.createdAt).toBeInstanceOf(Date);
    expect(counter.counts.db).toBe(1);
  });

  it('never answers with another tenant’s rows, whatever ids, values or parents it is given', async () => {
    const b = TenantScope.of(dataSource, B).repo(EndUser);
    expect(await b.findById(ids[A][0])).toBeNull();
    expect(await b.findById(undefined as unknown as string)).toBeNull();
    expect(await b.findByIds([null, undefined] as unknown as string[])).toEqual([]);
    expect((await b.findByIds([...ids[A], ids[B][0]])).map((row) => row.id)).toEqual([ids[B][0]]);
    expect((await b.findIn('legacyFirstName', [`${A}-1`, `${B}-1`])).map((row) => row.legacyFirstName)).toEqual([`${B}-1`]);
    expect((await b.findOne({ legacyFirstName: `${A}-2` }))).toBeNull();
    // A where naming tenantId cannot widen or move the scope.
    expect(await b.findOne({ tenantId: A, legacyFirstName: `${A}-2` } as never)).toBeNull();
    const page = await b.page({ emailIndex: 'index-0' }, pageRequest(10, null));
    expect(page.edges.map((edge) => edge.node.tenantId)).toEqual([B, B, B]);
  });

  it('pads IN lists to powers of two, so 5, 6, 7 and 8 ids share one prepared text, and repeats are harmless', async () => {
    const a = TenantScope.of(dataSource, A).repo(EndUser);
    for (const size of [5, 6, 7, 8]) expect(await a.findByIds([...ids[A].slice(0, 6), ...ids[A]].slice(0, size))).toHaveLength(Math.min(size, 6));
    expect(new Set(counter.statements).size).toBe(1);
    expect(await a.findByIds([ids[A][0], ids[A][0], ids[A][0]])).toHaveLength(1);
  });

  it('pages by plain equalities in id order, the cursor continuing where the page ended', async () => {
    const a = TenantScope.of(dataSource, A).repo(EndUser);
    const first = await a.page({ emailIndex: 'index-1' }, pageRequest(2, null));
    expect(first.edges.map((edge) => edge.node.id)).toEqual([ids[A][1], ids[A][3]]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = await a.page({ emailIndex: 'index-1' }, pageRequest(2, first.pageInfo.endCursor));
    expect(next.edges.map((edge) => edge.node.id)).toEqual([ids[A][5]]);
    expect(next.pageInfo.hasNextPage).toBe(false);
    expect(counter.counts.db).toBe(2);
  });

  it('gives each parent its first children in order, after a cursor, for all parents in one statement', async () => {
    const segments = TenantScope.of(dataSource, A).repo(TranscriptSegment);
    const foreign = TenantScope.of(dataSource, B).repo(TranscriptSegment);
    const rows = [];
    for (const interactionId of ['i-1', 'i-2']) {
      for (const sequence of [3, 1, 2, 4]) {
        rows.push(segments.create({ interactionId, sequence, speaker: Speaker.AGENT, textEncrypted: null, legacyText: `${interactionId}/${sequence}`, occurredAt: new Date() }));
      }
    }
    await segments.saveMany(rows);
    await foreign.save(foreign.create({ interactionId: 'i-1', sequence: 0, speaker: Speaker.AGENT, legacyText: 'other tenant', occurredAt: new Date() }));
    counter.reset();
    const pages = await segments.firstPerParent('interactionId', ['i-1', 'i-2', 'i-none'], { orderBy: 'sequence', after: 1, limit: 2 });
    expect(counter.counts.db).toBe(1);
    expect(pages.get('i-1')!.map((row) => row.sequence)).toEqual([2, 3]);
    expect(pages.get('i-2')!.map((row) => row.sequence)).toEqual([2, 3]);
    expect(pages.get('i-none')).toEqual([]);
    const all = await segments.firstPerParent('interactionId', ['i-1'], { orderBy: 'sequence', limit: 10 });
    expect(all.get('i-1')!.map((row) => row.legacyText)).toEqual(['i-1/1', 'i-1/2', 'i-1/3', 'i-1/4']);
  });

  it('inserts rows in one statement, keeping a reference only to a row of its own tenant that exists', async () => {
    const events = TenantScope.of(dataSource, A).repo(AuditEvent);
    const entry = (endUserId: string) =>
      events.create({ action: AuditAction.READ_SENSITIVE, endUserId, reference: null, fields: ['ssn'], actor: 'operator:x', clientIp: '10.0.0.1', requestId: 'req-1' });
    const rows = [entry(ids[A][0]), entry(ids[B][0]), entry('00000000-0000-0000-0000-000000000000')];
    await events.insertReferencing(rows, 'endUserId', EndUser);
    expect(counter.counts.db).toBe(1);
    const stored = await dataSource.getRepository(AuditEvent).find({ where: { requestId: 'req-1' }, order: { id: 'ASC' } });
    expect(stored.map((row) => [row.tenantId, row.endUserId, row.fields])).toEqual([
      [A, ids[A][0], ['ssn']],
      // Another tenant's person, or nobody: the entry keeps its facts, not the id.
      [A, null, ['ssn']],
      [A, null, ['ssn']],
    ]);
    await expect(events.insertReferencing([{ ...entry(ids[A][1]), tenantId: B } as AuditEvent], 'endUserId', EndUser)).rejects.toThrow(/another tenant/);
  });
});
