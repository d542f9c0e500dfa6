import {
  BUDGET,
  cellNoise,
  DELTA_PER_DAY,
  EPSILON_PER_DAY,
  HANDLE_SECONDS_CAP,
  MAX_INTERACTIONS_PER_CALLER_DAY,
  MetricMeasure,
  NAMED_QUEUE_MIN_CALLERS,
  noiseRate,
  standardDeviation,
} from '../../subgraphs/interactions/services/metrics-noise';

const KEY = Buffer.alloc(32, 11);
const N = 20_000;
const identity = (i: number) => ({ day: `2026-01-${String((i % 28) + 1).padStart(2, '0')}`, channel: 'VOICE', queue: `q${Math.floor(i / 28)}` });

describe('metrics noise', () => {
  it('is a pure function of key, cell and measure: the same cell always draws the same noise', () => {
    for (let i = 0; i < 200; i++) {
      for (const measure of Object.values(MetricMeasure)) {
        expect(cellNoise(KEY, identity(i), measure)).toBe(cellNoise(Buffer.alloc(32, 11), { ...identity(i) }, measure));
      }
    }
  });

  it('differs with the key, the cell and the measure (an analyst cannot predict it without the key)', () => {
    const draws = (f: (i: number) => number) => Array.from({ length: 500 }, (_, i) => f(i));
    const base = draws((i) => cellNoise(KEY, identity(i), MetricMeasure.INTERACTIONS));
    const otherKey = draws((i) => cellNoise(Buffer.alloc(32, 12), identity(i), MetricMeasure.INTERACTIONS));
    const otherMeasure = draws((i) => cellNoise(KEY, identity(i), MetricMeasure.DISTINCT_CALLERS));
    const otherQueue = draws((i) => cellNoise(KEY, { ...identity(i), queue: null }, MetricMeasure.INTERACTIONS));
    for (const other of [otherKey, otherMeasure, otherQueue]) {
      const same = base.filter((value, i) => value === other[i]).length;
      // Independent draws coincide about as often as two draws of the distribution do (~12% here), far from always.
      expect(same).toBeLessThan(base.length * 0.25);
    }
  });

  describe.each(Object.values(MetricMeasure))('%s', (measure) => {
    const values = Array.from({ length: N }, (_, i) => cellNoise(KEY, identity(i), measure));
    const alpha = Math.exp(-noiseRate(measure));
    const sigma = standardDeviation(measure);
    const share = (predicate: (v: number) => boolean) => values.filter(predicate).length / N;
    const within = (observed: number, p: number) => expect(Math.abs(observed - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / N));

    it('is integer-valued, centred on zero, with the stated standard deviation', () => {
      expect(values.every(Number.isInteger)).toBe(true);
      const mean = values.reduce((a, b) => a + b, 0) / N;
      expect(Math.abs(mean)).toBeLessThanOrEqual((5 * sigma) / Math.sqrt(N));
      const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (N - 1);
      // Sampling error of a variance with the Laplace kurtosis (6): 5 standard errors.
      expect(Math.abs(variance / sigma ** 2 - 1)).toBeLessThanOrEqual(5 * Math.sqrt(5 / N));
    });

    it('follows the two-sided geometric law: P(0), symmetry and tails as exp(-ε/Δ · |z|)', () => {
      within(share((v) => v === 0), (1 - alpha) / (1 + alpha));
      within(share((v) => v > 0), alpha / (1 + alpha));
      within(share((v) => v < 0), alpha / (1 + alpha));
      for (const k of [1, Math.round(sigma), Math.round(2 * sigma)]) {
        within(share((v) => v >= k), alpha ** k / (1 + alpha));
        within(share((v) => v <= -k), alpha ** k / (1 + alpha));
      }
    });
  });

  it('bounds what one person’s day can reveal: a likelihood ratio of at most e^ε per measure for neighbouring counts', () => {
    // P(noise = z) ∝ α^|z| with α = exp(-ε/Δ): counts differing by Δ (one person's whole day) shift the law by at most e^ε.
    for (const measure of Object.values(MetricMeasure)) {
      const { epsilon, sensitivity } = BUDGET[measure];
      const rate = noiseRate(measure);
      const ratio = (z: number) => Math.exp(-rate * Math.abs(z)) / Math.exp(-rate * Math.abs(z + sensitivity));
      for (const z of [-3 * sensitivity, -sensitivity, -1, 0, 1, sensitivity, 5 * sensitivity]) expect(ratio(z)).toBeLessThanOrEqual(Math.exp(epsilon) * (1 + 1e-12));
    }
  });

  it('adds up to the stated budget per person and day, with contributions bounded', () => {
    expect(EPSILON_PER_DAY).toBe(2);
    expect(Object.values(BUDGET).reduce((s, b) => s + b.epsilon, 0)).toBeCloseTo(EPSILON_PER_DAY, 12);
    for (const measure of [MetricMeasure.QUEUE_SELECTION, MetricMeasure.DISTINCT_CALLERS, MetricMeasure.INTERACTIONS, MetricMeasure.HANDLED_INTERACTIONS]) {
      expect(BUDGET[measure].sensitivity).toBe(MAX_INTERACTIONS_PER_CALLER_DAY);
    }
    expect(BUDGET[MetricMeasure.TOTAL_HANDLE_SECONDS].sensitivity).toBe(MAX_INTERACTIONS_PER_CALLER_DAY * HANDLE_SECONDS_CAP);
  });

  it('names a queue only above the smallest threshold that keeps a lone person’s queue hidden but with probability δ', () => {
    const alpha = Math.exp(-noiseRate(MetricMeasure.QUEUE_SELECTION));
    // A person alone is one caller in each of at most C cells; each is named when 1 + noise >= τ.
    const leak = (tau: number) => MAX_INTERACTIONS_PER_CALLER_DAY * (alpha ** (tau - 1) / (1 + alpha));
    expect(leak(NAMED_QUEUE_MIN_CALLERS)).toBeLessThanOrEqual(DELTA_PER_DAY);
    expect(leak(NAMED_QUEUE_MIN_CALLERS - 1)).toBeGreaterThan(DELTA_PER_DAY);
    // Empirically, a lone caller's queue is not named in any of N cells.
    const named = Array.from({ length: N }, (_, i) => 1 + cellNoise(KEY, identity(i), MetricMeasure.QUEUE_SELECTION)).filter((v) => v >= NAMED_QUEUE_MIN_CALLERS);
    expect(named).toHaveLength(0);
  });
});
