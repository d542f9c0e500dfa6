import { RE2JS } from 're2js';
import { findSensitiveNumbers, normalise, originalRange, type NormalisedText, type Span } from '../../kit/sensitive-numbers';

export { CARD_MARK, luhnValid, SSN_MARK } from '../../kit/sensitive-numbers';

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

/** One segment of a transcript in sequence order: new text, or text stored earlier (already redacted). */
export interface TranscriptPart {
  text: string;
  stored: boolean;
}

/** For a new part: its redacted text and counts. For a stored part: its text and the counts added now. */
export interface RedactedPart extends Redacted {
  changed: boolean;
}

export const patternMark = (name: string) => `[${name.toUpperCase()} REDACTED]`;
/** Stored instead of new text when a stored tenant pattern can no longer be run. */
export const WITHHELD_MARK = '[TEXT WITHHELD: REDACTION DID NOT COMPLETE]';

export const MAX_PATTERNS = 20;
export const MAX_PATTERN_LENGTH = 200;
/** RE2 instructions a compiled pattern may have: matching costs about this much per character. */
export const MAX_PROGRAM_SIZE = 500;
export const PATTERN_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
/**
 * Characters of stored text read on each side of new text: a card is at most 19 digits with up to 8
 * separators between them, and a word naming an SSN counts up to 100 characters before it.
 */
export const CONTEXT_CHARS = 256;

type Kind = keyof RedactionCounts;

function compile(pattern: string): RE2JS {
  return RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
}

/**
 * Checks an administrator's pattern before it is stored: bounded length, RE2 syntax (linear-time
 * matching: no backreferences or lookaround), a bounded program size, and it must not match the
 * empty string.
 */
export function patternProblem(pattern: string): string | null {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) return `must be 1-${MAX_PATTERN_LENGTH} characters`;
  let compiled: RE2JS;
  try {
    compiled = compile(pattern);
  } catch {
    return 'is not a valid RE2 regular expression (backreferences and lookaround are not supported)';
  }
  if (compiled.programSize() > MAX_PROGRAM_SIZE) return 'is too complex (smaller repetition counts, fewer alternatives)';
  if (compiled.matches('')) return 'must not match empty text';
  return null;
}

/** Non-overlapping spans in start order; a span overlapping an earlier one is folded into it. */
function mergeSpans(spans: Span<Kind>[]): Span<Kind>[] {
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Span<Kind>[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

/** Where the line breaks joining segments landed in the normalised text. */
function joinerPositions(normalised: NormalisedText, positions: number[]): Set<number> {
  if (!normalised.starts) return new Set(positions);
  const starts = normalised.starts;
  const found = new Set<number>();
  for (const position of positions) {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < position) lo = mid + 1;
      else hi = mid;
    }
    if (starts[lo] === position) found.add(lo);
  }
  return found;
}

const noCounts = (): RedactionCounts => ({ ssn: 0, paymentCard: 0, pattern: 0 });

/**
 * Redacts SSNs, payment card numbers and a tenant's configured patterns, on normalised text (so
 * other scripts' digits, full-width forms and invisible characters change nothing) and across the
 * segments of one transcript. Tenant patterns run on RE2, in time linear in the text. The original
 * text is never returned, stored or logged; only the redacted text and the counts leave this class.
 */
export class Redactor {
  private readonly patterns: { mark: string; regex: RE2JS }[] = [];
  /** A stored pattern that this engine refuses (saved before patterns were checked against RE2). */
  private readonly unusable: boolean = false;

  constructor(patterns: readonly RedactionPattern[] = []) {
    for (const { name, pattern } of patterns) {
      try {
        this.patterns.push({ mark: patternMark(name), regex: compile(pattern) });
      } catch {
        this.unusable = true;
      }
    }
  }

  /** Each text on its own. */
  redactAll(texts: readonly string[]): Redacted[] {
    return texts.map((text) => this.redact(text));
  }

  redact(text: string): Redacted {
    const [part] = this.redactTranscript([{ text, stored: false }]);
    return { text: part.text, counts: part.counts };
  }

  /**
   * Redacts the new parts of a run of consecutive segments, matching across their boundaries with
   * the stored parts around them (up to CONTEXT_CHARS of them on each side). A number that reaches
   * into a stored part is redacted there too: that part comes back `changed`, with the counts added.
   * Each part that held a piece of a number shows the mark and counts it once.
   */
  redactTranscript(parts: readonly TranscriptPart[]): RedactedPart[] {
    const results: RedactedPart[] = parts.map((part) => ({ text: part.text, counts: noCounts(), changed: false }));
    const firstNew = parts.findIndex((part) => !part.stored);
    if (firstNew < 0) return results;
    let lastNew = firstNew;
    parts.forEach((part, index) => {
      if (!part.stored) lastNew = index;
    });

    // Pieces of the context: stored text is cut to CONTEXT_CHARS before the first and after the last new part.
    const pieces: { part: number; from: number; to: number; at: number }[] = [];
    let budget = CONTEXT_CHARS;
    const before: { part: number; from: number; to: number }[] = [];
    for (let p = firstNew - 1; p >= 0 && budget > 0; p--) {
      const length = parts[p].text.length;
      before.unshift({ part: p, from: Math.max(0, length - budget), to: length });
      budget -= length + 1;
    }
    const middle = [];
    for (let p = firstNew; p <= lastNew; p++) middle.push({ part: p, from: 0, to: parts[p].text.length });
    const after: { part: number; from: number; to: number }[] = [];
    budget = CONTEXT_CHARS;
    for (let p = lastNew + 1; p < parts.length && budget > 0; p++) {
      const length = parts[p].text.length;
      after.push({ part: p, from: 0, to: Math.min(length, budget) });
      budget -= length + 1;
    }
    const texts: string[] = [];
    let at = 0;
    for (const piece of [...before, ...middle, ...after]) {
      pieces.push({ ...piece, at });
      const text = parts[piece.part].text.slice(piece.from, piece.to);
      texts.push(text);
      at += text.length + 1;
    }
    // Segments are joined by a line break: a number may continue across it, as across any whitespace.
    const context = texts.join('\n');
    const normalised = normalise(context);

    const found: Span<Kind>[] = findSensitiveNumbers(normalised.text, joinerPositions(normalised, pieces.slice(1).map((piece) => piece.at - 1)));
    if (!this.unusable) {
      for (const { mark, regex } of this.patterns) {
        // A test first: much cheaper than finding every match, and most text matches nothing.
        if (!regex.test(normalised.text)) continue;
        const matcher = regex.matcher(normalised.text);
        while (matcher.find()) {
          if (matcher.end() > matcher.start()) found.push({ start: matcher.start(), end: matcher.end(), kind: 'pattern', mark });
        }
      }
    }
    const spans = mergeSpans(
      found.map((span) => {
        const [start, end] = originalRange(normalised, span.start, span.end);
        return { ...span, start, end };
      }),
    );

    const replacements = new Map<number, { start: number; end: number; mark: string }[]>();
    let first = 0;
    for (const span of spans) {
      while (first < pieces.length && pieces[first].at + (pieces[first].to - pieces[first].from) <= span.start) first++;
      const touched: { piece: (typeof pieces)[number]; start: number; end: number }[] = [];
      for (let i = first; i < pieces.length && pieces[i].at < span.end; i++) {
        const piece = pieces[i];
        const start = Math.max(span.start, piece.at) - piece.at;
        const end = Math.min(span.end, piece.at + (piece.to - piece.from)) - piece.at;
        if (end > start) touched.push({ piece, start, end });
      }
      // What lies wholly in stored text was settled when that text was stored.
      if (!touched.some(({ piece }) => !parts[piece.part].stored)) continue;
      for (const { piece, start, end } of touched) {
        const list = replacements.get(piece.part) ?? [];
        list.push({ start: piece.from + start, end: piece.from + end, mark: span.mark });
        replacements.set(piece.part, list);
        results[piece.part].counts[span.kind]++;
        results[piece.part].changed = true;
      }
    }
    for (const [part, list] of replacements) {
      const text = parts[part].text;
      const out: string[] = [];
      let cursor = 0;
      for (const { start, end, mark } of list) {
        out.push(text.slice(cursor, start), mark);
        cursor = end;
      }
      out.push(text.slice(cursor));
      results[part].text = out.join('');
    }
    if (this.unusable) {
      // Without every configured pattern the new text cannot be vouched for, so none of it is kept.
      parts.forEach((part, index) => {
        if (!part.stored) results[index] = { text: WITHHELD_MARK, counts: { ...results[index].counts, pattern: 1 }, changed: true };
      });
    }
    return results;
  }
}

const MARK = /\[(?:[A-Z0-9_-]+ REDACTED|TEXT WITHHELD: REDACTION DID NOT COMPLETE)\]/g;

/**
 * Whether stored text is what `redacted` (a repeat, redacted on its own) became when it was stored:
 * equal, or equal outside the marks, since a number reaching into a neighbouring segment may have
 * been redacted there after the fact. Marks stand for any text (a glob match, linear).
 */
export function sameRedactedText(stored: string, redacted: string): boolean {
  if (stored === redacted) return true;
  const literals = stored.split(MARK);
  if (literals.length === 1) return false;
  const head = literals[0];
  const tail = literals[literals.length - 1];
  if (!redacted.startsWith(head) || !redacted.endsWith(tail) || head.length + tail.length > redacted.length) return false;
  let at = head.length;
  const end = redacted.length - tail.length;
  for (const literal of literals.slice(1, -1)) {
    const found = redacted.indexOf(literal, at);
    if (found < 0 || found + literal.length > end) return false;
    at = found + literal.length;
  }
  return true;
}
