import { IsEmail, Matches } from 'class-validator';

/** E.164: a plus, a country code not starting with 0, 7 to 15 digits in all. */
export const E164_PHONE = /^\+[1-9]\d{6,14}$/;

/** Worded once for every input; the error formatter names the field (`email: must be …`, BAD_USER_INPUT). */
export const EMAIL_MESSAGE = 'must be a valid email address';
export const PHONE_MESSAGE = 'must be in E.164 format, e.g. +14155550123';

export const IsEmailAddress = (): PropertyDecorator => IsEmail({}, { message: EMAIL_MESSAGE });
export const IsE164Phone = (): PropertyDecorator => Matches(E164_PHONE, { message: PHONE_MESSAGE });
