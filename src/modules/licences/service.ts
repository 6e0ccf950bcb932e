import { randomInt } from "node:crypto";
import { StatusList } from "@sd-jwt/jwt-status-list";
import type { JWK } from "jose";
import type { Selectable, Transaction } from "kysely";
import QRCode from "qrcode";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { Db } from "../../platform/db/database.ts";
import { KvStore } from "../../platform/kv/kv-store.ts";
import { chinaDate, isDateString, nowIso } from "../../platform/time/china-time.ts";
import { LICENCE_KINDS, licenceKind, vctOf, type LicenceKind } from "./catalogue.ts";
import {
  ALG,
  holderInstance,
  issuerInstance,
  issuerJwtOf,
  newKeyPair,
  newNonce,
  type KeyPair,
} from "./credential.ts";
import { BadLicenceInput, LeafNotInLog, StatusUnchanged, UnknownLicence, UnknownTreeHead } from "./errors.ts";
import { signJws } from "./jws.ts";
import { TransparencyLog } from "./log.ts";
import type { LicenceRow, LicenceStatus, LicencesTables, LogEntryKind } from "./tables.ts";
import { verifyPresentation, type IssuerTrust, type Verification } from "./verify.ts";

/** IETF Token Status List: 2 bits an entry, lists of 2^17 entries so one index hides among many. */
export const STATUS_LIST_SIZE = 131_072;
const STATUS_BITS = 2;
const STATUS_VALUE: Record<LicenceStatus, number> = { valid: 0, revoked: 1, suspended: 2 };
/** How long a verifier may cache a status list token before fetching it again. */
export const STATUS_TTL_SECONDS = 300;

interface LicencesKv {
  "issuer-key": string;
  "log-key": string;
  /** The last head of another chain anchored in the log, per source. */
  [checkpoint: `checkpoint:${string}`]: { seq: number; hash: string };
}

export interface Licence {
  id: number;
  kind: LicenceKind;
  vct: string;
  holderAccountId: number;
  department: string;
  issuedBy: string;
  status: LicenceStatus;
  issuedAt: string;
  expiresAt: string | null;
  statusUri: string;
  statusIdx: number;
  leafHash: string;
  sdJwt: string;
  /** The data items (decoded from the licence's own disclosures). */
  claims: Record<string, unknown>;
}

export interface IssueInput {
  kindCode: string;
  holderAccountId: number;
  claims: Record<string, unknown>;
  /** The wallet's public key; absent for the web wallet, whose key the platform keeps. */
  holderPublicJwk?: JWK;
  issuedAt?: Date;
}

export interface TreeHead {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  signature: string;
}

function toBase(row: Selectable<LicenceRow>, baseUrl: string): Omit<Licence, "claims"> {
  return {
    id: row.id,
    kind: licenceKind(row.kind)!,
    vct: vctOf(baseUrl, licenceKind(row.kind)!),
    holderAccountId: row.holderAccountId,
    department: row.department,
    issuedBy: row.issuedBy,
    status: row.status,
    issuedAt: row.issuedAt,
    expiresAt: row.expiresAt,
    statusUri: statusUriOf(baseUrl, row.statusListId),
    statusIdx: row.statusIdx,
    leafHash: row.leafHash,
    sdJwt: row.sdJwt,
  };
}

export function statusUriOf(baseUrl: string, listId: number): string {
  return `${baseUrl}/api/licences/status-lists/${listId}`;
}

function claimsOf(sdJwt: string): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const part of sdJwt.split("~").slice(1)) {
    if (!part) continue;
    try {
      const [, name, value] = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as [
        string,
        string,
        unknown,
      ];
      claims[name] = value;
    } catch {
      // not a disclosure
    }
  }
  return claims;
}

/** A yes/no item's value as typed (console checkbox or JSON): undefined when not given, null when unreadable. */
function yesNo(value: unknown): boolean | undefined | null {
  if (value === undefined || value === null || value === "") return undefined;
  if (value === true || value === "true" || value === "是" || value === "on") return true;
  if (value === false || value === "false" || value === "否") return false;
  return null;
}

/** Full years (周岁) from a birth date to a day, both YYYY-MM-DD (a 29 February birthday counts from 1 March). */
function fullYears(birth: string, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(birth.slice(0, 4));
  return day.slice(5) >= birth.slice(5) ? years : years - 1;
}

function addYears(date: Date, years: number): Date {
  const d = new Date(date);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

/**
 * 电子证照: issuance of SD-JWT VCs, their status lists, holders' presentations, verification, and the
 * RFC 9162 transparency log every issuance and status change goes into.
 */
export class LicencesService {
  readonly log: TransparencyLog;
  private keyCache: { issuer: KeyPair; log: KeyPair } | null = null;
  private readonly kv;
  readonly baseUrl: string;

  constructor(
    private readonly store: Db<LicencesTables>,
    private readonly audit: AuditLog,
    baseUrl: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.log = new TransparencyLog(store);
    this.kv = new KvStore(store.db).scope<LicencesKv>("licences");
  }

  kinds(): LicenceKind[] {
    return LICENCE_KINDS;
  }

  vctOf(kind: LicenceKind): string {
    return vctOf(this.baseUrl, kind);
  }

  private async key(name: "issuer-key" | "log-key"): Promise<KeyPair> {
    const sealed = await this.kv.get(name);
    if (sealed) return JSON.parse(this.store.cipher.open(sealed)) as KeyPair;
    await this.kv.setIfAbsent(name, this.store.cipher.seal(JSON.stringify(await newKeyPair())));
    return JSON.parse(this.store.cipher.open((await this.kv.get(name))!)) as KeyPair;
  }

  async keys(): Promise<{ issuer: KeyPair; log: KeyPair }> {
    this.keyCache ??= { issuer: await this.key("issuer-key"), log: await this.key("log-key") };
    return this.keyCache;
  }

  /** The issuer's public keys (credentials and status lists) and the log key, as one JWKS. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const { issuer, log } = await this.keys();
    return {
      keys: [
        { ...issuer.publicJwk, kid: issuer.kid, alg: ALG, use: "sig" },
        { ...log.publicJwk, kid: log.kid, alg: ALG, use: "sig" },
      ],
    };
  }

  /** SD-JWT VC issuer metadata (`/.well-known/jwt-vc-issuer`). */
  async issuerMetadata(): Promise<{ issuer: string; jwks: { keys: JWK[] } }> {
    return { issuer: this.baseUrl, jwks: await this.jwks() };
  }

  /** Trust in this platform as an issuer, for verification in the same process (no network). */
  trust(): IssuerTrust {
    return {
      keys: async () => (await this.jwks()).keys,
      statusListToken: async (uri) => {
        const prefix = `${this.baseUrl}/api/licences/status-lists/`;
        if (!uri.startsWith(prefix)) return null;
        const id = Number(uri.slice(prefix.length));
        return Number.isSafeInteger(id) ? this.statusListToken(id) : null;
      },
    };
  }

  private async openStatusList(trx: Transaction<LicencesTables>): Promise<{ id: number; idx: number }> {
    let list = await trx
      .selectFrom("licenceStatusLists")
      .select(["id", "used", "size"])
      .where((eb) => eb("used", "<", eb.ref("size")))
      .orderBy("id")
      .executeTakeFirst();
    if (!list) {
      const lst = new StatusList(
        new Array<number>(STATUS_LIST_SIZE).fill(0),
        STATUS_BITS,
      ).compressStatusList();
      const inserted = await trx
        .insertInto("licenceStatusLists")
        .values({ size: STATUS_LIST_SIZE, bits: STATUS_BITS, statuses: lst, used: 0, updatedAt: nowIso() })
        .returning("id")
        .executeTakeFirstOrThrow();
      list = { id: inserted.id, used: 0, size: STATUS_LIST_SIZE };
    }
    // A random free index (herd privacy: the index says nothing about the order of issuance).
    for (;;) {
      const idx = randomInt(list.size);
      const taken = await trx
        .selectFrom("licences")
        .select("id")
        .where("statusListId", "=", list.id)
        .where("statusIdx", "=", idx)
        .executeTakeFirst();
      if (taken) continue;
      await trx
        .updateTable("licenceStatusLists")
        .set({ used: list.used + 1 })
        .where("id", "=", list.id)
        .execute();
      return { id: list.id, idx };
    }
  }

  /**
   * The licence's data items, checked and normalised: every item present and of its type, dates that
   * exist, enumerated items (性别) one of their values, and the items that follow from others agreeing
   * with them at the issue date — 年满18周岁 / 年满60周岁 computed from the birth date (a contradicting
   * value is refused), and the birth date and 性别 of an 18-digit 公民身份号码 matching the number.
   */
  validateClaims(
    kind: LicenceKind,
    claims: Record<string, unknown>,
    issuedAt: Date = new Date(),
  ): Record<string, unknown> {
    const fields: Record<string, string> = {};
    const out: Record<string, unknown> = {};
    for (const item of kind.items) {
      const value = claims[item.name];
      if (item.type === "boolean") {
        const given = yesNo(value);
        if (given === null) fields[item.name] = `${item.label}应为是或否（true / false）`;
        out[item.name] = given ?? false;
        continue;
      }
      const text = typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "";
      if (!text) fields[item.name] = `请填写${item.label}`;
      else if (text.length > 500) fields[item.name] = `${item.label}过长`;
      else if (item.type === "date" && !isDateString(text))
        fields[item.name] = `${item.label}应为存在的日期，格式 YYYY-MM-DD`;
      else if (item.values && !item.values.includes(text))
        fields[item.name] = `${item.label}只能是${item.values.join("或")}`;
      out[item.name] = text;
    }
    const issueDay = chinaDate(issuedAt);
    let birth = typeof out.birthDate === "string" && !fields.birthDate ? out.birthDate : null;
    if (birth && birth > issueDay) {
      fields.birthDate = "出生日期不能晚于发证日期";
      birth = null;
    }
    const id = typeof out.idNumber === "string" ? out.idNumber.toUpperCase() : "";
    if (/^\d{17}[\dX]$/.test(id)) {
      const idBirth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
      if (birth && birth !== idBirth)
        fields.birthDate = `出生日期与公民身份号码不一致（号码中为 ${idBirth}）`;
      const idGender = Number(id[16]) % 2 === 1 ? "男" : "女";
      if (typeof out.gender === "string" && !fields.gender && out.gender !== idGender)
        fields.gender = `性别与公民身份号码不一致（号码中为${idGender}）`;
    }
    for (const item of kind.items) {
      if (item.minAge === undefined) continue;
      if (!birth) {
        fields[item.name] ??= `${item.label}由出生日期得出，请先填写正确的出生日期`;
        continue;
      }
      const derived = fullYears(birth, issueDay) >= item.minAge;
      const given = yesNo(claims[item.name]);
      if (given !== undefined && given !== null && given !== derived)
        fields[item.name] =
          `${item.label}与出生日期不符：持证人发证时${derived ? "已" : "未"}满${item.minAge}周岁`;
      out[item.name] = derived;
    }
    if (Object.keys(fields).length) throw new BadLicenceInput("证照信息有误，请修改后重新提交", fields);
    return out;
  }

  /** Issues one licence (the caller has checked the actor is an authorised issuer of the kind). */
  async issue(input: IssueInput, actor: string): Promise<Licence> {
    const kind = licenceKind(input.kindCode);
    if (!kind) throw new BadLicenceInput("没有这种证照", { kind: "请选择证照种类" });
    const issuedAt = input.issuedAt ?? new Date();
    const claims = this.validateClaims(kind, input.claims, issuedAt);
    const { issuer } = await this.keys();
    const holder = input.holderPublicJwk ? null : await newKeyPair();
    const holderPublic = input.holderPublicJwk ?? holder!.publicJwk;
    const expires = kind.validityYears === null ? null : addYears(issuedAt, kind.validityYears);
    const row = await this.store.db.transaction().execute(async (trx) => {
      const entry = await this.openStatusList(trx);
      const payload = {
        iss: this.baseUrl,
        iat: Math.floor(issuedAt.getTime() / 1000),
        ...(expires ? { exp: Math.floor(expires.getTime() / 1000) } : {}),
        vct: vctOf(this.baseUrl, kind),
        cnf: { jwk: { kty: holderPublic.kty, crv: holderPublic.crv, x: holderPublic.x } },
        status: { status_list: { idx: entry.idx, uri: statusUriOf(this.baseUrl, entry.id) } },
        ...claims,
      };
      const sdJwt = await issuerInstance(issuer).issue(
        payload,
        { _sd: kind.items.map((i) => i.name) } as never, // every data item selectively disclosable
        { header: { kid: issuer.kid } },
      );
      const [leaf] = await this.log.append([{ kind: "issuance", entry: issuerJwtOf(sdJwt) }], trx);
      const now = nowIso();
      const inserted = await trx
        .insertInto("licences")
        .values({
          kind: kind.code,
          holderAccountId: input.holderAccountId,
          department: kind.department,
          issuedBy: actor,
          statusListId: entry.id,
          statusIdx: entry.idx,
          status: "valid",
          issuedAt: issuedAt.toISOString(),
          expiresAt: expires?.toISOString() ?? null,
          sdJwt: this.store.cipher.seal(sdJwt),
          holderKey: this.store.cipher.seal(holder ? JSON.stringify(holder.privateJwk) : ""),
          leafHash: leaf!.leafHash,
          updatedAt: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(
        {
          actor,
          action: "licence.issue",
          targetType: "licence",
          targetId: inserted.id,
          detail: { kind: kind.code },
        },
        trx,
      );
      return { ...inserted, sdJwt };
    });
    return { ...toBase(row, this.baseUrl), claims };
  }

  async byId(id: number): Promise<Licence | undefined> {
    const row = await this.store.db
      .selectFrom("licences")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? { ...toBase(row, this.baseUrl), claims: claimsOf(row.sdJwt) } : undefined;
  }

  async mine(accountId: number): Promise<Licence[]> {
    const rows = await this.store.db
      .selectFrom("licences")
      .selectAll()
      .where("holderAccountId", "=", accountId)
      .orderBy("id")
      .execute();
    return rows.map((row) => ({ ...toBase(row, this.baseUrl), claims: claimsOf(row.sdJwt) }));
  }

  async list(page: number, pageSize: number, filter: { departments?: string[] } = {}) {
    let q = this.store.db.selectFrom("licences");
    if (filter.departments)
      q = q.where("department", "in", filter.departments.length ? filter.departments : [""]);
    const total = Number((await q.select((eb) => eb.fn.countAll().as("n")).executeTakeFirst())?.n ?? 0);
    const rows = await q
      .selectAll()
      .orderBy("id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return {
      total,
      items: rows.map((row) => ({ ...toBase(row, this.baseUrl), claims: claimsOf(row.sdJwt) })),
    };
  }

  /** Revokes, suspends or reinstates a licence: its status list entry and a log leaf, in one transaction. */
  async setStatus(id: number, status: LicenceStatus, actor: string): Promise<Licence> {
    const kindOfLeaf: Record<LicenceStatus, LogEntryKind> = {
      valid: "reinstatement",
      revoked: "revocation",
      suspended: "suspension",
    };
    await this.store.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("licences").selectAll().where("id", "=", id).executeTakeFirst();
      if (!row) throw new UnknownLicence();
      if (row.status === status || row.status === "revoked") throw new StatusUnchanged();
      let listQuery = trx
        .selectFrom("licenceStatusLists")
        .select(["statuses", "bits"])
        .where("id", "=", row.statusListId);
      // Two changes to one list must not lose each other's bit (SQLite serialises writers already).
      if (this.store.dialect === "postgres") listQuery = listQuery.forUpdate();
      const list = await listQuery.executeTakeFirstOrThrow();
      const statuses = StatusList.decompressStatusList(list.statuses, list.bits as 2);
      statuses.setStatus(row.statusIdx, STATUS_VALUE[status]);
      const now = nowIso();
      await trx
        .updateTable("licenceStatusLists")
        .set({ statuses: statuses.compressStatusList(), updatedAt: now })
        .where("id", "=", row.statusListId)
        .execute();
      await trx.updateTable("licences").set({ status, updatedAt: now }).where("id", "=", id).execute();
      const statement = JSON.stringify({
        type: kindOfLeaf[status],
        licence: row.leafHash,
        status: { status_list: { idx: row.statusIdx, uri: statusUriOf(this.baseUrl, row.statusListId) } },
        value: STATUS_VALUE[status],
        at: now,
      });
      await this.log.append([{ kind: kindOfLeaf[status], entry: statement }], trx);
      await this.audit.record(
        {
          actor,
          action: `licence.${kindOfLeaf[status]}`,
          targetType: "licence",
          targetId: id,
          detail: { status },
        },
        trx,
      );
    });
    this.statusTokens.clear();
    return (await this.byId(id))!;
  }

  private readonly statusTokens = new Map<number, { token: string; until: number }>();

  /** The signed status list token (`typ` statuslist+jwt) published at the list's URI. */
  async statusListToken(id: number): Promise<string | null> {
    const cached = this.statusTokens.get(id);
    if (cached && cached.until > Date.now()) return cached.token;
    const list = await this.store.db
      .selectFrom("licenceStatusLists")
      .select(["statuses", "bits"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!list) return null;
    const { issuer } = await this.keys();
    const iat = Math.floor(Date.now() / 1000);
    const token = signJws(
      { alg: ALG, kid: issuer.kid, typ: "statuslist+jwt" },
      {
        sub: statusUriOf(this.baseUrl, id),
        iss: this.baseUrl,
        iat,
        exp: iat + 24 * 3600,
        ttl: STATUS_TTL_SECONDS,
        status_list: { bits: list.bits, lst: list.statuses },
      },
      issuer.privateJwk,
    );
    this.statusTokens.set(id, { token, until: Date.now() + 10_000 });
    return token;
  }

  /** A presentation of the holder's licence with only the chosen items, bound to the wallet key. */
  async present(
    id: number,
    holderAccountId: number,
    disclose: string[],
    options: { aud?: string; nonce?: string } = {},
  ): Promise<{ presentation: string; qr: string; expiresAt: number }> {
    const row = await this.store.db
      .selectFrom("licences")
      .select(["sdJwt", "holderKey", "kind"])
      .where("id", "=", id)
      .where("holderAccountId", "=", holderAccountId)
      .executeTakeFirst();
    if (!row) throw new UnknownLicence();
    if (!row.holderKey) throw new BadLicenceInput("该证照绑定的是外部钱包的密钥，请在该钱包中亮证");
    const kind = licenceKind(row.kind)!;
    const names = new Set(kind.items.map((i) => i.name));
    const unknown = disclose.filter((d) => !names.has(d));
    if (unknown.length || disclose.length === 0) {
      throw new BadLicenceInput("请选择要出示的信息项", {
        disclose: unknown.length ? `没有这些信息项：${unknown.join("、")}` : "至少选择一项",
      });
    }
    const iat = Math.floor(Date.now() / 1000);
    const presentation = await holderInstance(JSON.parse(row.holderKey) as JWK).present(
      row.sdJwt,
      Object.fromEntries(disclose.map((d) => [d, true])),
      {
        kb: {
          payload: {
            iat,
            aud: options.aud ?? this.verifierAudience,
            nonce: options.nonce ?? newNonce(),
          },
        },
      },
    );
    const qr = await QRCode.toString(presentation, { type: "svg", errorCorrectionLevel: "L", margin: 2 });
    return {
      presentation,
      qr: `data:image/svg+xml;base64,${Buffer.from(qr).toString("base64")}`,
      expiresAt: iat + 300,
    };
  }

  /** The audience of presentations made for the platform's own verifier page. */
  get verifierAudience(): string {
    return `${this.baseUrl}/licences/verify`;
  }

  async verify(presentation: string, expect: { nonce?: string; aud?: string } = {}): Promise<Verification> {
    return verifyPresentation(presentation, this.trust(), expect);
  }

  // —— the transparency log ——

  /**
   * Anchors another chain's head in the log (the exchange hub's audit chain): a `checkpoint` leaf, added
   * only when the head moved since the last checkpoint of that source. Returns the leaf, or null.
   */
  async checkpoint(
    source: string,
    head: { seq: number; hash: string } | null,
  ): Promise<{ index: number } | null> {
    if (!head) return null;
    const statement = JSON.stringify({ type: "checkpoint", source, seq: head.seq, hash: head.hash });
    const last = await this.kv.get(`checkpoint:${source}`);
    if (last && last.seq === head.seq && last.hash === head.hash) return null;
    const [leaf] = await this.log.append([{ kind: "checkpoint", entry: statement }]);
    await this.kv.set(`checkpoint:${source}`, head);
    return { index: leaf!.index };
  }

  private async signHead(treeSize: number): Promise<TreeHead> {
    const { log } = await this.keys();
    const rootHash = (await this.log.root(treeSize)).toString("base64");
    const timestamp = Date.now();
    const signature = signJws(
      { alg: ALG, kid: log.kid, typ: "sth+jwt" },
      { treeSize, rootHash, timestamp },
      log.privateJwk,
    );
    return { treeSize, rootHash, timestamp, signature };
  }

  /** The signed head of the current tree (kept: one per size, the first signed). */
  async publishTreeHead(): Promise<TreeHead> {
    const size = await this.log.size();
    const kept = await this.treeHeadOf(size);
    if (kept) return kept;
    const head = await this.signHead(size);
    await this.store.db
      .insertInto("licenceTreeHeads")
      .values(head)
      .onConflict((oc) => oc.column("treeSize").doNothing())
      .execute();
    return (await this.treeHeadOf(size))!;
  }

  private async treeHeadOf(size: number): Promise<TreeHead | undefined> {
    const row = await this.store.db
      .selectFrom("licenceTreeHeads")
      .selectAll()
      .where("treeSize", "=", size)
      .executeTakeFirst();
    return row ? { ...row, treeSize: Number(row.treeSize), timestamp: Number(row.timestamp) } : undefined;
  }

  async keptTreeHead(size: number): Promise<TreeHead> {
    const head = await this.treeHeadOf(size);
    if (!head) throw new UnknownTreeHead(size);
    return head;
  }

  async inclusion(
    leafHashB64: string,
    treeSize: number,
  ): Promise<{ leafIndex: number; auditPath: string[] }> {
    const size = await this.log.size();
    if (treeSize < 1 || treeSize > size) {
      throw new BadLicenceInput(`treeSize 应在 1 到 ${size} 之间`, { treeSize: "超出日志大小" });
    }
    const index = await this.log.leafIndex(leafHashB64, treeSize);
    if (index === null) throw new LeafNotInLog();
    const path = await this.log.inclusion(index, treeSize);
    return { leafIndex: index, auditPath: path.map((p) => p.toString("base64")) };
  }

  async consistency(first: number, second: number): Promise<{ proof: string[] }> {
    const size = await this.log.size();
    if (!(first >= 0 && first <= second && second <= size)) {
      throw new BadLicenceInput(`须 0 ≤ first ≤ second ≤ ${size}`, { first: "树大小不合法" });
    }
    return { proof: (await this.log.consistency(first, second)).map((p) => p.toString("base64")) };
  }
}
