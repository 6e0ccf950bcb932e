import { sql, type Kysely } from "kysely";
import { LETTER_KINDS } from "./model.ts";
import type { MailboxTables } from "./tables.ts";

/** The tables letterKindCounts reads (for tablesOf in another module). */
export type LetterKindTables = MailboxTables;

/** Letters received in [from, to) per kind (咨询, 投诉…), for one addressee site or all (demand analytics). */
export async function letterKindCounts(
  db: Kysely<MailboxTables>,
  siteId: number | null,
  from: string,
  to: string,
): Promise<{ kind: string; label: string; count: number }[]> {
  let q = db.selectFrom("letters").where("createdAt", ">=", from).where("createdAt", "<", to);
  if (siteId !== null) q = q.where("addresseeSiteId", "=", siteId);
  const rows = await q
    .select(["kind", sql<number>`count(*)`.as("n")])
    .groupBy("kind")
    .orderBy(sql`count(*)`, "desc")
    .execute();
  return rows.map((r) => ({ kind: r.kind, label: LETTER_KINDS[r.kind] ?? r.kind, count: Number(r.n) }));
}
