import type { JWK } from "jose";
import type { Selectable } from "kysely";
import { publicKeyFromJwk } from "../../platform/http/message-signatures.ts";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { Db } from "../../platform/db/database.ts";
import { paginate, type Page } from "../../platform/db/paginate.ts";
import { isDateString, nowIso, parseInstant } from "../../platform/time/china-time.ts";
import { licenceKind, type LicenceItem, type LicenceKind } from "./catalogue.ts";
import {
  BadLicenceInput,
  NoConsent,
  NoIssuerGrant,
  UnknownConsent,
  UnknownHolder,
  UnknownLicence,
  type ConsentRefusal,
} from "./errors.ts";
import type { Licence, LicencesService } from "./service.ts";
import type { ConsentRow, FetchChannel, FetchRow, GranteeKind, LicencesTables } from "./tables.ts";

export type Consent = Selectable<ConsentRow> & { licenceKindName: string; state: ConsentState };
export type ConsentState = "active" | "revoked" | "expired" | "pending";
export type LicenceFetch = Selectable<FetchRow> & { licenceKindName: string };

export interface ConsentInput {
  granteeKind: GranteeKind;
  grantee: string;
  granteeName: string;
  purpose: string;
  caseNo?: string | null;
  validFrom: string;
  validUntil: string;
}

/** A member system as the hub authenticated it (the exchange's SignedCaller, structurally). */
export interface HubCaller {
  member: { code: string; name: string; department: string };
  purpose: { caseNo: string; basis: string };
}

/** What the hub records about a served call (the exchange's CallRecord, structurally). */
export interface HubRecord {
  fields: string[];
  subjectId?: string;
}

/** Finds the real-name account a holder identifier (ID number or credit code) belongs to. */
export type HolderLookup = (
  holder: string,
  kind: LicenceKind,
) => Promise<{ id: number; subjectId: string } | undefined>;

/** The longest window a holder may grant at once. */
const MAX_WINDOW_DAYS = 366;

function stateOf(row: Selectable<ConsentRow>, now: string): ConsentState {
  if (row.revokedAt) return "revoked";
  if (row.validUntil <= now) return "expired";
  if (row.validFrom > now) return "pending";
  return "active";
}

/** A date (YYYY-MM-DD, China time) or an ISO instant as an ISO instant; null when neither. */
function instant(text: string, endOfDay: boolean): string | null {
  const t = text.trim();
  if (isDateString(t))
    return new Date(`${t}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}+08:00`).toISOString();
  return t.includes("T") ? (parseInstant(t)?.toISOString() ?? null) : null;
}

function parseBody(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadLicenceInput("请求体不是 JSON", {}, "body_not_json");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new BadLicenceInput("请求体应为 JSON 对象", {}, "body_invalid");
  return parsed as Record<string, unknown>;
}

/** Refuses keys a hub request body does not know (a typo must not be silently ignored). */
function onlyKeys(input: Record<string, unknown>, known: string[]): void {
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new BadLicenceInput(
      `请求体中有不认识的键：${unknown.join("、")}（可用：${known.join("、")}）`,
      Object.fromEntries(unknown.map((k) => [k, "不认识的键"])),
      "body_invalid",
    );
}

const JSON_TYPE_NAMES: Record<string, string> = {
  string: "文本",
  number: "数字",
  boolean: "布尔值",
  object: "对象",
};

function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "列表";
  return JSON_TYPE_NAMES[typeof value] ?? typeof value;
}

/** Why a claim sent as JSON is not of its item's type, or null. */
function claimTypeProblem(item: LicenceItem, value: unknown): string | null {
  const got = `，收到的是${jsonTypeName(value)}`;
  switch (item.type) {
    case "boolean":
      return typeof value === "boolean" ? null : `${item.label}应为布尔值 true 或 false${got}`;
    case "integer":
      return Number.isSafeInteger(value) ? null : `${item.label}应为整数${got}`;
    case "date":
      return typeof value === "string" ? null : `${item.label}应为 YYYY-MM-DD 格式的日期文本${got}`;
    default:
      return typeof value === "string" ? null : `${item.label}应为文本（字符串）${got}`;
  }
}

/**
 * The claims of a hub issuance, strictly: every name a data item of the kind (unknown ones are refused,
 * not dropped) and every value of its item's JSON type. Values are then checked by validateClaims.
 */
function checkHubClaims(kind: LicenceKind, claims: Record<string, unknown>): void {
  const items = new Map(kind.items.map((i) => [i.name, i]));
  const unknown = Object.keys(claims).filter((name) => !items.has(name));
  if (unknown.length > 0)
    throw new BadLicenceInput(
      `${kind.name}没有这些信息项：${unknown.join("、")}`,
      Object.fromEntries(unknown.map((name) => [`claims.${name}`, `${kind.name}没有这个信息项`])),
      "unknown_claims",
    );
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    const problem = claimTypeProblem(items.get(name)!, value);
    if (problem) fields[`claims.${name}`] = problem;
  }
  if (Object.keys(fields).length > 0)
    throw new BadLicenceInput(
      `证照信息项的类型有误：${Object.values(fields).join("；")}`,
      fields,
      "claim_type",
    );
}

/**
 * The wallet's public key a native wallet sends at issuance: an Ed25519 public JWK (the key type the
 * credential's holder binding is verified with) that really imports as one — 32 bytes, canonical
 * base64url — and carries no private part.
 */
function holderPublicKey(value: unknown): JWK | undefined {
  if (value === undefined) return undefined;
  const refuse = (why: string) =>
    new BadLicenceInput(`holderPublicJwk 无效：${why}`, { holderPublicJwk: why }, "invalid_holder_key");
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw refuse("应为 JWK 对象");
  const jwk = value as Record<string, unknown>;
  if ("d" in jwk) throw refuse("含有私钥参数 d：只应提交公钥，私钥须留在持证人的钱包中");
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519")
    throw refuse("只支持 Ed25519 公钥（kty 为 OKP，crv 为 Ed25519）");
  if (jwk.alg !== undefined && jwk.alg !== "EdDSA" && jwk.alg !== "Ed25519") throw refuse("alg 应为 EdDSA");
  const x = jwk.x;
  if (typeof x !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(x))
    throw refuse("x 应为32字节公钥的 base64url 编码（43个字符，无填充）");
  const canonical: JWK = { kty: "OKP", crv: "Ed25519", x };
  try {
    const key = publicKeyFromJwk(canonical);
    const exported = key.export({ format: "jwk" });
    if (key.type !== "public" || key.asymmetricKeyType !== "ed25519" || exported.x !== x)
      throw new Error("not canonical");
  } catch {
    throw refuse("x 不是规范编码的 Ed25519 公钥");
  }
  return canonical;
}

/**
 * Holder consent (授权调取): a holder lets one member system of the exchange, or every member system of
 * a named department, fetch one licence for one purpose within a time window; revocable at any time.
 * Member systems fetch over the hub (a signed call the exchange authenticates and audits); every fetch,
 * served or refused, is logged here and shown to the holder ("谁查看了我的证照"). Member systems with
 * an issuer grant for a kind issue licences of it over the hub as well.
 */
export class LicenceConsents {
  constructor(
    private readonly store: Db<LicencesTables>,
    private readonly audit: AuditLog,
    private readonly licences: LicencesService,
  ) {}

  private get db() {
    return this.store.db;
  }

  // —— the holder's side ——

  async grant(holderAccountId: number, licenceId: number, input: ConsentInput): Promise<Consent> {
    const licence = await this.licences.byId(licenceId);
    if (!licence || licence.holderAccountId !== holderAccountId) throw new UnknownLicence();
    const fields: Record<string, string> = {};
    // Invisible characters (zero-width, direction overrides, controls) are not a purpose anyone can read.
    const purpose = input.purpose.replace(/[\p{Cc}\p{Cf}]/gu, "").trim();
    const caseNo = input.caseNo?.trim() || null;
    if (!input.grantee.trim() || !input.granteeName.trim()) fields.grantee = "请选择被授权的部门或接入系统";
    if ([...purpose].length < 2) fields.purpose = "请写明用途（例如办理的事项）";
    else if ([...purpose].length > 200) fields.purpose = "用途不能超过200字";
    if (caseNo && !/^[A-Za-z0-9_-]{1,64}$/.test(caseNo)) fields.caseNo = "办件编号只能包含字母、数字、- 和 _";
    const from = instant(input.validFrom, false);
    const until = instant(input.validUntil, true);
    const now = nowIso();
    const wrongDate = "日期不存在或格式有误，请按 YYYY-MM-DD 填写";
    if (!from) fields.validFrom = input.validFrom.trim() ? wrongDate : "请填写开始日期（YYYY-MM-DD）";
    if (!until) fields.validUntil = input.validUntil.trim() ? wrongDate : "请填写截止日期（YYYY-MM-DD）";
    else if (from && until <= from) fields.validUntil = "截止日期应晚于开始日期";
    else if (until <= now) fields.validUntil = "截止日期应晚于现在";
    else if (from && Date.parse(until) - Date.parse(from) > MAX_WINDOW_DAYS * 86_400_000)
      fields.validUntil = `授权期限最长${MAX_WINDOW_DAYS}天`;
    if (licence.status !== "valid") fields.grantee = "该证照已注销或暂停，不能授权他人调取";
    if (Object.keys(fields).length) throw new BadLicenceInput("授权信息有误，请修改后重新提交", fields);
    const row = await this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto("licenceConsents")
        .values({
          licenceId,
          holderAccountId,
          granteeKind: input.granteeKind,
          grantee: input.grantee.trim(),
          granteeName: input.granteeName.trim().slice(0, 200),
          purpose,
          caseNo,
          validFrom: from!,
          validUntil: until!,
          createdAt: now,
          revokedAt: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(
        {
          actor: `account:${holderAccountId}`,
          action: "licence.consent.grant",
          targetType: "licence",
          targetId: licenceId,
          detail: { consent: inserted.id, grantee: inserted.grantee, until: inserted.validUntil },
        },
        trx,
      );
      return inserted;
    });
    return { ...row, licenceKindName: licence.kind.name, state: stateOf(row, nowIso()) };
  }

  async revoke(holderAccountId: number, consentId: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("licenceConsents")
        .set({ revokedAt: nowIso() })
        .where("id", "=", consentId)
        .where("holderAccountId", "=", holderAccountId)
        .where("revokedAt", "is", null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) {
        const exists = await trx
          .selectFrom("licenceConsents")
          .select("id")
          .where("id", "=", consentId)
          .where("holderAccountId", "=", holderAccountId)
          .executeTakeFirst();
        if (!exists) throw new UnknownConsent();
        return; // already revoked: nothing to do
      }
      await this.audit.record(
        {
          actor: `account:${holderAccountId}`,
          action: "licence.consent.revoke",
          targetType: "licence_consent",
          targetId: consentId,
        },
        trx,
      );
    });
  }

  private kindNames = async (licenceIds: number[]): Promise<Map<number, string>> => {
    if (licenceIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("licences")
      .select(["id", "kind"])
      .where("id", "in", [...new Set(licenceIds)])
      .execute();
    return new Map(rows.map((r) => [r.id, licenceKind(r.kind)?.name ?? r.kind]));
  };

  /** The page with each row's licence kind name added. */
  private async withKindNames<Row extends { licenceId: number }>(
    found: Page<Row>,
  ): Promise<Page<Row & { licenceKindName: string }>> {
    const names = await this.kindNames(found.rows.map((r) => r.licenceId));
    return {
      ...found,
      rows: found.rows.map((r) => ({ ...r, licenceKindName: names.get(r.licenceId) ?? "" })),
    };
  }

  /** The holder's consents, newest first, paged. */
  async consentsPage(holderAccountId: number, page: number, pageSize = 20): Promise<Page<Consent>> {
    const q = this.db.selectFrom("licenceConsents").where("holderAccountId", "=", holderAccountId);
    const found = await this.withKindNames(
      await paginate(q.selectAll().orderBy("id", "desc"), page, pageSize),
    );
    const now = nowIso();
    return { ...found, rows: found.rows.map((r) => ({ ...r, state: stateOf(r, now) })) };
  }

  /** Who fetched (or tried to fetch) the holder's licences, newest first, paged. */
  async fetchesPage(holderAccountId: number, page: number, pageSize = 20): Promise<Page<LicenceFetch>> {
    const q = this.db.selectFrom("licenceFetches").where("holderAccountId", "=", holderAccountId);
    return this.withKindNames(await paginate(q.selectAll().orderBy("id", "desc"), page, pageSize));
  }

  /** Writes one entry of the holder's fetch log. */
  async logFetch(entry: {
    licence: Pick<Licence, "id" | "holderAccountId">;
    consentId: number | null;
    member: { code: string; name: string; department: string };
    caseNo: string;
    channel: FetchChannel;
    result: "served" | "refused";
    reason: string;
  }): Promise<void> {
    await this.db
      .insertInto("licenceFetches")
      .values({
        licenceId: entry.licence.id,
        holderAccountId: entry.licence.holderAccountId,
        consentId: entry.consentId,
        member: entry.member.code.slice(0, 100),
        memberName: entry.member.name.slice(0, 200),
        department: entry.member.department.slice(0, 200),
        caseNo: entry.caseNo.slice(0, 64),
        channel: entry.channel,
        result: entry.result,
        reason: entry.reason,
        at: nowIso(),
      })
      .execute();
  }

  /** The consent a member's call may use now, or why there is none. */
  private async usableConsent(
    licenceId: number,
    member: HubCaller["member"],
    caseNo: string,
  ): Promise<Selectable<ConsentRow> | ConsentRefusal> {
    const rows = await this.db
      .selectFrom("licenceConsents")
      .selectAll()
      .where("licenceId", "=", licenceId)
      .where((eb) =>
        eb.or([
          eb.and([eb("granteeKind", "=", "member"), eb("grantee", "=", member.code)]),
          eb.and([eb("granteeKind", "=", "department"), eb("grantee", "=", member.department)]),
        ]),
      )
      .orderBy("id", "desc")
      .execute();
    const now = nowIso();
    const forCase = rows.filter((r) => r.caseNo === null || r.caseNo === caseNo);
    const live = forCase.find((r) => stateOf(r, now) === "active");
    if (live) return live;
    if (forCase.length === 0) return "no_consent";
    const states = forCase.map((r) => stateOf(r, now));
    if (states.includes("pending")) return "consent_not_yet_valid";
    if (states.includes("expired")) return "consent_expired";
    return "consent_revoked";
  }

  // —— the hub's side (called inside the exchange's signed-call frame) ——

  /**
   * `POST /api/exchange/v1/licences/fetch` `{licence: id}` or `{kind, holder}`: the licence, only while a
   * consent of its holder lets this member (or its department) fetch it for this purpose. A licence that
   * does not exist is refused like one without consent (a member cannot probe who holds what).
   */
  async fetchOverHub(caller: HubCaller, body: Buffer, record: HubRecord, lookup: HolderLookup) {
    const input = parseBody(body);
    onlyKeys(input, ["licence", "kind", "holder"]);
    // Two ways to name a licence, never both: {licence} or {kind, holder}.
    if ("licence" in input && ("kind" in input || "holder" in input))
      throw new BadLicenceInput(
        '请求体只能是 {"licence": 证照ID} 或 {"kind": 证照类型代码, "holder": 身份证号码或统一社会信用代码} 之一，不能同时给出',
        { licence: "与 kind、holder 二选一" },
        "body_invalid",
      );
    let licence: Licence | undefined;
    let subjectId: string | undefined;
    if (typeof input.licence === "number" && Number.isSafeInteger(input.licence) && input.licence > 0) {
      licence = await this.licences.byId(input.licence);
    } else if (typeof input.kind === "string" && typeof input.holder === "string") {
      const kind = licenceKind(input.kind);
      if (!kind) throw new BadLicenceInput("没有这种证照", { kind: "证照类型代码有误" }, "unknown_kind");
      const holder = await lookup(input.holder.trim().toUpperCase(), kind);
      if (holder) {
        subjectId = holder.subjectId;
        const held = (await this.licences.mine(holder.id)).filter((l) => l.kind.code === kind.code);
        licence = held.reverse().find((l) => l.status === "valid") ?? held[0];
      }
    } else
      throw new BadLicenceInput(
        '请求体应为 {"licence": 证照ID} 或 {"kind": 证照类型代码, "holder": 身份证号码或统一社会信用代码}',
        {},
        "body_invalid",
      );
    if (!licence) throw new NoConsent("no_consent");
    record.fields = licence.kind.items.map((i) => i.name);
    const subject = licence.claims.idNumber ?? licence.claims.creditCode ?? subjectId;
    if (typeof subject === "string") record.subjectId = subject;
    const consent = await this.usableConsent(licence.id, caller.member, caller.purpose.caseNo);
    const base = { licence, member: caller.member, caseNo: caller.purpose.caseNo, channel: "hub" as const };
    if (typeof consent === "string") {
      await this.logFetch({ ...base, consentId: null, result: "refused", reason: consent });
      throw new NoConsent(consent);
    }
    await this.logFetch({ ...base, consentId: consent.id, result: "served", reason: "" });
    return {
      licence: {
        id: licence.id,
        kind: licence.kind.code,
        kindName: licence.kind.name,
        vct: licence.vct,
        status: licence.status,
        issuedAt: licence.issuedAt,
        expiresAt: licence.expiresAt,
        sdJwt: licence.sdJwt,
        claims: licence.claims,
      },
      consent: { id: consent.id, purpose: consent.purpose, validUntil: consent.validUntil },
    };
  }

  // —— issuance by member systems ——

  async grantIssuer(memberCode: string, kindCode: string, actor: string): Promise<number> {
    const kind = licenceKind(kindCode);
    if (!kind) throw new BadLicenceInput("没有这种证照", { kind: "请选择证照种类" });
    if (!memberCode.trim()) throw new BadLicenceInput("请填写接入系统代码", { member: "请填写接入系统代码" });
    const active = await this.db
      .selectFrom("licenceIssuerGrants")
      .select("id")
      .where("member", "=", memberCode.trim())
      .where("kind", "=", kind.code)
      .where("revokedAt", "is", null)
      .executeTakeFirst();
    if (active)
      throw new BadLicenceInput(`该接入系统已有签发${kind.name}的授权`, {
        member: `该接入系统已有签发${kind.name}的授权，无需重复授权`,
      });
    const row = await this.db
      .insertInto("licenceIssuerGrants")
      .values({
        member: memberCode.trim(),
        kind: kind.code,
        grantedBy: actor,
        createdAt: nowIso(),
        revokedAt: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await this.audit.record({
      actor,
      action: "licence.issuer.grant",
      targetType: "licence_issuer_grant",
      targetId: row.id,
      detail: { member: memberCode, kind: kind.code },
    });
    return row.id;
  }

  /** Revokes an issuer grant (a grant already revoked stays as it was; nothing is audited twice). */
  async revokeIssuer(id: number, actor: string): Promise<void> {
    const done = await this.db
      .updateTable("licenceIssuerGrants")
      .set({ revokedAt: nowIso() })
      .where("id", "=", id)
      .where("revokedAt", "is", null)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 0) return;
    await this.audit.record({
      actor,
      action: "licence.issuer.revoke",
      targetType: "licence_issuer_grant",
      targetId: id,
    });
  }

  async issuerGrants(): Promise<Selectable<LicencesTables["licenceIssuerGrants"]>[]> {
    return this.db.selectFrom("licenceIssuerGrants").selectAll().orderBy("id", "desc").limit(200).execute();
  }

  async issuerGrant(id: number): Promise<Selectable<LicencesTables["licenceIssuerGrants"]> | undefined> {
    return this.db.selectFrom("licenceIssuerGrants").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Issuer grants of these kinds (null: every kind), newest first, paged. */
  async issuerGrantPage(
    kinds: string[] | null,
    page: number,
    pageSize: number,
  ): Promise<Page<Selectable<LicencesTables["licenceIssuerGrants"]>>> {
    let q = this.db.selectFrom("licenceIssuerGrants");
    if (kinds) q = q.where("kind", "in", kinds.length ? kinds : ["\u0000"]);
    return paginate(q.selectAll().orderBy("id", "desc"), page, pageSize);
  }

  /**
   * `POST /api/exchange/v1/licences/issue` `{kind, holder, claims, holderPublicJwk?}`: issues one licence for
   * a member system holding an issuer grant for the kind (audited as `member:<code>`, logged like any issuance).
   */
  async issueOverHub(caller: HubCaller, body: Buffer, record: HubRecord, lookup: HolderLookup) {
    const input = parseBody(body);
    onlyKeys(input, ["kind", "holder", "claims", "holderPublicJwk"]);
    const kind = typeof input.kind === "string" ? licenceKind(input.kind) : undefined;
    if (!kind) throw new BadLicenceInput("没有这种证照", { kind: "证照类型代码有误" }, "unknown_kind");
    const granted = await this.db
      .selectFrom("licenceIssuerGrants")
      .select("id")
      .where("member", "=", caller.member.code)
      .where("kind", "=", kind.code)
      .where("revokedAt", "is", null)
      .executeTakeFirst();
    if (!granted) throw new NoIssuerGrant(kind.name);
    if (typeof input.holder !== "string" || !input.holder.trim())
      throw new BadLicenceInput(
        "请写明持证人（身份证号码或统一社会信用代码）",
        { holder: "必填" },
        "body_invalid",
      );
    if (typeof input.claims !== "object" || input.claims === null || Array.isArray(input.claims))
      throw new BadLicenceInput("claims 应为证照信息项对象", { claims: "必填" }, "body_invalid");
    const claims = input.claims as Record<string, unknown>;
    // The data first (names, types, values, derived items), so a wrong value is named as such.
    checkHubClaims(kind, claims);
    this.licences.validateClaims(kind, claims);
    const jwk = holderPublicKey(input.holderPublicJwk);
    const holderId = input.holder.trim().toUpperCase();
    const holder = await lookup(holderId, kind);
    if (!holder) throw new UnknownHolder();
    const own = kind.holder === "person" ? "idNumber" : "creditCode";
    if (
      kind.items.some((i) => i.name === own) &&
      String(claims[own] ?? "").toUpperCase() !== holder.subjectId
    )
      throw new BadLicenceInput(
        "证照信息项中的号码与持证人不一致",
        { [own]: "与 holder 不一致" },
        "holder_mismatch",
      );
    record.fields = kind.items.map((i) => i.name);
    record.subjectId = holder.subjectId;
    const licence = await this.licences.issue(
      {
        kindCode: kind.code,
        holderAccountId: holder.id,
        claims,
        ...(jwk ? { holderPublicJwk: jwk } : {}),
      },
      `member:${caller.member.code}`,
    );
    return {
      id: licence.id,
      kind: kind.code,
      vct: licence.vct,
      sdJwt: licence.sdJwt,
      leafHash: licence.leafHash,
      status_list: { idx: licence.statusIdx, uri: licence.statusUri },
    };
  }
}
