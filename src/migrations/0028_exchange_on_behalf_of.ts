import type { Kysely, Migration } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * 跨省通办 registry queries: a peer platform's query is answered under the grants of that peer's member
 * here, on behalf of one of the peer's departments; the exchange audit names that department (the
 * citizen's "谁查看了我的数据" shows it). Empty for every other call (and left out of their hash).
 */
export function exchangeOnBehalfOf(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable("exchange_audit")
        .addColumn("on_behalf_of", "text", (c) => c.notNull().defaultTo(""))
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.alterTable("exchange_audit").dropColumn("on_behalf_of").execute();
    },
  };
}
