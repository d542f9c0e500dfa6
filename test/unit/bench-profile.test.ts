import { breakdown, difference } from '../../bench/profile';

/** A profile whose samples each last `ms`, at the given frames, starting at time 0 (µs). */
function profile(frames: { functionName: string; url: string }[], sampled: number[], ms = 1) {
  return {
    nodes: frames.map((callFrame, i) => ({ id: i + 1, callFrame })),
    startTime: 0,
    samples: sampled,
    timeDeltas: sampled.map(() => ms * 1000),
  };
}

const FRAMES = [
  { functionName: '(idle)', url: '' },
  { functionName: 'authentic', url: 'file:///app/dist/platform/contracts/signed-context.js' },
  { functionName: 'execute', url: 'file:///app/node_modules/graphql/execution/execute.js' },
  { functionName: '(garbage collector)', url: '' },
];

describe('bench/profile.js: where the time goes', () => {
  it('counts self time per function over the load window only, idle left out', () => {
    // Samples at 1, 2, … 8 ms; the window [2.5 ms, 6.5 ms] holds the samples at 3, 4, 5 and 6 ms.
    const b = breakdown(profile(FRAMES, [2, 3, 1, 2, 4, 3, 2, 2]), { from: 2_500, to: 6_500 });
    expect(b.windowed).toBe(true);
    expect(b.busyMs).toBe(3);
    expect(Object.fromEntries(b.functions)).toEqual({
      'authentic platform/contracts/signed-context.js': 1,
      'execute graphql/execution/execute.js': 1,
      '(garbage collector) ': 1,
    });
    expect(Object.fromEntries(b.layers)).toEqual({ 'project: platform': 1, 'graphql-js': 1, GC: 1 });
  });

  it('lists the largest differences per request first, in µs, whichever side is larger', () => {
    // A: 10 answers, authentic 4 ms and execute 2 ms; B: 20 answers, execute 6 ms and GC 2 ms.
    const a = breakdown(profile(FRAMES, [2, 2, 2, 2, 3, 3, 1]));
    const b = breakdown(profile(FRAMES, [3, 3, 3, 3, 3, 3, 4, 4, 1]));
    const lines = difference('secured', a, 10, 'twin', b, 20, 2);
    expect(lines[0]).toBe('### secured against twin: sampled self time per request, 600 against 400 µs; the 2 largest differences');
    // authentic +400 µs per request, execute 200 - 300 = -100, GC -100: the top two by size.
    expect(lines.slice(4, 6)).toEqual([
      '| authentic platform/contracts/signed-context.js | 400.0 | 0.0 | +400.0 |',
      expect.stringMatching(/^\| (execute graphql\/execution\/execute\.js \| 200\.0 \| 300\.0|\(garbage collector\)  \| 0\.0 \| 100\.0) \| -100\.0 \|$/),
    ]);
  });
});
