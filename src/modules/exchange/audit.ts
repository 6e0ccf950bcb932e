import { createHash } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { ExchangeAuditRow, ExchangeTables } from "./tables.ts";

export type AuditEntry = Omit<ExchangeAuditRow, "seq" | "prevHash" | "hash" | "onBehalfOf"> & {
  onBehalfOf?: string;
};

export const GENESIS = "0".repeat(64);

/**
 * The fields a record's hash covers, in a fixed order: all but its number (so renumbering to make room
 * for a forged record does not hide it: the chain, not the numbers, decides what belongs).
 */
export function recordHash(prevHash: string, e: AuditEntry): string {
  return createHash("sha256")
    .update(
      [
        prevHash,
        e.at,
        e.keyId,
        e.member,
        e.resource,
        e.fields,
        e.purposeCase,
        e.purposeBasis,
        e.subject,
        e.result,
        e.status,
        e.reason,
        e.requestDigest,
        e.responseDigest,
        e.latencyMs,
        // Only a peer's query names a department: every other record hashes as it always did.
        ...(e.onBehalfOf ? [e.onBehalfOf] : []),
      ].join("\u001f"),
    )
    .digest("hex");
}

export type AuditFinding =
  | { kind: "edited"; seq: number }
  | { kind: "inserted"; seq: number }
  | { kind: "deleted"; fromSeq: number; toSeq: number };

export interface AuditVerification {
  ok: boolean;
  checked: number;
  findings: AuditFinding[];
}

/**
 * The exchange's own audit log: every call, numbered 1, 2, 3 … and hash-chained. A record whose
 * content no longer matches its hash was edited; a gap in the numbers is a deletion; a record its
 * successor does not chain to was inserted. (A record forged at the very end, with a correct hash, is
 * only caught against a copy of the head kept elsewhere: see `head()`.)
 * Appends are serialised in this process and retried on a number taken by another instance.
 */
export class ExchangeAudit {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Kysely<ExchangeTables>) {}

  append(entry: AuditEntry): Promise<number> {
    const run = this.tail.then(() => this.appendNow(entry));
    this.tail = run.catch(() => {});
    return run;
  }

  /**
   * The head this process last wrote or read: the next append links to it without reading the table
   * first. When another instance appended meanwhile, the insert collides on `seq` and the head is read
   * again (the chain stays one chain across instances).
   */
  private last: { seq: number; hash: string } | null = null;

  private async appendNow(entry: AuditEntry): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const last =
        this.last ??
        (await this.db
          .selectFrom("exchangeAudit")
          .select(["seq", "hash"])
          .orderBy("seq", "desc")
          .limit(1)
          .executeTakeFirst()) ??
        null;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS;
      const hash = recordHash(prevHash, entry);
      try {
        await this.db
          .insertInto("exchangeAudit")
          .values({ ...entry, seq, prevHash, hash })
          .execute();
        this.last = { seq, hash };
        return seq;
      } catch (error) {
        this.last = null;
        if (attempt >= 20) throw error;
      }
    }
  }

  /** Walks the whole chain in batches; names every record that was edited, inserted or deleted. */
  async verify(
    onProgress?: (checked: number) => void,
    options: { fromSeq?: number } = {},
  ): Promise<AuditVerification> {
    const findings: AuditFinding[] = [];
    // The last two records known to belong to the chain (an inserted one is found by its successor).
    let last: { seq: number; hash: string } = { seq: 0, hash: GENESIS };
    let beforeLast: { seq: number; hash: string } | null = null;
    let checked = 0;
    let after = 0;
    if (options.fromSeq && options.fromSeq > 1) {
      // A partial check (the console's recent tail) trusts the record just before it.
      const start = await this.db
        .selectFrom("exchangeAudit")
        .select(["seq", "hash"])
        .where("seq", "<", options.fromSeq)
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirst();
      if (start) [last, after] = [start, start.seq];
    }
    for (;;) {
      const rows = await this.db
        .selectFrom("exchangeAudit")
        .selectAll()
        .where("seq", ">", after)
        .orderBy("seq")
        .limit(5000)
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        checked++;
        after = row.seq;
        const { seq, prevHash, hash, ...entry } = row;
        const intact = recordHash(prevHash, entry) === hash;
        const links = prevHash === last.hash;
        if (seq > last.seq + 1 && !(beforeLast && prevHash === beforeLast.hash))
          findings.push({ kind: "deleted", fromSeq: last.seq + 1, toSeq: seq - 1 });
        if (!intact) {
          // Content changed under its hash. If it still links, it was edited in place; if it neither
          // verifies nor links, it was put in from outside and the chain continues from `last`.
          findings.push({ kind: links ? "edited" : "inserted", seq });
          if (links) [beforeLast, last] = [last, { seq, hash }];
          continue;
        }
        if (!links && beforeLast && prevHash === beforeLast.hash) {
          // This record chains to the one before `last`: `last` was slipped in between them.
          findings.push({ kind: "inserted", seq: last.seq });
        } else if (!links && seq === last.seq + 1) {
          // Intact and numbered in order, yet not linked: `last` was rewritten with a new hash.
          findings.push({ kind: "edited", seq: last.seq });
        }
        [beforeLast, last] = [last, { seq, hash }];
      }
      onProgress?.(checked);
    }
    return { ok: findings.length === 0, checked, findings };
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom("exchangeAudit")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The newest record's number and hash: keep a copy elsewhere to catch a forged tail. */
  async head(): Promise<{ seq: number; hash: string } | null> {
    return (
      (await this.db
        .selectFrom("exchangeAudit")
        .select(["seq", "hash"])
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirst()) ?? null
    );
  }

  /** Calls that read one subject's records (for the citizen's "who read my data"). */
  async forSubject(subject: string, limit = 50, offset = 0): Promise<Selectable<ExchangeAuditRow>[]> {
    return this.db
      .selectFrom("exchangeAudit")
      .selectAll()
      .where("subject", "=", subject)
      .where("result", "=", "ok")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
  }

  async countForSubject(subject: string): Promise<number> {
    const row = await this.db
      .selectFrom("exchangeAudit")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("subject", "=", subject)
      .where("result", "=", "ok")
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
