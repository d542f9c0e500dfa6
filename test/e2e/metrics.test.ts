import { Interaction } from '../../subgraphs/interactions/entities/interaction.entity';
import { MetricRelease } from '../../subgraphs/interactions/entities/metric-release.entity';
import { MetricDimension } from '../../subgraphs/interactions/entities/interaction-metrics';
import { MetricsService } from '../../subgraphs/interactions/services/metrics.service';
import { InteractionSettingsService } from '../../subgraphs/interactions/services/interaction-settings.service';
import { cellNoise, MetricMeasure, NAMED_QUEUE_MIN_CALLERS } from '../../subgraphs/interactions/services/metrics-noise';
import { Channel } from '../../subgraphs/kit/channel';
import { Keyring } from '../../subgraphs/kit/crypto/keyring';
import { LocalMasterKeys } from '../../subgraphs/kit/crypto/master-keys';
import { DataKeyPurpose, TenantDataKey } from '../../subgraphs/kit/crypto/tenant-data-key.entity';
import { newId } from '../../subgraphs/kit/tenant-entity';
import { TenantScope } from '../../subgraphs/kit/tenant-repository';
import { codes, type GraphQLResponse } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

/**
 * The attacks that recovered suppressed groups from the old suppression-only metrics, tried against
 * the differentially private ones. The tenant's metrics key is fixed here, so every noise value is
 * known to the test (never to an analyst) and each attacker's estimate can be stated exactly.
 */

let world: SeededStack;
let tenant: { id: string; slug: string };
let analyst: string;
let supervisor: string;
let admin: string;

const KEY = Buffer.alloc(32, 3);
const D0 = '2026-03-01';
const D1 = '2026-03-02';
const D2 = '2026-03-03';
const D3 = '2026-03-04';
const CHANNELS = Object.values(Channel);

const METRICS = `query($from: String!, $to: String!, $groupBy: [MetricDimension!]) {
  interactionMetrics(from: $from, to: $to, groupBy: $groupBy) {
    from to groupBy minGroupSize suppressedGroups releasedDays pendingDays
    groups { day channel queue interactions distinctCallers handledInteractions totalHandleSeconds averageHandleSeconds cells }
    privacy { epsilonPerDay delta maxInteractionsPerCallerDay handleSecondsCap namedQueueMinCallers noise { measure epsilon sensitivity standardDeviationPerCell } }
  }
}`;

const interactionsDb = () => world.stack.subgraphs.interactions.dataSource;

async function metrics(from: string, to: string, groupBy: string[] = [], token = analyst) {
  const response = await world.as(token).send(METRICS, { from, to, groupBy });
  expect(response.errors).toBeUndefined();
  return response.data.interactionMetrics as { groups: Group[]; suppressedGroups: number; releasedDays: number; pendingDays: number; minGroupSize: number; privacy: any };
}

interface Figures {
  interactions: number;
  distinctCallers: number;
  handledInteractions: number;
  totalHandleSeconds: number;
}
interface Group extends Figures {
  day: string | null;
  channel: string | null;
  queue: string | null;
  averageHandleSeconds: number | null;
  cells: number;
}

/** The exact figures of the seeded cells (after the per-caller and handle-time bounds); everything else is empty. */
const EXACT: Record<string, Figures> = {
  // 80 callers; caller 0 calls 4 times (2 count, the 2nd still open), caller 1 talks 3 hours (counts 1,800 s).
  [`${D1}|VOICE|billing`]: { interactions: 81, distinctCallers: 80, handledInteractions: 80, totalHandleSeconds: 79 * 120 + 1800 },
  // Chat queue "support" (10 callers) and SMS queue "sales" (1 caller) are too small to be named: their cells' buckets.
  [`${D1}|CHAT|`]: { interactions: 10, distinctCallers: 10, handledInteractions: 10, totalHandleSeconds: 2400 },
  [`${D1}|SMS|`]: { interactions: 1, distinctCallers: 1, handledInteractions: 1, totalHandleSeconds: 60 },
  // 11 anonymous voice interactions in "billing": not named that day either.
  [`${D2}|VOICE|`]: { interactions: 11, distinctCallers: 11, handledInteractions: 11, totalHandleSeconds: 3960 },
};
const ZERO: Figures = { interactions: 0, distinctCallers: 0, handledInteractions: 0, totalHandleSeconds: 0 };
const FIELDS = ['interactions', 'distinctCallers', 'handledInteractions', 'totalHandleSeconds'] as const;
const MEASURE: Record<(typeof FIELDS)[number], MetricMeasure> = {
  interactions: MetricMeasure.INTERACTIONS,
  distinctCallers: MetricMeasure.DISTINCT_CALLERS,
  handledInteractions: MetricMeasure.HANDLED_INTERACTIONS,
  totalHandleSeconds: MetricMeasure.TOTAL_HANDLE_SECONDS,
};

const exact = (day: string, channel: string, queue: string | null): Figures => EXACT[`${day}|${channel}|${queue ?? ''}`] ?? ZERO;
const noise = (day: string, channel: string, queue: string | null): Figures =>
  Object.fromEntries(FIELDS.map((field) => [field, cellNoise(KEY, { day, channel, queue }, MEASURE[field])])) as unknown as Figures;
const plus = (a: Figures, b: Figures): Figures => Object.fromEntries(FIELDS.map((f) => [f, a[f] + b[f]])) as unknown as Figures;
const minus = (a: Figures, b: Figures): Figures => Object.fromEntries(FIELDS.map((f) => [f, a[f] - b[f]])) as unknown as Figures;
const figures = (g: Figures): Figures => Object.fromEntries(FIELDS.map((f) => [f, g[f]])) as unknown as Figures;
const sum = (list: Figures[]) => list.reduce(plus, ZERO);

function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The released cells as the test knows them: exact figures plus the noise the tenant's key fixes. */
function cells(from: string, to: string) {
  const list: { day: string; channel: string; queue: string | null; figures: Figures }[] = [];
  for (const day of daysOf(from, to)) {
    for (const channel of CHANNELS) list.push({ day, channel, queue: null, figures: plus(exact(day, channel, null), noise(day, channel, null)) });
    if (day === D1) list.push({ day, channel: 'VOICE', queue: 'billing', figures: plus(exact(D1, 'VOICE', 'billing'), noise(D1, 'VOICE', 'billing')) });
  }
  return list;
}

/** What an answer must be: the oracle's noisy cells summed per group, small groups left out. */
function expected(from: string, to: string, groupBy: string[], minGroupSize = 11) {
  const sums = new Map<string, Group>();
  for (const cell of cells(from, to)) {
    const group = {
      day: groupBy.includes('DAY') ? cell.day : null,
      channel: groupBy.includes('CHANNEL') ? cell.channel : null,
      queue: groupBy.includes('QUEUE') ? cell.queue : null,
    };
    const id = JSON.stringify(group);
    const current = sums.get(id) ?? { ...group, ...ZERO, averageHandleSeconds: null, cells: 0 };
    sums.set(id, { ...current, ...plus(figures(current), cell.figures), cells: current.cells + 1 });
  }
  const shown: Group[] = [];
  let suppressedGroups = 0;
  for (const group of sums.values()) {
    if (group.distinctCallers < minGroupSize) {
      suppressedGroups++;
      continue;
    }
    group.averageHandleSeconds = group.handledInteractions > 0 ? Math.round((Math.max(0, group.totalHandleSeconds) / group.handledInteractions) * 10) / 10 : null;
    shown.push(group);
  }
  const order = (g: Group) => `${g.day ?? ''}\u0000${g.channel ?? ''}\u0000${g.queue ?? ''}`;
  shown.sort((a, b) => (order(a) < order(b) ? -1 : 1));
  return { groups: shown, suppressedGroups };
}

const ledger = () => TenantScope.of(interactionsDb(), tenant.id).repo(MetricRelease).find({ order: { day: 'ASC' } });

beforeAll(async () => {
  world = await seededStack();
  const platform = await world.env.token({ platform: true });
  const created = await world.as(platform).send('mutation { createTenant(input: { slug: "metrico", name: "Metrico", deployment: PUBLIC_CLOUD, region: "us-east-1" }) { id slug } }');
  tenant = created.data.createTenant;
  analyst = await world.env.token({ tenant: tenant.slug, roles: ['analyst'], sub: 'metrico-analyst' });
  supervisor = await world.env.token({ tenant: tenant.slug, roles: ['supervisor'], sub: 'metrico-supervisor' });
  admin = await world.env.token({ tenant: tenant.slug, roles: ['admin'], sub: 'metrico-admin' });

  const scope = TenantScope.of(interactionsDb(), tenant.id);
  const { keyId, wrapped } = await new LocalMasterKeys(world.env.keys.masterKeys).wrap(KEY);
  const keys = scope.repo(TenantDataKey);
  await keys.save(keys.create({ purpose: DataKeyPurpose.METRICS, masterKeyId: keyId, wrappedKey: wrapped }));

  const repo = scope.repo(Interaction);
  const rows: Interaction[] = [];
  const add = (day: string, channel: string, queue: string, endUserId: string | null, handleMinutes: number | null) => {
    const startedAt = new Date(Date.parse(`${day}T08:00:00.000Z`) + rows.length * 60_000);
    rows.push(repo.create({
      endUserId, channel: channel as never, direction: 'INBOUND' as never, startedAt, queue, agentId: 'a1', disposition: 'RESOLVED',
      endedAt: handleMinutes === null ? null : new Date(startedAt.getTime() + handleMinutes * 60_000),
    }));
  };
  const callers = Array.from({ length: 80 }, () => newId());
  callers.forEach((caller, i) => add(D1, 'VOICE', 'billing', caller, i === 1 ? 180 : 2));
  for (let i = 0; i < 3; i++) add(D1, 'VOICE', 'billing', callers[0], null);
  Array.from({ length: 10 }, () => newId()).forEach((caller) => add(D1, 'CHAT', 'support', caller, 4));
  add(D1, 'SMS', 'sales', newId(), 1);
  Array.from({ length: 11 }).forEach(() => add(D2, 'VOICE', 'billing', null, 6));
  add('2026-03-05', 'SMS', 'sales', newId(), 1); // outside the ranges asked for
  await repo.saveMany(rows);
});
afterAll(async () => {
  await world?.close();
});

describe('differentially private metrics', () => {
  it('answer every grouping as sums of the same noisy cells: the exact figure plus noise fixed by the tenant’s key', async () => {
    // The fixtures' premise: billing is named on D1 (80 callers), the small queues are not.
    expect(80 + cellNoise(KEY, { day: D1, channel: 'VOICE', queue: 'billing' }, MetricMeasure.QUEUE_SELECTION)).toBeGreaterThanOrEqual(NAMED_QUEUE_MIN_CALLERS);
    const answers: unknown[] = [];
    for (const groupBy of [[], ['DAY'], ['CHANNEL'], ['QUEUE'], ['DAY', 'CHANNEL'], ['CHANNEL', 'QUEUE'], ['DAY', 'CHANNEL', 'QUEUE']]) {
      const answer = await metrics(D0, D3, groupBy);
      expect({ groupBy, groups: answer.groups, suppressedGroups: answer.suppressedGroups }).toEqual({ groupBy, ...expected(D0, D3, groupBy) });
      expect(answer).toMatchObject({ releasedDays: 4, pendingDays: 0, minGroupSize: 11 });
      answers.push(answer);
    }
    const named = (await metrics(D1, D1, ['DAY', 'CHANNEL', 'QUEUE'])).groups.find((g) => g.queue === 'billing')!;
    // Caller 0's four interactions count as two, caller 1's three hours as 1,800 s; then the noise.
    expect(figures(named)).toEqual(plus({ interactions: 81, distinctCallers: 80, handledInteractions: 80, totalHandleSeconds: 11280 }, noise(D1, 'VOICE', 'billing')));
    expect(minus(figures(named), EXACT[`${D1}|VOICE|billing`])).not.toEqual(ZERO);
    // Queues of ten callers and of one are never named, and no end-user identifier leaves.
    const text = JSON.stringify(answers);
    expect(text).not.toMatch(/support|sales|endUserId|[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('answer every sub-range in every grouping from those same cells, so any combination of answers is one of noisy cells', async () => {
    const days = daysOf(D0, D3);
    const groupings = [[], ['DAY'], ['CHANNEL'], ['QUEUE'], ['DAY', 'CHANNEL'], ['DAY', 'QUEUE'], ['CHANNEL', 'QUEUE'], ['DAY', 'CHANNEL', 'QUEUE']];
    for (let a = 0; a < days.length; a++) {
      for (let b = a; b < days.length; b++) {
        for (const groupBy of groupings) {
          const answer = await metrics(days[a], days[b], groupBy);
          expect({ range: [days[a], days[b]], groupBy, groups: answer.groups, suppressedGroups: answer.suppressedGroups })
            .toEqual({ range: [days[a], days[b]], groupBy, ...expected(days[a], days[b], groupBy) });
        }
      }
    }
    // groupBy left out is no grouping.
    const left = await world.as(analyst).send('query($from: String!, $to: String!) { interactionMetrics(from: $from, to: $to) { groupBy groups { interactions } } }', { from: D1, to: D1 });
    expect(left.data.interactionMetrics).toEqual({ groupBy: [], groups: expected(D1, D1, []).groups.map((g) => ({ interactions: g.interactions })) });
  });

  it('say what protects them', async () => {
    const { privacy } = await metrics(D1, D1);
    expect(privacy).toMatchObject({ epsilonPerDay: 2, delta: 1e-6, maxInteractionsPerCallerDay: 2, handleSecondsCap: 1800, namedQueueMinCallers: NAMED_QUEUE_MIN_CALLERS });
    expect(privacy.noise.map((n: any) => [n.measure, n.epsilon, n.sensitivity])).toEqual([
      ['QUEUE_SELECTION', 0.5, 2], ['DISTINCT_CALLERS', 0.4, 2], ['INTERACTIONS', 0.4, 2], ['HANDLED_INTERACTIONS', 0.2, 2], ['TOTAL_HANDLE_SECONDS', 0.5, 3600],
    ]);
    expect(privacy.noise.every((n: any) => n.standardDeviationPerCell > 1)).toBe(true);
  });

  it('defeat "ungrouped total minus the visible groups": the estimate of the hidden groups carries their noise', async () => {
    const total = figures((await metrics(D1, D2)).groups[0]);
    for (const groupBy of [['CHANNEL'], ['DAY', 'CHANNEL'], ['CHANNEL', 'QUEUE'], ['DAY', 'CHANNEL', 'QUEUE']]) {
      const answer = await metrics(D1, D2, groupBy);
      expect(answer.suppressedGroups).toBeGreaterThan(0);
      const estimate = minus(total, sum(answer.groups.map(figures)));
      const shown = (c: { day: string; channel: string; queue: string | null }) =>
        answer.groups.some((g) => (!groupBy.includes('DAY') || g.day === c.day) && (!groupBy.includes('CHANNEL') || g.channel === c.channel) && (!groupBy.includes('QUEUE') || g.queue === c.queue));
      const hidden = cells(D1, D2).filter((c) => !shown(c));
      const truth = sum(hidden.map((c) => exact(c.day, c.channel, c.queue)));
      // What the attacker gets is the hidden cells' exact sum plus their noise, and that noise is not zero.
      expect({ groupBy, estimate }).toEqual({ groupBy, estimate: plus(truth, sum(hidden.map((c) => noise(c.day, c.channel, c.queue)))) });
      expect(estimate.distinctCallers).not.toBe(truth.distinctCallers);
      expect(estimate.interactions).not.toBe(truth.interactions);
    }
    // The chat group of 10 callers, suppressed as before, is not recovered as 10.
    const byChannel = await metrics(D1, D1, ['CHANNEL']);
    expect(byChannel.groups.map((g) => g.channel)).not.toContain('CHAT');
    const chatEstimate = minus(figures((await metrics(D1, D1)).groups[0]), sum(byChannel.groups.map(figures)));
    expect(chatEstimate.distinctCallers).not.toBe(10);
  });

  it('defeat overlapping ranges: [D, D+1] − [D, D] is what [D+1, D+1] answers, not the truth', async () => {
    const both = (await metrics(D1, D2)).groups[0];
    const first = (await metrics(D1, D1)).groups[0];
    const estimate = minus(figures(both), figures(first));
    const second = sum(cells(D2, D2).map((c) => c.figures));
    expect(estimate).toEqual(second);
    const truth = sum(cells(D2, D2).map((c) => exact(c.day, c.channel, c.queue)));
    expect(truth).toEqual(EXACT[`${D2}|VOICE|`]);
    expect(estimate.distinctCallers).not.toBe(truth.distinctCallers);
    expect(estimate.totalHandleSeconds).not.toBe(truth.totalHandleSeconds);
    // Per channel: the voice group of D2 comes out as its noisy cell.
    const voice = (range: [string, string]) => metrics(range[0], range[1], ['CHANNEL']).then((a) => a.groups.find((g) => g.channel === 'VOICE')!);
    expect(minus(figures(await voice([D1, D2])), figures(await voice([D1, D1])))).toEqual(plus(exact(D2, 'VOICE', null), noise(D2, 'VOICE', null)));
  });

  it('defeat combining groupings (CHANNEL, QUEUE, both): every route to the small chat cell ends at the same noisy value', async () => {
    const byQueue = await metrics(D1, D1, ['QUEUE']);
    const byBoth = await metrics(D1, D1, ['CHANNEL', 'QUEUE']);
    const byChannel = await metrics(D1, D1, ['CHANNEL']);
    // Route 1: the "no or unnamed queue" group minus the other channels' buckets that are shown.
    const unnamed = byQueue.groups.find((g) => g.queue === null)!;
    const otherBuckets = byBoth.groups.filter((g) => g.queue === null && g.channel !== 'CHAT');
    const route1 = minus(figures(unnamed), sum(otherBuckets.map(figures)));
    const hidden = CHANNELS.filter((c) => c !== 'CHAT' && !otherBuckets.some((g) => g.channel === c));
    expect(route1).toEqual(plus(plus(exact(D1, 'CHAT', null), noise(D1, 'CHAT', null)), sum(hidden.map((c) => plus(exact(D1, c, null), noise(D1, c, null))))));
    expect(route1.distinctCallers).not.toBe(10);
    // Route 2: the voice channel minus the billing queue is the voice bucket, noisy, as route 1 sees it.
    const voice = byChannel.groups.find((g) => g.channel === 'VOICE')!;
    const billing = byQueue.groups.find((g) => g.queue === 'billing')!;
    expect(minus(figures(voice), figures(billing))).toEqual(noise(D1, 'VOICE', null));
    // The chat cell itself is refused everywhere it could be shown.
    for (const answer of [byBoth, byChannel]) expect(answer.groups.some((g) => g.channel === 'CHAT')).toBe(false);
  });

  it('defeat averaging: the same question asked 25 times, or by another analyst, gets the same answer', async () => {
    const other = await world.env.token({ tenant: tenant.slug, roles: ['analyst'], sub: 'metrico-analyst-2' });
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => metrics(D1, D2, ['CHANNEL'], i % 2 ? other : analyst)));
    for (const answer of answers) expect(answer.groups).toEqual(answers[0].groups);
    const mean = answers.reduce((total, a) => total + a.groups.find((g) => g.channel === 'VOICE')!.distinctCallers, 0) / answers.length;
    expect(mean).toBe(answers[0].groups.find((g) => g.channel === 'VOICE')!.distinctCallers);
    expect(mean).not.toBe(80 + 11);
  });

  it('defeat splitting a range into sub-ranges and summing: the parts add up to the whole, noise included', async () => {
    const days = await Promise.all([D1, D2].map((day) => metrics(day, day).then((a) => figures(a.groups[0]))));
    const whole = figures((await metrics(D1, D2)).groups[0]);
    expect(sum(days)).toEqual(whole);
    const perDay = await metrics(D1, D2, ['DAY']);
    expect(sum(perDay.groups.map(figures))).toEqual(whole);
    const truth = sum(Object.values(EXACT));
    expect(whole.distinctCallers).not.toBe(truth.distinctCallers);
  });

  it('stay fixed once a day is released: a later recording or an erasure changes no answer', async () => {
    const before = await Promise.all([[], ['CHANNEL'], ['DAY', 'CHANNEL', 'QUEUE']].map((groupBy) => metrics(D0, D3, groupBy)));
    // The target calls again on D1 (SMS, the queue of one), and someone is erased from D1's chats.
    const recorded = await world.as(supervisor).send(
      'mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }',
      { input: { channel: 'SMS', direction: 'INBOUND', queue: 'sales', startedAt: `${D1}T15:00:00.000Z`, endedAt: `${D1}T15:01:00.000Z` } },
    );
    expect(recorded.errors).toBeUndefined();
    const scope = TenantScope.of(interactionsDb(), tenant.id);
    const [chat] = await scope.repo(Interaction).find({ where: { startedDay: D1, channel: 'CHAT' as never }, take: 1 });
    expect(await scope.repo(Interaction).delete({ id: chat.id })).toBe(1);
    const after = await Promise.all([[], ['CHANNEL'], ['DAY', 'CHANNEL', 'QUEUE']].map((groupBy) => metrics(D0, D3, groupBy)));
    expect(after).toEqual(before);
  });

  it('spend the privacy budget once per day: a ledger row per released day, none for days not over', async () => {
    const rows = await ledger();
    const days = rows.map((r) => r.day);
    expect(new Set(days).size).toBe(days.length);
    expect(days).toEqual(expect.arrayContaining([D0, D1, D2, D3]));
    expect(rows.every((r) => r.epsilon === 2 && r.delta === 1e-6)).toBe(true);
    expect(rows.find((r) => r.day === D1)!.cells).toBe(3); // billing, the chat bucket, the SMS bucket
    const count = rows.length;
    await metrics(D0, D3, ['DAY', 'CHANNEL', 'QUEUE']);
    await metrics(D1, D2);
    expect((await ledger()).length).toBe(count);

    // Today is not over: counted nowhere, released nowhere.
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const recent = await metrics(yesterday, today);
    expect(recent.pendingDays).toBeGreaterThanOrEqual(1); // yesterday too before 01:00 UTC
    expect(recent.releasedDays + recent.pendingDays).toBe(2);
    expect((await ledger()).map((r) => r.day)).not.toContain(today);

    // Two first askers racing for the same fresh days release each day once and see the same figures.
    const [a, b] = await Promise.all([metrics('2025-06-01', '2025-06-30', ['DAY']), metrics('2025-06-01', '2025-06-30', ['DAY'], supervisor)]);
    expect(a).toEqual(b);
    const june = (await ledger()).filter((r) => r.day.startsWith('2025-06'));
    expect(june).toHaveLength(30);
  });

  it('release a day only from 01:00 UTC the next day', async () => {
    const scope = TenantScope.of(interactionsDb(), newId());
    const keyring = new Keyring(interactionsDb(), new LocalMasterKeys(world.env.keys.masterKeys));
    const at = (iso: string) => new MetricsService(scope, keyring, new InteractionSettingsService(scope), () => new Date(iso)).interactions('2026-05-10', '2026-05-11', [MetricDimension.DAY]);
    expect(await at('2026-05-11T00:59:59.999Z')).toMatchObject({ releasedDays: 0, pendingDays: 2, groups: [] });
    expect(await scope.repo(MetricRelease).count()).toBe(0);
    expect(await at('2026-05-11T01:00:00.000Z')).toMatchObject({ releasedDays: 1, pendingDays: 1 });
    expect((await scope.repo(MetricRelease).find({})).map((r) => r.day)).toEqual(['2026-05-10']);
    expect(await at('2026-05-12T01:00:00.000Z')).toMatchObject({ releasedDays: 2, pendingDays: 0 });
  });

  it('follow the tenant’s minimum group size on the noisy callers, never below the floor', async () => {
    const UPDATE = 'mutation($n: Int) { updateInteractionSettings(input: { minGroupSize: $n }) { minGroupSize } }';
    const refused = await world.as(admin).send(UPDATE, { n: 4 });
    expect(codes(refused)).toContain('BAD_USER_INPUT');
    expect(refused.errors![0].extensions!.field).toBe('minGroupSize');
    try {
      expect((await world.as(admin).send(UPDATE, { n: 5 })).data.updateInteractionSettings.minGroupSize).toBe(5);
      const shown = await metrics(D0, D3, ['DAY', 'CHANNEL']);
      expect({ groups: shown.groups, suppressedGroups: shown.suppressedGroups }).toEqual(expected(D0, D3, ['DAY', 'CHANNEL'], 5));
      expect(shown.minGroupSize).toBe(5);
    } finally {
      await world.as(admin).send(UPDATE, { n: 11 });
    }
  });

  it('validate the range by field', async () => {
    const refused = async (variables: Record<string, unknown>, field: string) => {
      const response: GraphQLResponse = await world.as(analyst).send(METRICS, variables);
      expect(codes(response)).toContain('BAD_USER_INPUT');
      expect(response.errors!.find((e) => e.extensions?.code === 'BAD_USER_INPUT')!.extensions!.field).toBe(field);
    };
    await refused({ from: '2026-02-30', to: '2026-03-01' }, 'from');
    await refused({ from: '1999-12-31', to: '2000-01-01' }, 'from');
    await refused({ from: '2026-03-02', to: '2026-03-01' }, 'to');
    await refused({ from: '2025-01-01', to: '2026-01-02' }, 'to');
    await refused({ from: '2026-03-01', to: '2026-03-02', groupBy: ['DAY', 'DAY'] }, 'groupBy');
    expect((await metrics('2025-01-01', '2026-01-01')).releasedDays).toBe(366);
    expect((await metrics('2000-01-01', '2000-01-01')).releasedDays).toBe(1);
  });

  it('stay within the caller’s tenant: another tenant’s figures and ledger are its own', async () => {
    const acmeAnalyst = await world.env.token({ tenant: 'acme', roles: ['analyst'], sub: 'acme-analyst' });
    const acme = await metrics(D1, D1, ['DAY', 'CHANNEL', 'QUEUE'], acmeAnalyst);
    expect(acme.groups.some((g) => g.queue === 'billing')).toBe(false);
    const acmeDays = await TenantScope.of(interactionsDb(), world.acme.id).repo(MetricRelease).find({});
    expect(acmeDays.map((r) => r.day)).toEqual([D1]);
    expect((await ledger()).filter((r) => r.day === D1)).toHaveLength(1);
  });
});
