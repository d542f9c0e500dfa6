import vm from 'node:vm';

/** What was taken out of one text, by kind. */
export interface RedactionCounts {
  ssn: number;
  paymentCard: number;
  pattern: number;
}

export interface Redacted {
  text: string;
  counts: RedactionCounts;
}

export interface RedactionPattern {
  name: string;
  pattern: string;
}

export const SSN_MARK = '[SSN REDACTED]';
export const CARD_MARK = '[CARD REDACTED]';
export const patternMark = (name: string) => `[${name.toUpperCase()} REDACTED]`;
/** Stored instead of the whole text when a configured pattern did not finish in time. */
export const WITHHELD_MARK = '[TEXT WITHHELD: REDACTION DID NOT COMPLETE]';

export const MAX_PATTERNS = 20;
export const MAX_PATTERN_LENGTH = 200;
export const PATTERN_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
/** Time budget for a tenant's configured patterns over one batch of texts. */
export const PATTERN_TIMEOUT_MS = 100;

/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

// A run of digits with single spaces or dashes between them, not touching other digits or letters.
const DIGIT_RUN = /(?<![\p{L}\p{N}])\d(?:[ -]?\d)*(?![\p{L}\p{N}])/gu;

/**
 * Card numbers: 13-19 digits passing Luhn, written whole or in groups split by single spaces or
 * dashes. A longer run that fails as a whole is tried group by group, so a card followed by
 * another number (`4111 1111 1111 1111 12`) is still found.
 */
function redactCards(text: string): { text: string; count: number } {
  let count = 0;
  const result = text.replace(DIGIT_RUN, (run) => {
    const digits = run.replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) {
      count++;
      return CARD_MARK;
    }
    if (digits.length < 13) return run;
    const groups = run.split(/([ -])/);
    // groups alternates [digits, separator, digits, …]; from each group, the longest card-shaped window.
    const out: string[] = [];
    for (let start = 0; start < groups.length; start++) {
      if (start % 2 === 1) {
        out.push(groups[start]);
        continue;
      }
      let window = '';
      let found = -1;
      for (let end = start; end < groups.length && window.length + groups[end].length <= 19; end += 2) {
        window += groups[end];
        if (window.length >= 13 && luhnValid(window)) found = end;
      }
      if (found >= 0) {
        count++;
        out.push(CARD_MARK);
        start = found;
      } else {
        out.push(groups[start]);
      }
    }
    return out.join('');
  });
  return { text: result, count };
}

// AAA-GG-SSSS (or with spaces), as an SSN is written; not part of a longer number.
const SSN_FORMATTED = /(?<![\p{L}\p{N}-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\p{L}\p{N}]|-\d)/gu;
// Nine bare digits, only close after words that name an SSN.
const SSN_BARE = /(\b(?:ssn|ss#|social security(?: number| no\.?| #)?|social)\b[^\p{N}\n]{0,20})(?<!\d)(\d{9})(?!\d)/giu;

/** Area 000, 666 and 9xx, group 00 and serial 0000 are never issued. */
function plausibleSsn(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

function redactSsns(text: string): { text: string; count: number } {
  let count = 0;
  const formatted = text.replace(SSN_FORMATTED, (match, area: string, _sep: string, group: string, serial: string) => {
    if (!plausibleSsn(area, group, serial)) return match;
    count++;
    return SSN_MARK;
  });
  const bare = formatted.replace(SSN_BARE, (match, lead: string, digits: string) => {
    if (!plausibleSsn(digits.slice(0, 3), digits.slice(3, 5), digits.slice(5))) return match;
    count++;
    return lead + SSN_MARK;
  });
  return { text: bare, count };
}

/**
 * Checks an administrator's pattern before it is stored. Bounded length, a fixed flag set, no
 * backreferences, no quantified group that itself contains a quantifier or an alternation (the
 * shapes behind catastrophic backtracking), and it must not match the empty string. This narrows
 * the risk; the time budget in `Redactor` is what bounds it.
 */
export function patternProblem(pattern: string): string | null {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) return `must be 1-${MAX_PATTERN_LENGTH} characters`;
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, 'giu');
  } catch {
    return 'is not a valid regular expression';
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'must not use backreferences';
  const groups: { quantified: boolean }[] = [];
  let escaped = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (escaped) {
      escaped = false;
      continue;
    }
    if (char === '\\') {
      escaped = true;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(') groups.push({ quantified: false });
    else if (char === '|' && groups.length > 0) groups[groups.length - 1].quantified = true;
    else if ('*+?{'.includes(char) && groups.length > 0 && !(char === '?' && pattern[i - 1] === '(')) {
      groups[groups.length - 1].quantified = true;
    } else if (char === ')') {
      const inner = groups.pop();
      const next = pattern[i + 1];
      const quantifiedGroup = next !== undefined && '*+{'.includes(next);
      if (inner?.quantified && quantifiedGroup) return 'must not repeat a group that contains a repetition or alternation';
      if (inner?.quantified && groups.length > 0) groups[groups.length - 1].quantified = true;
    }
  }
  if (compiled.test('')) return 'must not match empty text';
  return null;
}

const sandbox = vm.createContext({});
const runInSandbox = new vm.Script('work()');

/**
 * Redacts SSNs, payment card numbers and a tenant's configured patterns. The original text is
 * never returned, stored or logged; only the redacted text and the counts leave this class.
 */
export class Redactor {
  private readonly patterns: { mark: string; regex: RegExp }[];

  constructor(patterns: readonly RedactionPattern[] = []) {
    this.patterns = patterns.map(({ name, pattern }) => ({ mark: patternMark(name), regex: new RegExp(pattern, 'giu') }));
  }

  /** Redacts a batch; configured patterns run under one time budget, and text they could not finish is withheld whole. */
  redactAll(texts: readonly string[]): Redacted[] {
    const builtIn = texts.map((text) => {
      const cards = redactCards(text);
      const ssns = redactSsns(cards.text);
      return { text: ssns.text, counts: { ssn: ssns.count, paymentCard: cards.count, pattern: 0 } };
    });
    if (this.patterns.length === 0) return builtIn;
    const results: Redacted[] = [];
    sandbox.work = () => {
      for (const item of builtIn) {
        let { text } = item;
        let count = 0;
        for (const { mark, regex } of this.patterns) {
          regex.lastIndex = 0;
          text = text.replace(regex, () => {
            count++;
            return mark;
          });
        }
        results.push({ text, counts: { ...item.counts, pattern: count } });
      }
    };
    try {
      runInSandbox.runInContext(sandbox, { timeout: PATTERN_TIMEOUT_MS });
      return results;
    } catch {
      // Out of time: what is left cannot be vouched for, so none of it is kept.
      return builtIn.map((item, index) =>
        results[index] ?? { text: WITHHELD_MARK, counts: { ...item.counts, pattern: 1 } },
      );
    } finally {
      sandbox.work = undefined;
    }
  }

  redact(text: string): Redacted {
    return this.redactAll([text])[0];
  }
}
