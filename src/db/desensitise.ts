import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { mkdirSync } from "node:fs";
import SQLite from "better-sqlite3";
import pg from "pg";
import { CamelCasePlugin, Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import { loadConfig, type Config } from "../config.ts";
import { openFieldCipher, sqlitePath } from "../platform/db/database.ts";
import type { FieldCipher } from "../platform/crypto/field-cipher.ts";
import { idCheckChar } from "../platform/validation/china-ids.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rewrites several owners' tables by name
type AnyKysely = Kysely<any>;

const SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN =
  "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建林波宁博文斌浩宇欣怡子涵梓轩雨晨思彤俊杰嘉乐志强海燕春梅晓东";
const STREETS = [
  "江滨路",
  "解放大道",
  "中山路",
  "建设大道",
  "友谊路",
  "长江路",
  "和平大道",
  "民主路",
  "青年路",
  "光明街",
  "文化路",
  "新华路",
];
const DISTRICTS = ["江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区", "东湖新区"];

/**
 * Consistent fakes: every fake is drawn from an HMAC of the real value under a per-run secret, so
 * the same real value becomes the same fake everywhere in the copy, and nobody without the secret
 * (discarded after the run unless given) can map a fake back by trying every phone number.
 */
export class Faker {
  /** Fakes given so far per kind, by real value, and the real value each fake was given for. */
  private readonly given = new Map<string, Map<string, string>>();
  private readonly owners = new Map<string, Map<string, string>>();

  constructor(private readonly secret: Buffer) {}

  /**
   * The fake of `real`, unique among this run's fakes of the kind (ID numbers and phones are unique
   * keys in the copy: two people must not share one): a fake already given to another value is
   * drawn again, from the same stream.
   */
  private unique(kind: string, real: string, draw: (next: () => number) => string): string {
    const given = this.given.get(kind) ?? new Map<string, string>();
    const owners = this.owners.get(kind) ?? new Map<string, string>();
    this.given.set(kind, given);
    this.owners.set(kind, owners);
    const known = given.get(real);
    if (known !== undefined) return known;
    const next = this.stream(kind, real);
    let fake = draw(next);
    for (let tries = 0; owners.has(fake) && tries < 1000; tries++) fake = draw(next);
    given.set(real, fake);
    owners.set(fake, real);
    return fake;
  }

  private stream(kind: string, value: string): () => number {
    let block = 0;
    let bytes = Buffer.alloc(0);
    let at = 0;
    return () => {
      if (at + 4 > bytes.length) {
        bytes = createHmac("sha256", this.secret).update(`${kind}\0${block++}\0${value}`).digest();
        at = 0;
      }
      const n = bytes.readUInt32BE(at);
      at += 4;
      return n;
    };
  }

  /** Same 6-digit district, same birth year and sex digit parity, valid GB 11643 check character. */
  idNumber(real: string): string {
    const id = real.trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(id)) return this.digits(real, real.length || 18);
    return this.unique("id", id, (next) => {
      const year = Number(id.slice(6, 10));
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
      const day = next() % (leap ? 366 : 365);
      const birth = new Date(Date.UTC(year, 0, 1 + day));
      const date = birth.toISOString().slice(0, 10).replace(/-/g, "");
      const parity = Number(id[16]) % 2;
      const seq = String(next() % 100).padStart(2, "0") + String((next() % 5) * 2 + parity);
      const first17 = id.slice(0, 6) + date + seq;
      return first17 + idCheckChar(first17);
    });
  }

  /** A mobile number with the same 3-digit prefix (1[3-9]x); anything else keeps its shape. */
  phone(real: string): string {
    const p = real.trim();
    if (/^1[3-9]\d{9}$/.test(p))
      return this.unique("phone", p, (next) => p.slice(0, 3) + String(next() % 1e8).padStart(8, "0"));
    return this.digits(p, p.length);
  }

  private digits(real: string, length: number): string {
    const next = this.stream("digits", real);
    let out = "";
    for (const ch of real) out += /\d/.test(ch) ? String(next() % 10) : ch;
    return out.slice(0, Math.max(length, 0));
  }

  name(real: string): string {
    if (!real.trim()) return real;
    const next = this.stream("name", real.trim());
    const given = 1 + (next() % 2);
    let out = SURNAMES[next() % SURNAMES.length];
    for (let i = 0; i < given; i++) out += GIVEN[next() % GIVEN.length];
    return out;
  }

  address(real: string): string {
    if (!real.trim()) return real;
    const next = this.stream("address", real.trim());
    return `${DISTRICTS[next() % DISTRICTS.length]}${STREETS[next() % STREETS.length]}${1 + (next() % 300)}号${
      1 + (next() % 20)
    }栋${101 + (next() % 20)}室`;
  }

  email(real: string): string {
    if (!real.trim()) return real;
    const next = this.stream("email", real.trim().toLowerCase());
    return `user${String(next() % 1e8).padStart(8, "0")}@example.com`;
  }

  /** Form answers: identity fields by name or shape; other answers unchanged. */
  formValues(data: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data)) {
      const leaf = key.split(".").pop() ?? key;
      if (typeof value !== "string" || !value) out[key] = value;
      else if (/idnumber|idno|身份证/i.test(leaf) || /^\d{17}[\dXx]$/.test(value))
        out[key] = this.idNumber(value);
      else if (/phone|mobile|tel/i.test(leaf) || /^1[3-9]\d{9}$/.test(value)) out[key] = this.phone(value);
      else if (/email/i.test(leaf)) out[key] = this.email(value);
      else if (/address|addr|detail/i.test(key) && leaf !== "region") out[key] = this.address(value);
      else if (/name$/i.test(leaf) && !/company|org|unit|platform/i.test(leaf)) out[key] = this.name(value);
      else out[key] = value;
    }
    return out;
  }
}

/**
 * An application's filing (本人/代办 and once-only fetches; see onestop/once-only.ts) with its people
 * faked: the principal, the filer, and the fetched record values by their labels.
 */
function fakeFiling(fake: Faker, json: string): string | null {
  try {
    const f = JSON.parse(json) as {
      principal?: { name: string; idNumber: string } | null;
      filedBy?: { name: string };
      materials?: { fields?: { label: string; value: string }[] }[];
    };
    if (f.principal) {
      f.principal.name = fake.name(f.principal.name);
      f.principal.idNumber = fake.idNumber(f.principal.idNumber);
    }
    if (f.filedBy) f.filedBy.name = fake.name(f.filedBy.name);
    for (const m of f.materials ?? [])
      for (const field of m.fields ?? [])
        field.value = /姓名|持证人|名称/.test(field.label)
          ? fake.name(field.value)
          : /住址|地址/.test(field.label)
            ? fake.address(field.value)
            : /身份|证号|户号|编号/.test(field.label)
              ? fake.idNumber(field.value)
              : field.value;
    return JSON.stringify(f);
  } catch {
    return null;
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}`))));
  });
}

export interface DesensitiseResult {
  rows: number;
  ms: number;
}

/**
 * A copy of the database for testing and training with every personal field replaced by a
 * consistent fake (see Faker). The fakes are written in clear with blind indexes emptied: the
 * platform that opens the copy encrypts them under its own keys on its first start (the sealing
 * pass), so the copy carries neither real data nor anything needing the production keys. Sessions,
 * phone codes, the SMS outbox, the cookie secret and staff TOTP secrets are dropped.
 */
export async function desensitise(
  config: Config,
  target: { file?: string; url?: string },
  secret: Buffer = randomBytes(32),
): Promise<DesensitiseResult> {
  const started = performance.now();
  const cipher = openFieldCipher(config);
  let db: AnyKysely;
  if (config.databaseUrl) {
    if (!target.url) throw new Error("On PostgreSQL give --target-url postgres://… (an empty database)");
    const dir = mkdtempSync(join(tmpdir(), "chuyun-desens-"));
    try {
      const dump = join(dir, "db.dump");
      await run("pg_dump", ["--format=custom", "--no-owner", `--file=${dump}`, config.databaseUrl]);
      await run("pg_restore", ["--no-owner", "--single-transaction", `--dbname=${target.url}`, dump]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    db = new Kysely({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target.url, max: 2 }) }),
      plugins: [new CamelCasePlugin()],
    });
  } else {
    if (!target.file) throw new Error("Give --out FILE for the desensitised SQLite copy");
    const out = resolve(target.file);
    if (existsSync(out)) throw new Error(`${out} exists; choose a new file`);
    mkdirSync(dirname(out), { recursive: true });
    const source = new SQLite(sqlitePath(config), { fileMustExist: true, readonly: true });
    try {
      await source.backup(out);
    } finally {
      source.close();
    }
    db = new Kysely({
      dialect: new SqliteDialect({ database: new SQLite(out) }),
      plugins: [new CamelCasePlugin()],
    });
  }
  try {
    const rows = await rewrite(db, cipher, new Faker(secret));
    if (!config.databaseUrl) await sql`VACUUM`.execute(db); // no freed page keeps an original value
    return { rows, ms: Math.round(performance.now() - started) };
  } finally {
    await db.destroy();
  }
}

async function rewrite(db: AnyKysely, cipher: FieldCipher, fake: Faker): Promise<number> {
  let n = 0;
  const open = (v: string | null) => (v === null ? null : cipher.open(v));
  await db.transaction().execute(async (trx) => {
    const accounts = await sql<{
      id: number;
      kind: string;
      name: string;
      idNumber: string | null;
      contactName: string | null;
      phone: string;
      provider: string;
      loginName: string;
      subject: string;
    }>`SELECT id, kind, name, id_number, contact_name, phone, provider, login_name, subject FROM accounts`.execute(
      trx,
    );
    for (const a of accounts.rows) {
      const phone = fake.phone(open(a.phone) ?? "");
      const idNumber = a.idNumber === null ? null : fake.idNumber(open(a.idNumber) ?? "");
      const personLocal = a.kind === "person" && a.provider === "local";
      const login = personLocal ? phone : a.loginName;
      await sql`UPDATE accounts SET name = ${a.kind === "person" ? fake.name(a.name) : a.name},
        contact_name = ${a.contactName === null ? null : fake.name(a.contactName)}, phone = ${phone},
        id_number = ${idNumber}, id_number_index = NULL, login_name = ${login},
        subject = ${personLocal && a.subject === a.loginName ? login : a.subject}
        WHERE id = ${a.id}`.execute(trx);
      n++;
    }
    const apps = await sql<{
      id: number;
      data: string;
      applicantName: string;
      filing: string | null;
    }>`SELECT id, data, applicant_name, filing
      FROM applications`.execute(trx);
    for (const a of apps.rows) {
      let data = open(a.data) ?? "{}";
      try {
        data = JSON.stringify(fake.formValues(JSON.parse(data) as Record<string, unknown>));
      } catch {
        data = "{}";
      }
      const filing = a.filing ? fakeFiling(fake, open(a.filing) ?? "") : null;
      await sql`UPDATE applications SET data = ${data}, applicant_name = ${fake.name(a.applicantName)},
        applicant_id_index = NULL, filing = ${filing} WHERE id = ${a.id}`.execute(trx);
      n++;
    }
    const letters = await sql<{
      id: number;
      name: string;
      phone: string;
      email: string;
      address: string;
    }>`SELECT
      id, name, phone, email, address FROM letters`.execute(trx);
    for (const l of letters.rows) {
      await sql`UPDATE letters SET name = ${fake.name(l.name)}, phone = ${fake.phone(open(l.phone) ?? "")},
        email = ${fake.email(open(l.email) ?? "")}, address = ${fake.address(open(l.address) ?? "")},
        phone_index = NULL WHERE id = ${l.id}`.execute(trx);
      n++;
    }
    const comments = await sql<{ id: number; name: string; phone: string }>`SELECT id, name, phone
      FROM consultation_comments`.execute(trx);
    for (const c of comments.rows) {
      await sql`UPDATE consultation_comments SET name = ${fake.name(c.name)},
        phone = ${fake.phone(open(c.phone) ?? "")}, phone_index = NULL WHERE id = ${c.id}`.execute(trx);
      n++;
    }
    // The exchange's base registries: residents get fakes; their blind indexes get unique placeholders
    // (the columns are NOT NULL UNIQUE) that the sealing pass replaces on the copy's first start.
    const people = await sql<{ id: number; idNumber: string; name: string; address: string }>`SELECT
      id, id_number, name, address FROM registry_people`.execute(trx);
    for (const p of people.rows) {
      await sql`UPDATE registry_people SET id_number = ${fake.idNumber(open(p.idNumber) ?? "")},
        id_number_index = ${`pending-${p.id}`}, name = ${fake.name(p.name)},
        address = ${fake.address(open(p.address) ?? "")} WHERE id = ${p.id}`.execute(trx);
      n++;
    }
    const licences = await sql<{ id: number; holderId: string; holderName: string }>`SELECT
      id, holder_id, holder_name FROM registry_licences`.execute(trx);
    for (const l of licences.rows) {
      const holder = open(l.holderId) ?? "";
      const person = /^\d{17}[\dX]$/i.test(holder);
      await sql`UPDATE registry_licences SET holder_id = ${person ? fake.idNumber(holder) : holder},
        holder_index = ${`pending-${l.id}`}, holder_name = ${person ? fake.name(l.holderName) : l.holderName}
        WHERE id = ${l.id}`.execute(trx);
      n++;
    }
    // Left out rather than faked: emergency registration records (a test copy needs the campaigns only),
    // e-licences (signed credentials cannot be faked without re-issuing them; the log's leaves hold only
    // digests) and disclosure requests with their histories.
    for (const table of [
      "sessions",
      "phone_codes",
      "sms_outbox",
      "registration_records",
      "licences",
      "disclosure_events",
      "disclosure_requests",
    ])
      await sql`DELETE FROM ${sql.table(table)}`.execute(trx);
    await sql`DELETE FROM kv WHERE key = 'app:cookie-secret'`.execute(trx);
    // Secrets kept sealed in kv (e.g. the e-licence issuer and log keys): the copy makes its own.
    await sql`DELETE FROM kv WHERE value LIKE ${'"v1:%'}`.execute(trx);
    await sql`UPDATE staff_users SET totp_secret = NULL`.execute(trx);
  });
  return n;
}

export async function desensitiseCommand(args: string[]): Promise<number> {
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  const file = value("--out");
  const url = value("--target-url");
  if (!file && !url) {
    console.error(
      "Usage: npm run db:desensitise -- --out FILE   (SQLite)\n" +
        "       npm run db:desensitise -- --target-url postgres://…/empty_db   (PostgreSQL)",
    );
    return 2;
  }
  const secret = value("--seed");
  const result = await desensitise(loadConfig(), { file, url }, secret ? Buffer.from(secret) : undefined);
  console.log(
    `Desensitised copy written to ${file ?? url}: ${result.rows} rows rewritten in ${result.ms} ms.`,
  );
  return 0;
}
