import { isIPv4, isIPv6 } from "node:net";
import type { AnyView } from "../db/database.ts";
import { TooMany } from "../http/errors.ts";
import { KvStore } from "../kv/kv-store.ts";
import { lookupCodeMatches } from "./lookup-code.ts";

/**
 * Wrong lookup codes are limited so that guessing stays bounded, yet a guesser cannot lock the
 * applicant out of their own request (anyone who sees a query number could otherwise spend the
 * request's hourly tries and have the right code refused for an hour).
 *
 * - Per request AND client address (IPv6 by its /64, the block one subscriber gets): 10 wrong codes
 *   an hour; past them that address is refused for the rest of the hour, right code or not (else the
 *   address could keep guessing). Another address — the applicant's — is not affected.
 * - Per request, all addresses together: past 100 wrong codes in the hour (a guesser spreading over
 *   many addresses), each address is allowed only 3 tries that hour. Guessing then costs a fresh /64
 *   or IPv4 address per 3 guesses, while the applicant, typing the right code from their own address,
 *   still gets in: no full lockout.
 *
 * 31^8 ≈ 8.5×10^11 codes, so even a guesser holding 10,000 addresses tests ≈ 3×10^4 codes an hour:
 * about one chance in 30 million per hour.
 *
 * Every attempt first takes a try from both counters (one atomic statement each, INSERT … ON CONFLICT
 * … RETURNING), so parallel guesses cannot slip past; a right code gives its tries back. Refusals are
 * `LookupLimited` (429) carrying the seconds until the hour's window ends (`Retry-After`).
 */
export const LOOKUP_TRIES_PER_HOUR = 10;
/** Wrong codes per request and hour over all addresses before each address gets only the tries below. */
export const LOOKUP_TRIES_PER_REQUEST_HOUR = 100;
export const LOOKUP_TRIES_PAST_CEILING = 3;

/** Too many wrong codes; `retryAfterSeconds` until the counting window ends. */
export class LookupLimited extends TooMany {
  constructor(message: string, retryAfterSeconds: number) {
    super(message, {}, "lookup_limited");
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface FailKeys {
  [perRequest: `lookup-fails:${number}:${number}`]: number;
  [perAddress: `lookup-fails:${number}:${number}:${string}`]: number;
  /** Counters of the per-case limit this guard replaced (cleared as their case is looked up). */
  [legacy: `lookup-tries:${number}:${number}`]: number;
}

/**
 * The bucket a client address counts in: an IPv4 address (also as ::ffff:a.b.c.d) as is, an IPv6
 * address by its /64 (one subscriber's block: counting single IPv6 addresses would be no limit).
 */
export function addressBucket(ip: string): string {
  const address = ip.trim().replace(/%.*$/, "");
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return "unknown";
  const [head = "", tail] = address.toLowerCase().split("::");
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  const before = groups(head);
  const after = groups(tail);
  // An embedded IPv4 tail (::a.b.c.d forms) counts as two groups; it never reaches the first four.
  const width = (g: string[]) => g.reduce((n, x) => n + (x.includes(".") ? 2 : 1), 0);
  const all =
    tail === undefined ? before : [...before, ...Array<string>(8 - width(before) - width(after)).fill("0")];
  const prefix = all.slice(0, 4).map((g) => parseInt(g || "0", 16).toString(16));
  return `${prefix.join(":")}::/64`;
}

/** How the refusals name the case and the person it protects (该申请/申请人, 该信件/来信人). */
export interface LookupSubject {
  noun: string;
  person: string;
}

export class LookupGuard {
  private readonly kv;

  constructor(
    db: AnyView,
    owner: string,
    private readonly subject: LookupSubject,
  ) {
    this.kv = new KvStore(db).scope<FailKeys>(owner);
  }

  /**
   * The case when `code` opens it, else null (no hint which was wrong). `row` is the case found by its
   * query number, if any; `client` the caller's address. Throws LookupLimited past the limits.
   */
  async open<T extends { id: number; lookupHash: string }>(
    row: T | undefined,
    code: string,
    client: string,
    now: Date,
  ): Promise<T | null> {
    const ok = lookupCodeMatches(row?.lookupHash, code);
    if (!row) return null;
    const hour = Math.floor(now.getTime() / 3_600_000);
    const retryAfter = Math.max(1, Math.ceil(((hour + 1) * 3_600_000 - now.getTime()) / 1000));
    const minutes = Math.ceil(retryAfter / 60);
    const perRequest = `lookup-fails:${row.id}:${hour}` as const;
    const perAddress = `${perRequest}:${addressBucket(client)}` as const;

    const mine = await this.kv.increment(perAddress);
    if (mine > LOOKUP_TRIES_PER_HOUR)
      throw new LookupLimited(
        `从您的网络对该${this.subject.noun}的查询码输入错误次数过多，为保护${this.subject.person}信息，请${minutes}分钟后再试`,
        retryAfter,
      );
    const all = await this.kv.increment(perRequest);
    if (all === 1) await this.forgetOlderHours(row.id, perRequest);
    if (all > LOOKUP_TRIES_PER_REQUEST_HOUR && mine > LOOKUP_TRIES_PAST_CEILING) {
      // Not a guess (the code was not tried): the request's count keeps only real attempts.
      await this.kv.increment(perRequest, -1);
      throw new LookupLimited(
        `该${this.subject.noun}近一小时内被多次以错误的查询码查询，为保护${this.subject.person}信息，每个网络每小时只能输错${LOOKUP_TRIES_PAST_CEILING}次；查询码输入错误次数过多，请${minutes}分钟后再试`,
        retryAfter,
      );
    }
    if (!ok) return null;
    await this.kv.increment(perAddress, -1);
    await this.kv.increment(perRequest, -1);
    return row;
  }

  /**
   * Deletes the counters of hours before the current one, of every case (a recurring job): a case
   * nobody looks up again would otherwise keep its counters, one per address that guessed, for ever.
   * Returns how many were deleted.
   */
  async sweep(now = new Date()): Promise<number> {
    const hour = Math.floor(now.getTime() / 3_600_000);
    const stale = [
      ...(await this.kv.keys("lookup-fails:")).filter((k) => Number(k.split(":")[2]) < hour),
      ...(await this.kv.keys("lookup-tries:")),
    ];
    await this.kv.deleteKeys(stale);
    return stale.length;
  }

  /** The first attempt of an hour clears the request's counters of older hours. */
  private async forgetOlderHours(id: number, current: `lookup-fails:${number}:${number}`): Promise<void> {
    const stale = [
      ...(await this.kv.keys(`lookup-fails:${id}:`)).filter(
        (k) => k !== current && !k.startsWith(`${current}:`),
      ),
      ...(await this.kv.keys(`lookup-tries:${id}:`)),
    ];
    for (const key of stale) await this.kv.delete(key);
  }
}
