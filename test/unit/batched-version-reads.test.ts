import { BatchedReads } from '../../platform/access-events';

/** A store whose reads answer when told to, so a bump can land between a read leaving and a request arriving. */
function controllableStore(initial: Record<string, string>) {
  const values = { ...initial };
  const reads: { keys: string[]; answer: () => void; fail: () => void }[] = [];
  const read = (keys: string[]) =>
    new Promise<(string | null)[]>((resolve, reject) => {
      // The values as the store holds them when the read reaches it, which is when it is sent.
      const snapshot = keys.map((key) => values[key] ?? null);
      reads.push({ keys, answer: () => resolve(snapshot), fail: () => reject(new Error('store down')) });
    });
  return { values, reads, read };
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('version reads batched per turn of the event loop', () => {
  it('sends the keys asked for in one turn as one read, and gives each caller its own values', async () => {
    const store = controllableStore({ 'v:acme': '3', 'v:*': '9', 'v:globex': '5' });
    const reads = new BatchedReads(store.read);
    const a = reads.get(['v:acme', 'v:*']);
    const b = reads.get(['v:globex', 'v:*']);
    const c = reads.get(['v:acme', 'v:*']);
    await endOfTurn();
    expect(store.reads.map((r) => r.keys)).toEqual([['v:acme', 'v:*', 'v:globex']]);
    store.reads[0].answer();
    expect(await Promise.all([a, b, c])).toEqual([['3', '9'], ['5', '9'], ['3', '9']]);
  });

  it('never lets a request arriving after a read left join it: a bump committed meanwhile holds for it', async () => {
    const store = controllableStore({ 'v:acme': '1' });
    const reads = new BatchedReads(store.read);
    const before = reads.get(['v:acme']);
    await endOfTurn();
    expect(store.reads).toHaveLength(1);
    // A revocation commits and is bumped while that read is still unanswered; then a request arrives.
    store.values['v:acme'] = '2';
    const after = reads.get(['v:acme']);
    store.reads[0].answer();
    expect(await before).toEqual(['1']);
    await endOfTurn();
    expect(store.reads).toHaveLength(2);
    store.reads[1].answer();
    expect(await after).toEqual(['2']);
  });

  it('answers null to every caller of a read that failed, and reads afresh next time', async () => {
    const store = controllableStore({ 'v:acme': '4' });
    const reads = new BatchedReads(store.read);
    const a = reads.get(['v:acme']);
    const b = reads.get(['v:acme']);
    await endOfTurn();
    store.reads[0].fail();
    expect(await Promise.all([a, b])).toEqual([null, null]);
    const c = reads.get(['v:acme']);
    await endOfTurn();
    store.reads[1].answer();
    expect(await c).toEqual(['4']);
  });

  it('gives null for a key the store does not hold', async () => {
    const store = controllableStore({});
    const reads = new BatchedReads(store.read);
    const a = reads.get(['v:nobody']);
    await endOfTurn();
    store.reads[0].answer();
    expect(await a).toEqual([null]);
  });
});
