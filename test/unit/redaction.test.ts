import fc from 'fast-check';
import {
  CARD_MARK,
  luhnValid,
  MAX_PATTERN_LENGTH,
  patternProblem,
  Redactor,
  sameRedactedText,
  SSN_MARK,
  WITHHELD_MARK,
} from '../../subgraphs/interactions/services/redaction';
import { checkIdentifier, normalise, redactSensitiveNumbers, redactToFit } from '../../subgraphs/kit/sensitive-numbers';

const redactor = new Redactor();
const redact = (text: string) => redactor.redact(text);
/** Digits a reader could still get back from a text, whatever script or disguise they are in. */
const digitsIn = (text: string) => normalise(text).text.replace(/[^0-9]/g, '');

describe('Luhn', () => {
  it('accepts valid card numbers and refuses a changed digit', () => {
    for (const card of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4222222222222']) {
      expect(luhnValid(card)).toBe(true);
    }
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('1234567812345678')).toBe(false);
  });
});

describe('payment cards', () => {
  it.each([
    ['my card is 4111111111111111 thanks', 'my card is [CARD REDACTED] thanks'],
    ['4111 1111 1111 1111', CARD_MARK],
    ['4111-1111-1111-1111 exp 12/29', `${CARD_MARK} exp 12/29`],
    ['amex 3782 822463 10005.', `amex ${CARD_MARK}.`],
    ['card 4111 1111 1111 1111 12', `card ${CARD_MARK} 12`],
    ['first 4111111111111111, second 5555 5555 5555 4444', `first ${CARD_MARK}, second ${CARD_MARK}`],
    ['ref AB4111111111111111', `ref AB${CARD_MARK}`], // glued to letters
    ['card4111111111111111please', `card${CARD_MARK}please`],
    ['4111.1111.1111.1111', CARD_MARK],
    ['4111/1111/1111/1111', CARD_MARK],
    ['4111\u20131111\u20141111\u20121111', CARD_MARK], // en, em and figure dashes
    ['4111\u00a01111\u202f1111\u30001111', CARD_MARK], // no-break, narrow no-break and ideographic spaces
    ['4111 -- 1111 .. 1111 // 1111', CARD_MARK], // repeated and mixed separators
    ['4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1', CARD_MARK], // digit by digit
    ['４１１１ １１１１ １１１１ １１１１', CARD_MARK], // full width
    ['4111\u200b1111\u200d1111\u20601111', CARD_MARK], // zero-width characters
    ['4111\u00ad1111\ufeff1111\u200e1111', CARD_MARK], // soft hyphen, BOM, direction mark
    ['4\u03321\u03321\u03321\u0332 1111 1111 1111', CARD_MARK], // combining low lines
    ['card: 4111\n1111\n1111\n1111', `card: ${CARD_MARK}`],
  ])('redacts %j', (text, expected) => {
    const result = redact(text);
    expect(result.text).toBe(expected);
    expect(result.counts.paymentCard).toBeGreaterThan(0);
  });

  it.each([
    'order 1234567812345678 shipped', // fails Luhn
    'call me on +1 415 555 0123', // too short
    'tracking 4111111111111111999999', // one unbroken number longer than a card
  ])('leaves %j alone', (text) => {
    expect(redact(text)).toEqual({ text, counts: { ssn: 0, paymentCard: 0, pattern: 0 } });
  });

  it('stays linear on a long run of separated digits and on every separator', () => {
    const digits = Array.from({ length: 20_000 }, (_, n) => n % 10).join(' ').slice(0, 20_000);
    expect(digitsIn(redact(digits).text).length).toBeLessThan(digitsIn(digits).length);
    const separators = '1' + '-'.repeat(19_998) + '1';
    expect(redact(separators).text).toBe(separators);
  });
});

describe('social security numbers', () => {
  it.each([
    ['my SSN is 078-05-1120.', `my SSN is ${SSN_MARK}.`],
    ['it is 219 09 9999 ok', `it is ${SSN_MARK} ok`],
    ['social security number: 219099999', `social security number: ${SSN_MARK}`],
    ['SSN 219099999', `SSN ${SSN_MARK}`],
    ['SSN536221234', `SSN${SSN_MARK}`], // glued to the keyword
    ['ssn#536-22-1234', `ssn#${SSN_MARK}`],
    ['S.S.N. 536 221 234', `S.S.N. ${SSN_MARK}`],
    ['536.22.1234', SSN_MARK],
    ['536/22/1234', SSN_MARK],
    ['536\u201322\u20141234', SSN_MARK],
    ['536\u00a022\u00a01234', SSN_MARK],
    ['536 - 22 -- 1234', SSN_MARK],
    ['5 3 6 2 2 1 2 3 4', SSN_MARK], // digit by digit
    ['5-3-6-2-2-1-2-3-4', SSN_MARK],
    ['٥٣٦-٢٢-١٢٣٤', SSN_MARK], // Arabic-Indic
    ['۵۳۶-۲۲-۱۲۳۴', SSN_MARK], // Extended Arabic-Indic
    ['५३६-२२-१२३४', SSN_MARK], // Devanagari
    ['５３６－２２－１２３４', SSN_MARK], // full width
    ['𝟓𝟑𝟔-𝟐𝟐-𝟏𝟐𝟑𝟒', SSN_MARK], // mathematical bold
    ['5\u200b3\u200c6-2\u200d2-1\u20602\ufeff34', SSN_MARK], // zero-width characters inside
    ['x536-22-1234y', `x${SSN_MARK}y`], // glued to letters
    ['my social security number, the one I got when I was born downtown, is 536221234', `my social security number, the one I got when I was born downtown, is ${SSN_MARK}`],
    ['536 221 234 is my ssn', `${SSN_MARK} is my ssn`], // keyword after
    ['S\u200bSN: ５３６２２１２３４', `S\u200bSN: ${SSN_MARK}`],
  ])('redacts %j', (text, expected) => {
    expect(redact(text)).toMatchObject({ text: expected, counts: { ssn: 1 } });
  });

  it.each([
    'order number 219099999', // nine digits without SSN words
    'order 536 221 234', // nine digits grouped otherwise, no SSN words
    'case 000-12-3456 and 666-12-3456 and 912-12-3456', // never issued
    'SSN 536-00-1234 or 536-22-0000', // never issued
    'phone 415-555-0123', // not the SSN shape
    'range 1-219-09-9999', // part of a longer number
    'ssn 21909999', // eight digits
    'ssn 5362212345', // ten digits
  ])('leaves %j alone', (text) => {
    expect(redact(text).counts.ssn).toBe(0);
  });

  it('needs the SSN words near: 100 characters before, 40 after', () => {
    expect(redact(`ssn ${'x'.repeat(95)} 536 221 234`).counts.ssn).toBe(1);
    expect(redact(`ssn ${'x'.repeat(120)} 536 221 234`).counts.ssn).toBe(0);
    expect(redact(`536 221 234 ${'x'.repeat(50)} ssn`).counts.ssn).toBe(0);
  });

  it('counts each kind in one text', () => {
    const result = redact('SSN 078-05-1120 and card 4111 1111 1111 1111 and ssn: 219099999');
    expect(result.text).toBe(`SSN ${SSN_MARK} and card ${CARD_MARK} and ssn: ${SSN_MARK}`);
    expect(result.counts).toEqual({ ssn: 2, paymentCard: 1, pattern: 0 });
  });

  it('keeps the text around a redaction as it was written', () => {
    expect(redact('Café — ٥٣٦-٢٢-١٢٣٤ 👨‍👩‍👧 ok').text).toBe(`Café — ${SSN_MARK} 👨‍👩‍👧 ok`);
  });
});

// Generated disguises: every digit in a script of its own, separators of every kind, invisible
// characters anywhere, letters glued on either side.
const ZEROS = [0x30, 0xff10, 0x660, 0x6f0, 0x966, 0x9e6, 0xbe6, 0xe50, 0x1040, 0x1d7ce, 0x1d7ec, 0x1e950];
const SEPARATORS = [' ', '-', '.', '/', '_', '\n', '\u2013', '\u2014', '\u2012', '\u2010', '\u2212', '\u00a0', '\u202f', '\u3000', '\uff0d', '\uff0e', '\u00b7', '\uff0f'];
const INVISIBLES = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u200e', '\u200f', '\u202a', '\u202e', '\u2061', '\u180e'];

const digitChar = (digit: number) => fc.constantFrom(...ZEROS).map((zero) => String.fromCodePoint(zero + digit));
const separator = fc.array(fc.constantFrom(...SEPARATORS), { minLength: 1, maxLength: 3 }).map((s) => s.join(''));
const invisibles = fc.array(fc.constantFrom(...INVISIBLES), { maxLength: 2 }).map((s) => s.join(''));
const letters = fc.stringMatching(/^[A-Za-z ]{0,12}$/);

/** Writes digits in the given groups, with a separator between groups and invisibles anywhere. */
function disguise(digits: string, groups: number[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.tuple(...[...digits].map((d) => fc.tuple(digitChar(Number(d)), invisibles))),
      fc.tuple(...groups.map(() => separator)),
    )
    .map(([chars, seps]) => {
      let out = '';
      let index = 0;
      groups.forEach((size, g) => {
        for (let i = 0; i < size; i++, index++) out += chars[index][0] + chars[index][1];
        if (g < groups.length - 1) out += seps[g];
      });
      return out;
    });
}

const ssnDigits = fc
  .tuple(fc.integer({ min: 1, max: 899 }).filter((a) => a !== 666), fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9999 }))
  .map(([a, g, s]) => `${String(a).padStart(3, '0')}${String(g).padStart(2, '0')}${String(s).padStart(4, '0')}`);

function withCheckDigit(body: string): string {
  for (let d = 0; d < 10; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}
const cardDigits = fc.integer({ min: 12, max: 18 }).chain((n) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`)).map(withCheckDigit));

/** Splits digits into random groups of 1-6. */
const grouping = (length: number) =>
  fc.array(fc.integer({ min: 1, max: 6 }), { minLength: length, maxLength: length }).map((sizes) => {
    const groups: number[] = [];
    let left = length;
    for (const size of sizes) {
      if (left === 0) break;
      groups.push(Math.min(size, left));
      left -= Math.min(size, left);
    }
    return groups;
  });

const ssnShape = ssnDigits.chain((digits) =>
  fc.oneof(
    disguise(digits, [3, 2, 4]).map((text) => ({ text, keyword: false })),
    disguise(digits, [1, 1, 1, 1, 1, 1, 1, 1, 1]).map((text) => ({ text, keyword: false })),
    grouping(9).chain((groups) => disguise(digits, groups)).map((text) => ({ text, keyword: true })),
  ),
);
/** Text around a disguised number: [before, number, after]. */
const ssnParts = fc
  .tuple(ssnShape, fc.constantFrom('SSN', 'ssn:', 'my social security number is', 'S.S.N.', 'Social'), letters, letters, fc.boolean())
  .map(([{ text, keyword }, word, filler, after, glued]): [string, string, string] =>
    keyword || glued ? [`${word}${glued ? '' : ' ' + filler + ' '}`, text, after.trim() ? ' ' + after : ''] : [`${filler} `, text, ` ${after}`],
  );
const cardParts = cardDigits
  .chain((digits) => grouping(digits.length).chain((groups) => disguise(digits, groups)))
  .chain((text) => fc.tuple(letters, letters).map(([before, after]): [string, string, string] => [before, text, after]));
const ssnText = ssnParts.map((parts) => parts.join(''));
const cardText = cardParts.map((parts) => parts.join(''));

describe('generated disguises', () => {
  it('redacts every disguised SSN, leaving no digit a reader could recover', () => {
    fc.assert(
      fc.property(ssnText, (text) => {
        const result = redact(text);
        expect(digitsIn(result.text)).toBe('');
        expect(result.counts.ssn).toBe(1);
        expect(result.text).toContain(SSN_MARK);
      }),
      { numRuns: 400 },
    );
  });

  it('redacts every disguised card number', () => {
    fc.assert(
      fc.property(cardText, (text) => {
        const result = redact(text);
        expect(digitsIn(result.text)).toBe('');
        expect(result.counts.paymentCard).toBe(1);
      }),
      { numRuns: 400 },
    );
  });

  it('redacts a number split across two segments, the stored part included', () => {
    const tagged = fc.oneof(ssnParts.map((parts) => ({ parts, card: false })), cardParts.map((parts) => ({ parts, card: true })));
    fc.assert(
      fc.property(tagged, fc.double({ min: 0, max: 1, noNaN: true }), ({ parts: [before, number, after], card }, at) => {
        // Cut anywhere in the number (by code point), one part to each segment.
        const chars = [...number];
        const cut = Math.max(1, Math.min(chars.length - 1, Math.floor(at * chars.length)));
        const first = before + chars.slice(0, cut).join('');
        const second = chars.slice(cut).join('') + after;
        const stored = redact(first).text; // what the first append stored
        const [earlier, later] = redactor.redactTranscript([{ text: stored, stored: true }, { text: second, stored: false }]);
        const left = digitsIn(earlier.text + later.text);
        // When 13 or more digits of the first part already passed Luhn, they went on the first append,
        // and a few digits around them (never enough to make a card) may be left.
        if (card && stored.includes(CARD_MARK)) expect(left.length).toBeLessThan(7);
        // Nine of them written AAA GG SSSS went as an SSN on the first append (a known over-redaction):
        // what is left of the card is fewer digits than any card has.
        else if (card && stored.includes(SSN_MARK)) expect(left.length).toBeLessThan(13);
        else expect(left).toBe('');
      }),
      { numRuns: 400 },
    );
  });

  it('a card whose first append held an SSN-shaped group keeps too few digits to be a card', () => {
    const stored = redact('1 44 810 83 6874').text;
    expect(stored).toBe(`1 44 ${SSN_MARK}`);
    const [earlier, later] = redactor.redactTranscript([{ text: stored, stored: true }, { text: ' 07 2', stored: false }]);
    expect(digitsIn(earlier.text + later.text)).toBe('144072');
  });
});

describe('ordinary text', () => {
  it.each([
    'Your appointment is at 10:30 on 12/05/2026, or 9.45 tomorrow.',
    'The meeting runs 09:00-17:30, 2026-03-01T10:00:00Z.',
    'Order 123456789 shipped; order #A-12345678 is pending; invoice 2026-000123.',
    'Call me on +1 (415) 555-0123, 415.555.0123 or 020 7946 0958.',
    'My German number is +49 30 1234 5678 and French 01 23 45 67 89.',
    'It costs $1,299.99, or 12.99 / 4.50 / 3.25 per month.',
    'Total: €1.234.567,89 and 45 items at 3 for 10.',
    'Tracking 1Z 999 AA1 01 2345 6784, flight BA 117, room 1204.',
    'Count with me: 1, 2, 3, 4, 5.',
    'Zip 94105-1234, extension 4321, PIN hint: my dog.',
    'اتصل بي على ٠١٢٣ ٤٥٦ ٧٨٩٠ بعد الساعة ١٠:٣٠', // other scripts' digits are kept as written
    'क्‍ष और ज़्‌ञ: फ़ोन ९८७६५४३२१०', // joiners inside words are kept
    'Ｆｕｌｌ ｗｉｄｔｈ ｔｅｘｔ ｉｓ ｋｅｐｔ, ① ② ③',
  ])('leaves %j alone', (text) => {
    expect(redact(text)).toEqual({ text, counts: { ssn: 0, paymentCard: 0, pattern: 0 } });
  });

  const d = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
  it('never redacts 10-digit phone numbers in their usual formats', () => {
    fc.assert(
      fc.property(d(3), d(3), d(4), fc.constantFrom('(A) B-C', 'A-B-C', 'A.B.C', '+1 A B C', '1-A-B-C', 'A B C'), (a, b, c, format) => {
        const text = `call ${format.replace('A', a).replace('B', b).replace('C', c)} today`;
        expect(redact(text).text).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('never redacts times, dates and prices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 99_999 }),
        fc.integer({ min: 0, max: 99 }),
        (hour, minute, date, units, cents) => {
          const text = `at ${hour}:${String(minute).padStart(2, '0')} on ${date.toISOString().slice(0, 10)} for $${units.toLocaleString('en-US')}.${String(cents).padStart(2, '0')}`;
          expect(redact(text).text).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('across segments', () => {
  it('redacts a number split over a stored and a new segment in both, counting it in each', () => {
    const [stored, fresh] = redactor.redactTranscript([
      { text: 'my card is 4111 1111', stored: true },
      { text: '1111 1111 thanks', stored: false },
    ]);
    expect(stored).toEqual({ text: `my card is ${CARD_MARK}`, counts: { ssn: 0, paymentCard: 1, pattern: 0 }, changed: true });
    expect(fresh).toEqual({ text: `${CARD_MARK} thanks`, counts: { ssn: 0, paymentCard: 1, pattern: 0 }, changed: true });
  });

  it('takes the SSN words from an earlier segment, and digits sent one by one', () => {
    const asked = redactor.redactTranscript([
      { text: 'What is your social security number?', stored: true },
      { text: '536221234', stored: false },
    ]);
    expect(asked.map((p) => p.text)).toEqual(['What is your social security number?', SSN_MARK]);
    expect(asked[0].changed).toBe(false);
    const oneByOne = redactor.redactTranscript([...'53622123'].map((d) => ({ text: d, stored: true })).concat({ text: '4', stored: false }));
    expect(digitsIn(oneByOne.map((p) => p.text).join(''))).toBe('');
    expect(oneByOne.filter((p) => p.changed)).toHaveLength(9);
  });

  it('leaves what lies wholly in stored text alone, and reads only a bounded tail', () => {
    const [stored, fresh] = redactor.redactTranscript([
      { text: 'order 123456789', stored: true },
      { text: 'my ssn? no', stored: false },
    ]);
    expect(stored.changed).toBe(false);
    expect(fresh.text).toBe('my ssn? no');
    const far = redactor.redactTranscript([
      { text: `ssn ${'x'.repeat(400)}`, stored: true },
      { text: '536221234', stored: false },
    ]);
    expect(far[1].text).toBe('536221234'); // the word is beyond the tail read
  });

  it('matches a stored segment after the new one (segments arriving out of order)', () => {
    const [fresh, later] = redactor.redactTranscript([
      { text: 'SSN 536-22', stored: false },
      { text: '-1234', stored: true },
    ]);
    expect([fresh.text, later.text]).toEqual([`SSN ${SSN_MARK}`, SSN_MARK]);
    expect(later.changed).toBe(true);
  });

  it('recognises a repeat of a segment that was redacted further afterwards', () => {
    expect(sameRedactedText(`${CARD_MARK} thanks`, '1111 1111 thanks')).toBe(true);
    expect(sameRedactedText('ok', 'ok')).toBe(true);
    expect(sameRedactedText('ok', 'different')).toBe(false);
    expect(sameRedactedText(`a ${CARD_MARK} b`, 'a 1 c')).toBe(false);
  });
});

describe('configured patterns', () => {
  it('redacts with the tenant’s patterns and counts them, on normalised text', () => {
    const tenant = new Redactor([{ name: 'member_id', pattern: 'MBR-\\d{6}' }]);
    expect(tenant.redact('member MBR-123456 and mbr-654321')).toEqual({
      text: 'member [MEMBER_ID REDACTED] and [MEMBER_ID REDACTED]',
      counts: { ssn: 0, paymentCard: 0, pattern: 2 },
    });
    expect(tenant.redact('MBR-１２３\u200b４５６ and ＭＢＲ-٦٥٤٣٢١').text).toBe('[MEMBER_ID REDACTED] and [MEMBER_ID REDACTED]');
    // Segments meet at a line break, which a pattern may allow for.
    const [stored, fresh] = new Redactor([{ name: 'member_id', pattern: 'MBR-\\d{2}\\s?\\d{4}' }]).redactTranscript([
      { text: 'id MBR-12', stored: true },
      { text: '3456', stored: false },
    ]);
    expect([stored.text, fresh.text]).toEqual(['id [MEMBER_ID REDACTED]', '[MEMBER_ID REDACTED]']);
  });

  it.each([
    ['(x)\\1', 'RE2'],
    ['(?=x)y', 'RE2'],
    ['(?<!x)y', 'RE2'],
    ['[', 'RE2'],
    ['a{1001}', 'RE2'],
    ['[a-z]{600}', 'complex'],
    ['a*', 'empty'],
    ['x'.repeat(MAX_PATTERN_LENGTH + 1), 'characters'],
  ])('refuses %j', (pattern, problem) => {
    expect(patternProblem(pattern)).toMatch(problem);
  });

  it.each(['MBR-\\d{6}', '(?:acct|account) ?#?\\d{8}', '\\b[A-Z]{2}\\d{6}\\b', '(ab)+c', '(a+)+$', '(a|aa)*b', '(?P<id>X\\d+)'])('accepts %j', (pattern) => {
    expect(patternProblem(pattern)).toBeNull();
  });

  it('runs patterns that backtrack catastrophically elsewhere to the end, redacting what they match', () => {
    const tenant = new Redactor([{ name: 'slow', pattern: '^(a+)+$' }, { name: 'alt', pattern: '(a|aa)*b' }]);
    const [first, second] = tenant.redactAll(['a'.repeat(20_000) + '!', 'a'.repeat(20_000) + 'b']);
    expect(first.text).toBe('a'.repeat(20_000) + '!');
    expect(second).toEqual({ text: '[ALT REDACTED]', counts: { ssn: 0, paymentCard: 0, pattern: 1 } });
  });

  it('withholds new text when a stored pattern cannot be run, rather than keep it unredacted', () => {
    const stale = new Redactor([{ name: 'old', pattern: '(?=a)a' }]);
    expect(stale.redact('member a1').text).toBe(WITHHELD_MARK);
  });
});

describe('other stored text', () => {
  it('redacts free text and cuts it to its column', () => {
    expect(redactSensitiveNumbers('note: ssn ５３６２２１２３４, card 4111-1111-1111-1111')).toBe(`note: ssn ${SSN_MARK}, card ${CARD_MARK}`);
    expect(redactToFit('x'.repeat(95) + ' 536-22-1234', 100)).toBe('x'.repeat(95) + ' [SSN');
  });

  it.each(['billing', 'acme-agent-1', 'alice@globex.example', 'Tier 2 support', 'Facturación', 'queue/2026.01', 'auth0|5f7c8ec7c33c6c004bbafe82'])('accepts identifier %j', (value) => {
    expect(checkIdentifier('queue', value, 100)).toBe(value);
  });

  it.each([
    ['536-22-1234', 'SSN'],
    ['agent 4111111111111111', 'SSN'],
    ['q536\u200b221234ssn', 'letters'],
    ['٥٣٦-٢٢-١٢٣٤', 'letters'],
    ['ssn 536221234', 'SSN'],
    ['x'.repeat(101), 'characters'],
    ['', 'characters'],
    ['billing\n', 'letters'],
    ['<script>', 'letters'],
    [' billing', 'letters'],
  ])('refuses identifier %j, naming the field', (value, problem) => {
    expect(() => checkIdentifier('queue', value, 100)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'queue' }) }));
    expect(() => checkIdentifier('queue', value, 100)).toThrow(problem);
  });
});
