import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { combine, driveRaw } from '../../bench/load';
import { units } from '../../bench/run';
import type { BenchConfig } from '../../bench/config';

type Listed = Parameters<typeof units>[0][number];
const scenario = (id: string, ownCpus = false) => ({ id, ownCpus }) as unknown as Listed;
const ids = (unit: ReturnType<typeof units>[number]) => (Array.isArray(unit) ? unit.map((s) => s.id) : unit.id);

describe('bench/run.js: security-cost pairs measured in one window', () => {
  const list = [
    'federated/secure', 'federated/twin', 'federated/vanilla', 'federated/secure@50', 'federated/twin@50',
    'single/secure', 'single/twin', 'single/direct', 'single/direct-twin',
    'list50/secure', 'list50/twin', 'entities/direct', 'ingestion',
  ].map((id) => scenario(id));

  it('pairs each secured scenario with its twin, in the order of the list, and leaves the rest alone', () => {
    expect(units(list, { paired: true } as BenchConfig).map(ids)).toEqual([
      ['federated/secure', 'federated/twin'],
      'federated/vanilla',
      ['federated/secure@50', 'federated/twin@50'],
      ['single/secure', 'single/twin'],
      ['single/direct', 'single/direct-twin'],
      ['list50/secure', 'list50/twin'],
      // No twin in the run (BENCH_ONLY, or none exists): measured alone.
      'entities/direct',
      'ingestion',
    ]);
  });

  it('never pairs the rows whose processes move between CPUs, nor a twin with another row', () => {
    const own = [scenario('single/secure-own', true), scenario('single/twin-own', true), scenario('single/direct-own', true), scenario('single/direct-own@50', true)];
    expect(units(own, { paired: true } as BenchConfig).map(ids)).toEqual(own.map((s) => s.id));
    // The twin listed first: still one pair (secured first), measured once, where the twin was listed.
    expect(units([scenario('single/twin'), scenario('ingestion'), scenario('single/secure')], { paired: true } as BenchConfig).map(ids)).toEqual([['single/secure', 'single/twin'], 'ingestion']);
  });

  it('with BENCH_PAIRED=0 measures every scenario alone', () => {
    expect(units(list, { paired: false } as BenchConfig).map(ids)).toEqual(list.map((s) => s.id));
  });
});

describe('bench/load.js: slices summed as one load', () => {
  let server: http.Server;
  let url: string;
  let served = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        served++;
        res.setHeader('content-type', 'application/json');
        // Every tenth answer carries a GraphQL error under HTTP 200.
        res.end(served % 10 === 0 ? '{"errors":[{"message":"no"}],"data":null}' : '{"data":{"ok":true}}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('counts every answer and every error of every slice, over the slices summed length', async () => {
    const load = { url, connections: 2, seconds: 1, body: () => '{}', headers: () => ({ 'content-type': 'application/json' }) };
    const counter = { next: 0 };
    const slices = [await driveRaw(load, counter), await driveRaw(load, counter)];
    const whole = combine(slices, load);
    const answers = slices[0].answers + slices[1].answers;
    expect(slices.every((s) => s.answers > 0)).toBe(true);
    expect(whole.answers).toBe(answers);
    expect(whole.errors).toBe(slices[0].bad + slices[1].bad);
    expect(whole.errors).toBeGreaterThan(0);
    expect(whole.firstError).toMatch(/^HTTP 200: \{"errors"/);
    const seconds = slices[0].result.duration + slices[1].result.duration;
    expect(whole.requestsPerSecond).toBeCloseTo(answers / seconds, 6);
    expect(counter.next).toBeGreaterThanOrEqual(answers);
    expect(whole.p99).toBeGreaterThanOrEqual(whole.p50);
  });
});
