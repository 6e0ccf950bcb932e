import { createHash } from "node:crypto";

import type { Kysely } from "kysely";

import { nowIso } from "../time/china-time.ts";

import { tablesOf, type AnyView } from "../db/database.ts";

import type { AuditTables } from "./tables.ts";

export interface AuditEntry {
  actor: string;
  action: string;
  targetType: string;
  targetId: string | number;
  detail?: Record<string, unknown>;
}

const GENESIS = "0".repeat(64);

function entryHash(prevHash: string, at: string, e: AuditEntry, detail: string): string {
  return createHash("sha256")
    .update([prevHash, at, e.actor, e.action, e.targetType, String(e.targetId), detail].join("\u001f"))
    .digest("hex");
}

/**
 * The staff audit log: append-only, each entry hash-chained to the previous one so that any edit or
 * deletion breaks verification. Writes are serialised by the unique hash constraint: a concurrent
 * writer that chained to the same predecessor fails and retries.
 */
export class AuditLog {
  constructor(private readonly db: Kysely<AuditTables>) {}

  /** Appends an entry, inside the caller's transaction when given one (whatever tables it sees). */
  async record(entry: AuditEntry, outer?: AnyView): Promise<void> {
    const trx = outer ? tablesOf<AuditTables>(outer) : this.db;
    const detail = JSON.stringify(entry.detail ?? {});
    for (let attempt = 0; attempt < 5; attempt++) {
      const last = await trx
        .selectFrom("auditLog")
        .select("hash")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      const prevHash = last?.hash ?? GENESIS;
      const at = nowIso();
      try {
        await trx
          .insertInto("auditLog")
          .values({
            at,
            actor: entry.actor,
            action: entry.action,
            targetType: entry.targetType,
            targetId: String(entry.targetId),
            detail,
            prevHash,
            hash: entryHash(prevHash, at, entry, detail),
          })
          .execute();
        return;
      } catch (error) {
        if (attempt === 4) throw error;
      }
    }
  }

  async list(page: number, pageSize = 50, filter: { actor?: string; action?: string } = {}) {
    let q = this.db.selectFrom("auditLog").selectAll();
    if (filter.actor) q = q.where("actor", "=", filter.actor);
    if (filter.action) q = q.where("action", "like", `${filter.action}%`);
    const rows = await q
      .orderBy("id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    let c = this.db.selectFrom("auditLog").select((eb) => eb.fn.countAll<number>().as("n"));
    if (filter.actor) c = c.where("actor", "=", filter.actor);
    if (filter.action) c = c.where("action", "like", `${filter.action}%`);
    const total = Number((await c.executeTakeFirstOrThrow()).n);
    return { rows, total };
  }

  /** Walks the chain; returns the id of the first entry that does not verify, or null when intact. */
  async verify(): Promise<{ ok: boolean; checked: number; brokenAt: number | null }> {
    let prevHash = GENESIS;
    let checked = 0;
    let after = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom("auditLog")
        .selectAll()
        .where("id", ">", after)
        .orderBy("id")
        .limit(1000)
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        const expected = entryHash(
          prevHash,
          row.at,
          { actor: row.actor, action: row.action, targetType: row.targetType, targetId: row.targetId },
          row.detail,
        );
        if (row.prevHash !== prevHash || row.hash !== expected)
          return { ok: false, checked, brokenAt: row.id };
        prevHash = row.hash;
        checked++;
        after = row.id;
      }
    }
    return { ok: true, checked, brokenAt: null };
  }
}
