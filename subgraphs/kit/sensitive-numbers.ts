import { badInput } from '../../platform/errors';

/**
 * Finds SSNs and payment card numbers however they are disguised: text is first normalised (NFKC,
 * Unicode format characters dropped, every Unicode decimal digit mapped to its ASCII value), then
 * digit runs are read with any mix of separators between the digits. Everything is linear in the
 * length of the text: one pass to normalise, one to read runs, a bounded window per digit group.
 */

export const SSN_MARK = '[SSN REDACTED]';
export const CARD_MARK = '[CARD REDACTED]';

export type NumberKind = 'ssn' | 'paymentCard';

/** A range of a text, `[start, end)`, to be replaced by `mark`. */
export interface Span<K extends string = string> {
  start: number;
  end: number;
  kind: K;
  mark: string;
}

/** Normalised text, with where each of its UTF-16 units came from in the original (null: the same place). */
export interface NormalisedText {
  text: string;
  starts: number[] | null;
  ends: number[] | null;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;
const FORMAT = /\p{Cf}/gu;
const DECIMAL_DIGIT = /\p{Nd}/u;
const DECIMAL_DIGITS = /\p{Nd}/gu;
const normalisedCodePoints = new Map<number, string>();

/**
 * The ASCII value of a Unicode decimal digit. Unicode encodes every decimal digit set as ten
 * consecutive code points from zero, so the offset from the start of its run of digits, modulo ten,
 * is its value.
 */
function digitValue(char: string): string {
  const codePoint = char.codePointAt(0)!;
  let start = codePoint;
  while (start > 0 && codePoint - start < 60 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
  return String((codePoint - start) % 10);
}

function normaliseCodePoint(codePoint: number): string {
  let out = normalisedCodePoints.get(codePoint);
  if (out === undefined) {
    out = String.fromCodePoint(codePoint).normalize('NFKC').replace(FORMAT, '').replace(DECIMAL_DIGITS, digitValue);
    if (normalisedCodePoints.size < 10_000) normalisedCodePoints.set(codePoint, out);
  }
  return out;
}

/**
 * NFKC per code point (so every unit of the result maps back to one code point of the original),
 * format characters (zero-width spaces and joiners, soft hyphens, direction marks) dropped and
 * decimal digits of every script made ASCII. ASCII text is returned as it is.
 */
export function normalise(text: string): NormalisedText {
  if (ASCII_ONLY.test(text)) return { text, starts: null, ends: null };
  const parts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < text.length; ) {
    const codePoint = text.codePointAt(i)!;
    const width = codePoint > 0xffff ? 2 : 1;
    const out = codePoint < 0x80 ? text[i] : normaliseCodePoint(codePoint);
    parts.push(out);
    for (let unit = 0; unit < out.length; unit++) {
      starts.push(i);
      ends.push(i + width);
    }
    i += width;
  }
  return { text: parts.join(''), starts, ends };
}

/** Where a range of the normalised text lies in the original. */
export function originalRange(normalised: NormalisedText, start: number, end: number): [number, number] {
  if (!normalised.starts || !normalised.ends) return [start, end];
  return [normalised.starts[start], normalised.ends[end - 1]];
}

/** Luhn checksum over a string of ASCII digits. */
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

/** Area 000, 666 and 9xx, group 00 and serial 0000 are never issued. */
export function plausibleSsn(digits: string): boolean {
  const area = digits.slice(0, 3);
  return area !== '000' && area !== '666' && area[0] !== '9' && digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000';
}

/**
 * What may stand between two digits of one number: whitespace, dashes of every kind, combining
 * marks, dots, commas, slashes, underscores, asterisks, bullets, the minus sign, tildes, bars; at
 * most MAX_SEPARATOR of them in a row. A comma with whitespace (`, `) ends a number, as in a list of
 * numbers; so do letters, colons, parentheses and anything else.
 */
const SEPARATOR = /[\s\p{Pd}\p{Mn}\p{Me}.,/\\_*·•∙⋅‧−~|]/u;
export const MAX_SEPARATOR = 8;
const WHITESPACE = /\s/u;
/** Words that name an SSN, not preceded by a letter; the number may follow (or come shortly before). */
const SSN_WORD = /(?<![a-z])(?:s[\s.-]{0,2}s[\s.-]{0,2}n(?![a-rt-z])|ss#|social)/giu;
export const SSN_WORD_BEFORE = 100;
export const SSN_WORD_AFTER = 40;
const MIN_CARD = 13;
const MAX_CARD = 19;

const isDigit = (code: number) => code >= 48 && code <= 57;

interface Group {
  start: number;
  end: number;
  /** Separator text between this group and the next, or '' for the last group of a run. */
  after: string;
  /** The separator is only where two segments meet: the digits either side may be one group. */
  soft: boolean;
}

/** Positions of words that name an SSN, for distance checks by binary search. */
function ssnWords(text: string): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const match of text.matchAll(SSN_WORD)) {
    starts.push(match.index);
    ends.push(match.index + match[0].length);
  }
  return { starts, ends };
}

function nearSsnWord(words: { starts: number[]; ends: number[] }, start: number, end: number): boolean {
  // Last word ending at or before start.
  let lo = 0;
  let hi = words.ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (words.ends[mid] <= start) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && start - words.ends[lo - 1] <= SSN_WORD_BEFORE) return true;
  // First word starting at or after end.
  lo = 0;
  hi = words.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (words.starts[mid] < end) lo = mid + 1;
    else hi = mid;
  }
  return lo < words.starts.length && words.starts[lo] - end <= SSN_WORD_AFTER;
}

/** Reads the run of digit groups starting at `start` (a digit); returns the groups and where the run ends. */
function readRun(text: string, start: number, softBreaks: ReadonlySet<number>): Group[] {
  const groups: Group[] = [];
  let i = start;
  for (;;) {
    const groupStart = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    const group: Group = { start: groupStart, end: i, after: '', soft: false };
    groups.push(group);
    let j = i;
    while (j < text.length && j - i <= MAX_SEPARATOR && SEPARATOR.test(text[j])) j++;
    const between = text.slice(i, j);
    if (j > i && j - i <= MAX_SEPARATOR && j < text.length && isDigit(text.charCodeAt(j)) && !(between.includes(',') && WHITESPACE.test(between))) {
      group.after = between;
      group.soft = j === i + 1 && softBreaks.has(i);
      i = j;
    } else {
      return groups;
    }
  }
}

/**
 * SSNs and payment cards in normalised text. In each run of digit groups, from left to right: the
 * longest window of whole groups holding 13-19 digits that passes Luhn is a card; else a window of
 * exactly nine digits with an issuable area, group and serial is an SSN when a word naming an SSN
 * is near, when it is written AAA-GG-SSSS (any separators) apart from neighbouring groups, or when
 * it is the whole run written digit by digit. A group of more than 19 digits is no card or SSN.
 */
export function findSensitiveNumbers(text: string, softBreaks: ReadonlySet<number> = new Set()): Span<NumberKind>[] {
  const spans: Span<NumberKind>[] = [];
  let words: { starts: number[]; ends: number[] } | undefined;
  for (let i = 0; i < text.length; i++) {
    if (!isDigit(text.charCodeAt(i))) continue;
    const groups = readRun(text, i, softBreaks);
    i = groups[groups.length - 1].end;
    let digitCount = 0;
    for (const group of groups) digitCount += group.end - group.start;
    if (digitCount < 9) continue;
    for (let k = 0; k < groups.length; ) {
      let digits = '';
      let card = -1;
      let ssn = -1;
      for (let e = k; e < groups.length; e++) {
        const length = groups[e].end - groups[e].start;
        if (digits.length + length > MAX_CARD) break;
        digits += text.slice(groups[e].start, groups[e].end);
        if (digits.length >= MIN_CARD && luhnValid(digits)) card = e;
        if (digits.length === 9 && ssn < 0) ssn = e;
      }
      if (card >= 0) {
        spans.push({ start: groups[k].start, end: groups[card].end, kind: 'paymentCard', mark: CARD_MARK });
        k = card + 1;
        continue;
      }
      if (ssn >= 0) {
        const nine = digits.slice(0, 9);
        words ??= ssnWords(text);
        if (plausibleSsn(nine) && ssnShaped(groups, k, ssn, words)) {
          spans.push({ start: groups[k].start, end: groups[ssn].end, kind: 'ssn', mark: SSN_MARK });
          k = ssn + 1;
          continue;
        }
      }
      k++;
    }
  }
  return spans;
}

function ssnShaped(groups: Group[], first: number, last: number, words: { starts: number[]; ends: number[] }): boolean {
  if (nearSsnWord(words, groups[first].start, groups[last].end)) return true;
  const window = groups.slice(first, last + 1);
  const lengths = window.map((g) => g.end - g.start);
  // Where segments meet inside a group, the group is whole again.
  const joined: number[] = [];
  window.forEach((group, index) => {
    if (index > 0 && window[index - 1].soft) joined[joined.length - 1] += group.end - group.start;
    else joined.push(group.end - group.start);
  });
  const apart = (first === 0 || WHITESPACE.test(groups[first - 1].after)) && (last === groups.length - 1 || WHITESPACE.test(groups[last].after));
  const ssnGroups = (sizes: number[]) => sizes.length === 3 && sizes[0] === 3 && sizes[1] === 2 && sizes[2] === 4;
  if (apart && (ssnGroups(lengths) || ssnGroups(joined))) return true;
  return first === 0 && last === groups.length - 1 && lengths.length === 9;
}

/** Replaces non-overlapping spans (sorted by start) of `text`. */
export function replaceSpans(text: string, spans: readonly { start: number; end: number; mark: string }[]): string {
  if (spans.length === 0) return text;
  const out: string[] = [];
  let at = 0;
  for (const span of spans) {
    out.push(text.slice(at, span.start), span.mark);
    at = span.end;
  }
  out.push(text.slice(at));
  return out.join('');
}

/** SSNs and card numbers of a text, as ranges of the original text. */
export function sensitiveNumberRanges(text: string): Span<NumberKind>[] {
  const normalised = normalise(text);
  return findSensitiveNumbers(normalised.text).map((span) => {
    const [start, end] = originalRange(normalised, span.start, span.end);
    return { ...span, start, end };
  });
}

/** Free text stored outside transcripts (dispositions, consent proof, notes): SSNs and cards replaced by their marks. */
export function redactSensitiveNumbers(text: string): string {
  return replaceSpans(text, sensitiveNumberRanges(text));
}

/** Like redactSensitiveNumbers, for a column of `max` characters: cut to fit (never inside a surrogate pair). */
export function redactToFit(text: string, max: number): string {
  const redacted = redactSensitiveNumbers(text);
  if (redacted.length <= max) return redacted;
  const cut = redacted.charCodeAt(max - 1) >= 0xd800 && redacted.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max;
  return redacted.slice(0, cut);
}

const IDENTIFIER = /^[\p{L}0-9](?:[\p{L}0-9 ._:@+/#|-]*[\p{L}0-9])?$/u;
const IDENTIFIER_RULE = 'must hold only letters, digits, spaces and . _ : @ + / # | - (starting and ending with a letter or digit)';
/** A record id in another system: it ends up in that system's URLs. */
export const RECORD_ID = /^[A-Za-z0-9_-]+$/;
const RECORD_ID_RULE = 'must hold only ASCII letters, digits, _ and -';

/**
 * An identifier-like field (queue, agent): letters, ASCII digits and `._:@+/#|-` or spaces inside,
 * within `max` characters, and no SSN or card number in it. Refusal names the field. A record id
 * (`RECORD_ID`) may be a long number that happens to pass Luhn, so only SSNs are refused there.
 */
export function checkIdentifier(field: string, value: string, max: number, kind: 'name' | 'recordId' = 'name'): string {
  if (value.length === 0 || value.length > max) throw badInput(field, `must be 1-${max} characters`);
  if (kind === 'recordId' ? !RECORD_ID.test(value) : !IDENTIFIER.test(value)) throw badInput(field, kind === 'recordId' ? RECORD_ID_RULE : IDENTIFIER_RULE);
  return refuseSensitiveNumbers(field, value, kind === 'name' ? ['ssn', 'paymentCard'] : ['ssn']);
}

/** A field stored in plain text that must not carry an SSN (or card number), however written. */
export function refuseSensitiveNumbers(field: string, value: string, kinds: readonly NumberKind[] = ['ssn', 'paymentCard']): string {
  const found = findSensitiveNumbers(normalise(value).text).filter((span) => kinds.includes(span.kind));
  if (found.length > 0) throw badInput(field, kinds.includes('paymentCard') ? 'must not hold an SSN or a card number' : 'must not hold an SSN');
  return value;
}
