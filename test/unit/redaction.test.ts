import { CARD_MARK, luhnValid, patternProblem, Redactor, SSN_MARK, WITHHELD_MARK } from '../../subgraphs/interactions/services/redaction';

const redactor = new Redactor();
const redact = (text: string) => redactor.redact(text);

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
  ])('redacts %j', (text, expected) => {
    const result = redact(text);
    expect(result.text).toBe(expected);
    expect(result.counts.paymentCard).toBeGreaterThan(0);
  });

  it.each([
    'order 1234567812345678 shipped', // fails Luhn
    'call me on +1 415 555 0123', // too short
    'tracking 4111111111111111999999', // part of a longer number
    'ref AB4111111111111111', // glued to letters
  ])('leaves %j alone', (text) => {
    expect(redact(text)).toEqual({ text, counts: { ssn: 0, paymentCard: 0, pattern: 0 } });
  });

  it('stays linear on a long run of separated digits', () => {
    const text = Array.from({ length: 20_000 }, (_, n) => n % 10).join(' ').slice(0, 20_000);
    expect(redact(text).text.length).toBeGreaterThan(0);
  });
});

describe('social security numbers', () => {
  it.each([
    ['my SSN is 078-05-1120.', `my SSN is ${SSN_MARK}.`],
    ['it is 219 09 9999 ok', `it is ${SSN_MARK} ok`],
    ['social security number: 219099999', `social security number: ${SSN_MARK}`],
    ['SSN 219099999', `SSN ${SSN_MARK}`],
  ])('redacts %j', (text, expected) => {
    expect(redact(text)).toMatchObject({ text: expected, counts: { ssn: 1 } });
  });

  it.each([
    'order number 219099999', // nine digits without SSN words
    'case 000-12-3456 and 666-12-3456 and 912-12-3456', // never issued
    'phone 415-555-0123', // not the SSN shape
    'range 1-219-09-9999', // part of a longer number
    'ssn 21909999', // eight digits
  ])('leaves %j alone', (text) => {
    expect(redact(text).counts.ssn).toBe(0);
  });

  it('counts each kind in one text', () => {
    const result = redact('SSN 078-05-1120 and card 4111 1111 1111 1111 and ssn: 219099999');
    expect(result.text).toBe(`SSN ${SSN_MARK} and card ${CARD_MARK} and ssn: ${SSN_MARK}`);
    expect(result.counts).toEqual({ ssn: 2, paymentCard: 1, pattern: 0 });
  });
});

describe('configured patterns', () => {
  it('redacts with the tenant’s patterns and counts them', () => {
    const tenant = new Redactor([{ name: 'member_id', pattern: 'MBR-\\d{6}' }]);
    expect(tenant.redact('member MBR-123456 and mbr-654321')).toEqual({
      text: 'member [MEMBER_ID REDACTED] and [MEMBER_ID REDACTED]',
      counts: { ssn: 0, paymentCard: 0, pattern: 2 },
    });
  });

  it.each([
    ['(a+)+$', 'repeat'],
    ['(a|aa)*b', 'repeat'],
    ['((ab)*c)+', 'repeat'],
    ['(x)\\1', 'backreferences'],
    ['a*', 'empty'],
    ['[', 'valid'],
    ['x'.repeat(201), 'characters'],
  ])('refuses %j', (pattern, problem) => {
    expect(patternProblem(pattern)).toMatch(problem);
  });

  it.each(['MBR-\\d{6}', '(?:acct|account) ?#?\\d{8}', '\\b[A-Z]{2}\\d{6}\\b', '(ab)+c'])('accepts %j', (pattern) => {
    expect(patternProblem(pattern)).toBeNull();
  });

  it('withholds text a pattern cannot finish in time, rather than keep it unredacted', () => {
    // Constructed directly: the admin check would refuse this pattern.
    const slow = new Redactor([{ name: 'slow', pattern: '^(a+)+$' }]);
    const [first] = slow.redactAll(['a'.repeat(40) + '!']);
    expect(first.text).toBe(WITHHELD_MARK);
    expect(first.text).not.toContain('aaaa');
  });
});
