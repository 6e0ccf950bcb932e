import { sql, type Kysely } from "kysely";
import { FieldCipher, UnknownKeyError, type IndexKind } from "../platform/crypto/field-cipher.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs over every owner's tables by name
type AnyKysely = Kysely<any>;

/** A column holding personal data encrypted at rest, and the blind index kept beside it when looked up. */
export interface SealedField {
  table: string;
  /** snake_case column name. */
  column: string;
  /** The name rows carry after CamelCasePlugin (the read plugin decrypts these). */
  property: string;
  index?: { column: string; kind: IndexKind };
}

/**
 * Every encrypted column. A module's repository seals these on write (store.cipher.seal) and they
 * come back decrypted on read (the plugin openDatabase installs); this list drives the startup pass
 * that seals clear rows written before, `npm run keys:rotate` and the desensitised copy.
 */
export const SEALED_FIELDS: SealedField[] = [
  { table: "licences", column: "sd_jwt", property: "sdJwt" },
  { table: "licences", column: "holder_key", property: "holderKey" },
  { table: "accounts", column: "phone", property: "phone" },
  {
    table: "accounts",
    column: "id_number",
    property: "idNumber",
    index: { column: "id_number_index", kind: "id-number" },
  },
  { table: "applications", column: "data", property: "data" },
  { table: "applications", column: "filing", property: "filing" },
  { table: "letters", column: "phone", property: "phone", index: { column: "phone_index", kind: "phone" } },
  { table: "letters", column: "email", property: "email" },
  { table: "letters", column: "address", property: "address" },
  { table: "disclosure_requests", column: "applicant_name", property: "applicantName" },
  { table: "disclosure_requests", column: "id_number", property: "idNumber" },
  { table: "disclosure_requests", column: "phone", property: "phone" },
  { table: "disclosure_requests", column: "email", property: "email" },
  { table: "disclosure_requests", column: "address", property: "address" },
  {
    table: "consultation_comments",
    column: "phone",
    property: "phone",
    index: { column: "phone_index", kind: "phone" },
  },
  {
    table: "registry_people",
    column: "id_number",
    property: "idNumber",
    index: { column: "id_number_index", kind: "id-number" },
  },
  { table: "registry_people", column: "address", property: "address" },
  {
    table: "registry_licences",
    column: "holder_id",
    property: "holderId",
    index: { column: "holder_index", kind: "id-number" },
  },
  {
    table: "registration_records",
    column: "id_number",
    property: "idNumber",
    index: { column: "id_index", kind: "id-number" },
  },
  { table: "registration_records", column: "phone", property: "phone" },
  { table: "registration_records", column: "person_name", property: "personName" },
  { table: "federation_applications", column: "data", property: "data" },
  { table: "federation_outbox", column: "payload", property: "payload" },
  {
    table: "sms_outbox",
    column: "phone",
    property: "phone",
    index: { column: "phone_index", kind: "phone" },
  },
];

/** Property names the read plugin decrypts. */
export const SEALED_PROPERTIES = [...new Set(SEALED_FIELDS.map((f) => f.property))];

/** A local person account's login name: the blind index of the mobile number (never the number). */
export function personLoginName(cipher: FieldCipher, phone: string): string {
  return `ph:${cipher.blindIndex("phone", phone)}`;
}

/** The blind index of the applicant's ID number in an application's form answers, if any. */
export function applicantIdIndex(cipher: FieldCipher, dataJson: string): string | null {
  try {
    const data = JSON.parse(dataJson) as Record<string, unknown>;
    return typeof data.idNumber === "string" && data.idNumber
      ? cipher.blindIndex("id-number", data.idNumber)
      : null;
  } catch {
    return null;
  }
}

export interface ResealProgress {
  /** Called once per field with its total, then after each batch with the running count. */
  start?(field: SealedField, total: number): void;
  advance?(field: SealedField, done: number): void;
}

/**
 * Encrypts, field by field and in batches by id, every value that is clear (mode "clear") or not
 * under the current key (mode "rotate"), filling blind indexes that are missing. Idempotent and
 * resumable: each batch commits on its own and a value already under the current key is skipped.
 * Returns how many values it rewrote.
 */
export async function resealFields(
  db: AnyKysely,
  cipher: FieldCipher,
  mode: "clear" | "rotate",
  progress: ResealProgress = {},
  batch = 500,
): Promise<number> {
  let changed = 0;
  for (const field of SEALED_FIELDS) {
    const col = sql.ref(field.column);
    const pending =
      mode === "clear"
        ? sql`${col} IS NOT NULL AND ${col} <> '' AND ${col} NOT LIKE 'v1:%'`
        : sql`${col} IS NOT NULL AND ${col} <> '' AND ${col} NOT LIKE ${`v1:${cipher.current.id}:%`}`;
    const { rows: counted } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(field.table)}
      WHERE ${pending}`.execute(db);
    const total = Number(counted[0]?.n ?? 0);
    progress.start?.(field, total);
    if (total === 0) continue;
    // Ids are integers in most tables and text in some (registration records): compare as they are.
    let last: number | string | null = null;
    let done = 0;
    for (;;) {
      const { rows } = await sql<{ id: number | string; raw: string }>`SELECT id, ${col} AS raw
        FROM ${sql.table(field.table)} WHERE ${last === null ? sql`1 = 1` : sql`id > ${last}`} AND ${pending}
        ORDER BY id LIMIT ${batch}`.execute(db);
      if (rows.length === 0) break;
      await db.transaction().execute(async (trx) => {
        for (const row of rows) {
          const sealed = cipher.reseal(row.raw);
          if (sealed === null) continue;
          const clear = cipher.open(row.raw);
          const extra = field.index
            ? sql`, ${sql.ref(field.index.column)} = ${cipher.blindIndex(field.index.kind, clear)}`
            : sql``;
          const extraApp =
            field.table === "applications" && field.column === "data"
              ? sql`, applicant_id_index = ${applicantIdIndex(cipher, clear)}`
              : sql``;
          await sql`UPDATE ${sql.table(field.table)} SET ${col} = ${sealed}${extra}${extraApp}
            WHERE id = ${row.id} AND ${col} = ${row.raw}`.execute(trx);
        }
      });
      last = rows[rows.length - 1].id;
      done += rows.length;
      changed += rows.length;
      progress.advance?.(field, done);
    }
  }
  if (mode === "clear") changed += await personLoginNames(db, cipher);
  return changed;
}

/** Local person accounts still logging in by the clear mobile number get its blind index instead. */
async function personLoginNames(db: AnyKysely, cipher: FieldCipher): Promise<number> {
  const { rows } = await sql<{
    id: number;
    loginName: string;
    subject: string;
  }>`SELECT id, login_name, subject
    FROM accounts WHERE kind = 'person' AND provider = 'local' AND login_name NOT LIKE 'ph:%'`.execute(db);
  for (const row of rows) {
    const loginName = personLoginName(cipher, row.loginName);
    const subject = row.subject === row.loginName ? loginName : row.subject;
    await sql`UPDATE accounts SET login_name = ${loginName}, subject = ${subject} WHERE id = ${row.id}`.execute(
      db,
    );
  }
  return rows.length;
}

/** Values under each key id, per field (for `keys:rotate` and the tests). */
/** kv values that are sealed strings (JSON '"v1:…"'), e.g. the e-licence issuer's private keys. */
async function sealedKvValues(db: AnyKysely): Promise<{ key: string; raw: string }[]> {
  const { rows } = await sql<{ key: string; value: string }>`SELECT ${sql.ref("key")} AS key, value FROM kv
    WHERE value LIKE ${'"v1:%'}`.execute(db);
  return rows.flatMap(({ key, value }) => {
    try {
      const raw = JSON.parse(value) as unknown;
      return typeof raw === "string" && FieldCipher.isSealed(raw) ? [{ key, raw }] : [];
    } catch {
      return [];
    }
  });
}

/** Re-seals sealed kv values under the current key (keys:rotate); returns how many were rewritten. */
export async function resealKvValues(db: AnyKysely, cipher: FieldCipher): Promise<number> {
  let n = 0;
  for (const { key, raw } of await sealedKvValues(db)) {
    if (FieldCipher.keyIdOf(raw) === cipher.current.id) continue;
    await sql`UPDATE kv SET value = ${JSON.stringify(cipher.reseal(raw))} WHERE ${sql.ref("key")} = ${key}`.execute(
      db,
    );
    n++;
  }
  return n;
}

export async function keyUsage(db: AnyKysely): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  for (const { raw } of await sealedKvValues(db)) {
    const kid = FieldCipher.keyIdOf(raw) ?? "?";
    usage.set(kid, (usage.get(kid) ?? 0) + 1);
  }
  for (const field of SEALED_FIELDS) {
    const col = sql.ref(field.column);
    const { rows } = await sql<{ raw: string }>`SELECT ${col} AS raw FROM ${sql.table(field.table)}
      WHERE ${col} LIKE 'v1:%'`.execute(db);
    for (const { raw } of rows) {
      const kid = FieldCipher.keyIdOf(raw) ?? "?";
      usage.set(kid, (usage.get(kid) ?? 0) + 1);
    }
  }
  return usage;
}

/**
 * Refuses to start on a database holding values under a key this process does not have (a wrong or
 * missing key file), instead of failing later on the first page that shows one.
 */
export async function assertKeysCover(db: AnyKysely, cipher: FieldCipher): Promise<void> {
  const known = sql.join(
    cipher.keyIds.map((id) => sql`${sql.ref("v")} LIKE ${`v1:${id}:%`}`),
    sql` OR `,
  );
  for (const field of SEALED_FIELDS) {
    const { rows } = await sql<{ raw: string }>`SELECT raw FROM (SELECT ${sql.ref(field.column)} AS raw,
      ${sql.ref(field.column)} AS v FROM ${sql.table(field.table)}) t
      WHERE v LIKE 'v1:%' AND NOT (${known}) LIMIT 1`.execute(db);
    if (rows[0]) throw new UnknownKeyError(FieldCipher.keyIdOf(rows[0].raw) ?? "?");
  }
}
