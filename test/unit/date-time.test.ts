import fc from 'fast-check';
import { EARLIEST_INSTANT, LATEST_INSTANT, parseInstant } from '../../subgraphs/kit/date-time.scalar';

const offset = (minutes: number) => {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
};

/** The same instant written at another offset: local wall-clock time plus the offset. */
function atOffset(date: Date, minutes: number): string {
  const local = new Date(date.getTime() + minutes * 60_000).toISOString().replace('Z', '');
  return `${local}${offset(minutes)}`;
}

describe('DateTimeISO parsing', () => {
  it('reads back every storable instant, at any offset, as the same millisecond', () => {
    fc.assert(
      fc.property(fc.date({ min: EARLIEST_INSTANT, max: LATEST_INSTANT, noInvalidDate: true }), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (date, minutes) => {
        expect(parseInstant(date.toISOString()).getTime()).toBe(date.getTime());
        const written = atOffset(date, minutes);
        // The wall-clock form may fall outside years 1000-9999 at the very edges; then it is refused, never shifted.
        if (/^\d{4}-/.test(written)) {
          try {
            expect(parseInstant(written).getTime()).toBe(date.getTime());
          } catch (error) {
            expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
          }
        }
      }),
    );
  });

  it('refuses every instant outside years 1000-9999, and never returns a different one', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }), (date) => {
        const text = date.toISOString();
        if (date >= EARLIEST_INSTANT && date <= LATEST_INSTANT) expect(parseInstant(text).getTime()).toBe(date.getTime());
        else expect(() => parseInstant(text)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }));
      }),
    );
  });

  it('refuses any text that is not a calendar date-time', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        let parsed: Date | undefined;
        try {
          parsed = parseInstant(text);
        } catch (error) {
          expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
          return;
        }
        expect(Number.isNaN(parsed.getTime())).toBe(false);
      }),
    );
    for (const text of ['2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '1900-02-29T00:00:00Z', '2026-01-01T00:60:00Z', '2026-01-01 00:00:00Z', ' 2026-01-01T00:00:00Z']) {
      expect(() => parseInstant(text)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }));
    }
    expect(parseInstant('2000-02-29T00:00:00Z').toISOString()).toBe('2000-02-29T00:00:00.000Z');
  });
});
