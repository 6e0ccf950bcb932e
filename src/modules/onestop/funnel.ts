import { sql, type Kysely } from "kysely";
import type { ApplicationStatus, OneStopTables } from "./tables.ts";

/** The tables serviceFunnelCounts reads (for tablesOf in the analytics module). */
export type OneStopFunnelTables = OneStopTables;

/** Statuses of an application that was submitted (everything but a draft). */
const SUBMITTED: ApplicationStatus[] = [
  "prereview",
  "correction",
  "review",
  "decided",
  "delivered",
  "closed",
  "refused",
  "withdrawn",
  "suspended",
];

export interface ItemFunnelCounts {
  itemCode: string;
  itemName: string;
  siteId: number;
  /** Applications submitted in the period. */
  submitted: number;
  /** Of those, closed (办结). */
  completed: number;
}

export interface BundleFunnelCounts {
  bundleCode: string;
  name: string;
  submitted: number;
  /** Bundle applications whose every member application is closed. */
  completed: number;
}

/**
 * The service hall's side of the analytics funnels (guide → start → submit → complete): applications
 * submitted in [from, to) per item and per 一件事 bundle, and how many of them are closed. Counts only.
 */
export async function serviceFunnelCounts(
  db: Kysely<OneStopTables>,
  siteId: number | null,
  from: string,
  to: string,
): Promise<{
  items: ItemFunnelCounts[];
  bundles: BundleFunnelCounts[];
  /** Names of every service item and bundle by code (for guides read but not applied for). */
  names: Map<string, string>;
  bundleNames: Map<string, string>;
}> {
  let items = db
    .selectFrom("applications")
    .where("status", "in", SUBMITTED)
    .where("submittedAt", ">=", from)
    .where("submittedAt", "<", to);
  if (siteId !== null) items = items.where("siteId", "=", siteId);
  const itemRows = await items
    .select([
      "itemCode",
      sql<string>`max(item_name)`.as("itemName"),
      sql<number>`max(site_id)`.as("siteId"),
      sql<number>`count(*)`.as("submitted"),
      sql<number>`sum(case when status = 'closed' then 1 else 0 end)`.as("completed"),
    ])
    .groupBy("itemCode")
    .orderBy(sql`count(*)`, "desc")
    .limit(200)
    .execute();
  let bundles = db
    .selectFrom("bundleApplications as b")
    .innerJoin("applications as a", "a.bundleApplicationId", "b.id")
    .where("b.createdAt", ">=", from)
    .where("b.createdAt", "<", to);
  if (siteId !== null) bundles = bundles.where("a.siteId", "=", siteId);
  const perBundle = await bundles
    .select([
      "b.id",
      "b.bundleCode",
      sql<number>`count(*)`.as("members"),
      sql<number>`sum(case when a.status = 'closed' then 1 else 0 end)`.as("closed"),
    ])
    .groupBy(["b.id", "b.bundleCode"])
    .limit(100_000)
    .execute();
  const names = new Map(
    (await db.selectFrom("serviceBundles").select(["code", "name"]).execute()).map((b) => [b.code, b.name]),
  );
  const byCode = new Map<string, BundleFunnelCounts>();
  for (const row of perBundle) {
    const b = byCode.get(row.bundleCode) ?? {
      bundleCode: row.bundleCode,
      name: names.get(row.bundleCode) ?? row.bundleCode,
      submitted: 0,
      completed: 0,
    };
    b.submitted++;
    if (Number(row.closed) === Number(row.members)) b.completed++;
    byCode.set(row.bundleCode, b);
  }
  return {
    items: itemRows.map((r) => ({
      itemCode: r.itemCode,
      itemName: r.itemName,
      siteId: Number(r.siteId),
      submitted: Number(r.submitted),
      completed: Number(r.completed),
    })),
    bundles: [...byCode.values()].sort((a, b) => b.submitted - a.submitted),
    names: new Map(
      (await db.selectFrom("serviceItems").select(["code", "name"]).execute()).map((i) => [i.code, i.name]),
    ),
    bundleNames: names,
  };
}
