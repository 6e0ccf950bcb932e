import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { chinaDate } from "../time/china-time.ts";

/**
 * Password-free lookup of a citizen's case (a letter, a disclosure request): a public query number
 * and a one-time-shown lookup code whose hash alone is kept. Wrong codes are limited by LookupGuard
 * (lookup-guard.ts): per case and client address, so a guesser cannot lock the person out.
 */

/**
 * The readable lookup-code alphabet: digits and capitals without 0/O, 1/I/L (easy to read aloud and
 * copy by hand). Eight characters give 31^8 ≈ 8.5×10^11 codes; wrong guesses are limited per case.
 */
export const LOOKUP_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const LOOKUP_LENGTH = 8;

/** A new lookup code (shown to the citizen once; only its hash is stored). */
export function newLookupCode(): string {
  let code = "";
  for (let i = 0; i < LOOKUP_LENGTH; i++) code += LOOKUP_ALPHABET[randomInt(0, LOOKUP_ALPHABET.length)];
  return code;
}

export function hashLookupCode(code: string): string {
  return createHash("sha256").update(code.trim()).digest("hex");
}

/** The forms of a typed code to check: as typed (older codes), and normalised when it is readable. */
export function lookupCandidates(typed: string): string[] {
  const raw = typed.trim();
  const readable = raw.replace(/[\s-]/g, "").toUpperCase();
  const pattern = new RegExp(`^[${LOOKUP_ALPHABET}]{${LOOKUP_LENGTH}}$`);
  return pattern.test(readable) && readable !== raw ? [raw, readable] : [raw];
}

/**
 * Whether `code` matches the stored hash, in constant time even when no case was found. Codes issued
 * before the readable alphabet (16 case-sensitive base64url characters) still match as typed; readable
 * codes match in any case, with spaces or hyphens between groups.
 */
export function lookupCodeMatches(storedHash: string | undefined, code: string): boolean {
  const expected = Buffer.from(storedHash ?? hashLookupCode("none"), "hex");
  const hit = lookupCandidates(code).reduce((found, candidate) => {
    const given = Buffer.from(hashLookupCode(candidate), "hex");
    return (expected.length === given.length && timingSafeEqual(expected, given)) || found;
  }, false);
  return hit && storedHash !== undefined;
}

/** A query number: the China date it was filed (YYYYMMDD) and six random digits (14 digits). */
export function newQueryNo(now: Date): string {
  return `${chinaDate(now).replace(/-/g, "")}${String(randomInt(0, 1_000_000)).padStart(6, "0")}`;
}

export const QUERY_NO_PATTERN = /^\d{14}$/;
