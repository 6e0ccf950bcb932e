import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { TooMany } from "../http/errors.ts";
import { KvStore } from "../kv/kv-store.ts";
import type { AnyView } from "../db/database.ts";
import { chinaDate } from "../time/china-time.ts";

/**
 * Password-free lookup of a citizen's case (a letter, a disclosure request): a public query number
 * and a one-time-shown lookup code whose hash alone is kept. Wrong codes are limited per case and
 * hour, counted atomically in the kv table, so parallel guesses cannot slip past.
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

interface TryKeys {
  [tries: `lookup-tries:${number}:${number}`]: number;
}

/** Counts lookup attempts per case and hour under an owner's kv scope. */
export class LookupTries {
  private readonly kv;

  constructor(
    db: AnyView,
    owner: string,
    private readonly perHour: number,
    /** The message when the hour's tries are used up. */
    private readonly refusal: string,
  ) {
    this.kv = new KvStore(db).scope<TryKeys>(owner);
  }

  /**
   * Takes a try for the case (every attempt, right or wrong, first takes one); throws TooMany past
   * the limit. Returns a function that gives the try back (call it when the code was right).
   */
  /**
   * The case when `code` opens it, else null (no hint which was wrong). Every attempt on a real case
   * takes a try first (one atomic statement, so parallel guesses cannot slip past: TooMany); a right
   * code gives it back. `row` is the case found by its query number, if any.
   */
  async open<T extends { id: number; lookupHash: string }>(
    row: T | undefined,
    code: string,
    now: Date,
  ): Promise<T | null> {
    const ok = lookupCodeMatches(row?.lookupHash, code);
    if (!row) return null;
    const giveBack = await this.take(row.id, now);
    if (!ok) return null;
    await giveBack();
    return row;
  }

  async take(caseId: number, now: Date): Promise<() => Promise<void>> {
    const hour = Math.floor(now.getTime() / 3_600_000);
    const key = `lookup-tries:${caseId}:${hour}` as const;
    const tries = await this.kv.increment(key);
    if (tries === 1) {
      // The first attempt of an hour clears the case's older hours.
      for (const old of await this.kv.keys(`lookup-tries:${caseId}:`))
        if (old !== key) await this.kv.delete(old);
    }
    if (tries > this.perHour) throw new TooMany(this.refusal);
    return async () => {
      await this.kv.increment(key, -1);
    };
  }
}
