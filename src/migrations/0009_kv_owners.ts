import { sql, type Kysely, type Migration } from "kysely";
import type { Dialect } from "../platform/db/database.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped on purpose
type AnyDb = Kysely<any>;

/** Old kv key → [owner scope key, whether the old value was plain text (now stored as JSON)]. */
const RENAMES: [string, string, boolean][] = [
  ["cookie_secret", "app:cookie-secret", true],
  ["demo_seeded", "seed:claim", true],
  ["interaction.settings", "mailbox:settings", false],
  ["assistant_kb_version", "assistant:kb-version", true],
];

/** Prefixed old keys → new prefixes (same flag). */
const PREFIXES: [string, string, boolean][] = [
  ["service_form_draft:", "onestop:form-draft:", false],
  ["assistant.letter_faq:", "assistant:letter-faq:", true],
];

/**
 * The kv table gets an owner per key (platform/kv KvStore scopes "<owner>:<key>", JSON values): the
 * keys written before are renamed and their plain-text values quoted as JSON strings (they are hex,
 * ids and timestamps, so quoting needs no escaping).
 */
export function kvOwners(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      const quote = (plain: boolean) => (plain ? sql`'"' || value || '"'` : sql`value`);
      for (const [from, to, plain] of RENAMES)
        await sql`UPDATE kv SET key = ${to}, value = ${quote(plain)} WHERE key = ${from}`.execute(db);
      for (const [from, to, plain] of PREFIXES)
        await sql`UPDATE kv SET key = ${to} || substr(key, ${from.length + 1}), value = ${quote(plain)}
          WHERE substr(key, 1, ${from.length}) = ${from}`.execute(db);
    },
  };
}
