import type { Db } from "../../platform/db/database.ts";

/** 网上调查: questions of several types, one answer per verified person, results as charts. */
export class SurveyService {
  constructor(private readonly store: Db) {}

  async listForSite(siteId: number | null, page: number, pageSize = 20) {
    let q = this.store.db.selectFrom("surveys");
    if (siteId != null) q = q.where("siteId", "=", siteId);
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const now = new Date().toISOString();
    const rows = await q
      .select(["id", "title", "opensAt", "closesAt", "siteId"])
      .where("opensAt", "<=", now)
      .orderBy("closesAt", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { rows: rows.map((r) => ({ ...r, open: r.closesAt > now })), total };
  }
}
