import type { Kysely, Migration } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/**
 * 我的信件: a letter written while signed in belongs to that account, listed on its 我的 page without
 * the lookup code. Letters written signed out (and every earlier letter) have none.
 */
export function lettersAccount(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable("letters").addColumn("account_id", "integer").execute();
      await db.schema.createIndex("letters_account").on("letters").columns(["account_id", "id"]).execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropIndex("letters_account").execute();
      await db.schema.alterTable("letters").dropColumn("account_id").execute();
    },
  };
}
