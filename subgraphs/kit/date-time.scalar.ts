import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { badInput } from '../../platform/errors';

/** What MySQL/MariaDB DATETIME(3) holds, and so what every subgraph accepts. */
export const EARLIEST_INSTANT = new Date('1000-01-01T00:00:00.000Z');
export const LATEST_INSTANT = new Date('9999-12-31T23:59:59.999Z');

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-](\d{2}):(\d{2}))$/;
const MESSAGE = 'must be an RFC 3339 date-time such as 2007-12-03T10:15:30.123Z, between years 1000 and 9999, to the millisecond';

const refuse = (reason = MESSAGE) => new GraphQLError(`DateTimeISO ${reason}`, { extensions: { code: 'BAD_USER_INPUT' } });

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Parses strictly: a real calendar date and time (no 2026-02-30, no hour 24, no leap second), at
 * most millisecond precision (finer digits must be zeros) and within the storable years, so what is
 * accepted is exactly what is stored and read back.
 */
export function parseInstant(value: unknown): Date {
  if (typeof value !== 'string' || value.length > 40) throw refuse();
  const match = RFC3339.exec(value);
  if (!match) throw refuse();
  const [, year, month, day, hour, minute, second, fraction = '', zone, offsetHours, offsetMinutes] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) throw refuse('is not a calendar date and time');
  if (zone.length > 1 && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) throw refuse('has an invalid time-zone offset');
  if (/[1-9]/.test(fraction.slice(3))) throw refuse('is more precise than a millisecond');
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${fraction.slice(0, 3).padEnd(3, '0')}${zone.toUpperCase()}`);
  if (Number.isNaN(date.getTime())) throw refuse();
  if (date < EARLIEST_INSTANT || date > LATEST_INSTANT) throw refuse('must be between years 1000 and 9999');
  return date;
}

/** Keeps the name and description of type-graphql's default, so the published SDL does not change. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTimeISO',
  description:
    'A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar.This scalar is serialized to a string in ISO 8601 format and parsed from a string in ISO 8601 format.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTimeISO cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: parseInstant,
  // A plain Error, so graphql-js reports it with the literal's location (a GraphQLError loses it).
  parseLiteral(ast) {
    try {
      if (ast.kind !== Kind.STRING) throw refuse();
      return parseInstant(ast.value);
    } catch (error) {
      throw new Error((error as Error).message);
    }
  },
});

/** Contact-center events happen in the present era: not before 1970, not ahead of the clock (60 s of skew). */
export const EARLIEST_EVENT = new Date('1970-01-01T00:00:00.000Z');
const CLOCK_SKEW_MS = 60_000;

/** Refuses an event time that cannot be true, naming the field (`startedAt`, `transcript[2].occurredAt`). */
export function checkEventTime(field: string, value: Date | null | undefined, now = new Date()): void {
  if (!value) return;
  if (value < EARLIEST_EVENT) throw badInput(field, 'must not be before 1970');
  if (value.getTime() > now.getTime() + CLOCK_SKEW_MS) throw badInput(field, 'must not be in the future');
}
