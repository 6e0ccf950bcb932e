import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, CompactSign, compactVerify, type JWK } from "jose";
import { sql, type Selectable } from "kysely";
import {
  DisplayString,
  isInnerList,
  parseDictionary,
  serializeDictionary,
  type Dictionary,
} from "structured-headers";
import type { Db } from "../../platform/db/database.ts";
import { DomainError, errorCodeOf, httpStatusOf, apiError } from "../../platform/http/errors.ts";
import {
  contentDigest,
  contentDigestMatches,
  privateKeyFromJwk,
  publicKeyFromJwk,
  SignatureError,
  signMessage,
  verifyMessageSignature,
  type SignableMessage,
} from "../../platform/http/message-signatures.ts";
import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";
import { chinaDate, nowIso } from "../../platform/time/china-time.ts";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import {
  PlatformWorkingDays,
  type WorkingDayCalendar,
  type WorkingDaySource,
} from "../../platform/calendar/platform-working-days.ts";
import { WorkingCalendar } from "../../platform/calendar/working-days.ts";
import { AccessRequests } from "./requests.ts";
import { isSm2Jwk, SM2_ALG, Sm2PublicKey } from "../../platform/crypto/sm2.ts";
import { ExchangeAudit } from "./audit.ts";
import { REGISTRY_OF, type Resource } from "./catalogue.ts";
import type { Registries } from "./registries.ts";
import { refusal } from "./errors.ts";
import type {
  ExchangeAuditRow,
  ExchangeTables,
  GrantRow as GrantTable,
  MemberRow as MemberTable,
  ResourceField,
  ResourceRow as ResourceTable,
} from "./tables.ts";

type GrantRow = Selectable<GrantTable>;
type MemberRow = Selectable<MemberTable>;
type ResourceRow = Selectable<ResourceTable>;

/** Filter fields stored sealed, and the blind-index column a lookup on them uses. */
const SEALED_LOOKUPS: Record<string, string> = { idNumber: "idNumberIndex", holderId: "holderIndex" };

/** Components every consumer signature must cover (the contract; README lists them). */
export const REQUIRED_COMPONENTS = ["@method", "@target-uri", "content-digest", "exchange-purpose"];
export const REQUIRED_PARAMS = ["created", "keyid", "nonce"];
export const MAX_SKEW_SECONDS = 300;
const MAX_RECORDS = 100;
/** How long the gateway trusts its in-memory catalogue and member keys (other instances' changes). */
const CACHE_MS = 5000;
/** Bodies above this are refused (and audited); a query is small. */
export const MAX_QUERY_BYTES = 64 * 1024;

interface HubKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}
interface ExchangeKv {
  "hub-key": HubKey;
}

export interface IncomingCall {
  method: string;
  /** The absolute URI the call was made to. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body was larger than the route reads into memory (see acceptRawBodies): `body` is empty. */
  oversize?: boolean;
}

export interface CallAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A member system whose signed call passed the gateway's checks, and the purpose it named. */
export interface SignedCaller {
  member: Member;
  purpose: Purpose;
  keyId: string;
}

/** What a served call records in the audit: the fields answered and whose record (see handleSigned). */
export interface CallRecord {
  fields: string[];
  /** The blind index of the subject's ID number (set by the exchange's own queries). */
  subject: string;
  /** The subject's ID number or credit code in clear; the audit keeps only its blind index. */
  subjectId?: string;
}

interface CallContext extends CallRecord {
  keyId: string;
  member: string;
  purpose: Purpose | null;
}

export interface Purpose {
  caseNo: string;
  basis: string;
}

export interface Member {
  id: number;
  code: string;
  name: string;
  department: string;
  keyId: string;
  status: MemberRow["status"];
}

/** A signed head of the exchange audit chain (签名检查点). */
export interface AuditCheckpoint {
  id: number;
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  /** Compact JWS (EdDSA, the hub key of /api/exchange/keys) over {typ, seq, hash, at}. */
  signature: string;
}

export const CHECKPOINT_TYPE = "chuyun-exchange-audit-checkpoint";

export type CheckpointFinding =
  | { kind: "bad_signature"; checkpoint: number }
  | { kind: "missing"; checkpoint: number; seq: number }
  | { kind: "rewritten"; checkpoint: number; seq: number };

export interface DataReadRow {
  at: string;
  member: string;
  department: string;
  resource: string;
  fields: string[];
  caseNo: string;
  basis: string;
}

export interface CallFigures {
  name: string;
  calls: number;
  ok: number;
  successRate: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function callFigures(name: string, rows: { result: string; latencyMs: number }[]): CallFigures {
  const ok = rows.filter((r) => r.result === "ok").length;
  const latencies = rows.map((r) => r.latencyMs).sort((a, b) => a - b);
  return {
    name,
    calls: rows.length,
    ok,
    successRate: rows.length ? ok / rows.length : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

function toResource(row: ResourceRow): Resource {
  return {
    code: row.code,
    name: row.name,
    provider: row.provider,
    summary: row.summary,
    shareClass: row.shareClass,
    legalBasis: row.legalBasis,
    updateCycle: row.updateCycle,
    fields: JSON.parse(row.fields) as ResourceField[],
    sample: JSON.parse(row.sample) as Record<string, unknown>,
    publishedAt: row.publishedAt,
  };
}

/**
 * `Exchange-Purpose: case="…", basis="…"`, an RFC 9651 structured dictionary. Chinese text (a legal
 * basis such as 《政务服务条例》) cannot travel as a plain header string, so either member may be a
 * Display String (`basis=%"%e3%80%8a…"`, percent-encoded UTF-8).
 */
export function parsePurpose(header: string | undefined): Purpose {
  if (!header) throw refusal("purpose_missing");
  let dict: Dictionary;
  try {
    dict = parseDictionary(header);
  } catch {
    throw refusal("purpose_malformed");
  }
  const text = (key: string): string | undefined => {
    const entry = dict.get(key);
    if (!entry || isInnerList(entry)) return undefined;
    const value = entry[0];
    if (typeof value === "string") return value.trim();
    if (value instanceof DisplayString) return value.toString().trim();
    return undefined;
  };
  const caseNo = text("case");
  const basis = text("basis");
  if (!caseNo || !basis || caseNo.length > 64 || basis.length > 300) throw refusal("purpose_malformed");
  return { caseNo, basis };
}

/** The Exchange-Purpose header for a case and a legal basis (Display Strings where not ASCII). */
export function purposeHeader(purpose: Purpose): string {
  const item = (value: string) => (/^[\x20-\x7e]*$/.test(value) ? value : new DisplayString(value));
  return serializeDictionary(
    new Map([
      ["case", [item(purpose.caseNo), new Map()]],
      ["basis", [item(purpose.basis), new Map()]],
    ]),
  );
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Whether every `created` parameter of a Signature-Input header is written as an sf-integer. */
function createdIsInteger(signatureInput: string | undefined): boolean {
  for (const match of (signatureInput ?? "").matchAll(/;\s*created=([^;,)\s]*)/g))
    if (!/^-?\d{1,15}$/.test(match[1]!)) return false;
  return true;
}

/**
 * The data-sharing exchange (数据共享交换): a catalogue of resources, member systems with their keys,
 * grants per member and resource, and the signed query gateway that answers only granted fields and
 * writes every call, served or refused, to its own hash-chained audit log.
 */
export class ExchangeService {
  readonly audit: ExchangeAudit;
  /** 共享申请: apply, compliance check, provider answer, dispute, final decision. */
  readonly requests: AccessRequests;
  private readonly kv: KvScope<ExchangeKv>;
  private hubKey: { kid: string; privateKey: KeyObject; publicJwk: JWK } | null = null;
  /**
   * The catalogue and member keys, kept in memory for the gateway: dropped here on every change made
   * through this service, and reloaded after CACHE_MS so other instances' changes arrive (a member
   * revoked on another instance is refused here within CACHE_MS).
   */
  private resourceCache: { at: number; byCode: Promise<Map<string, Resource>> } | null = null;
  private memberKeys = new Map<string, { at: number; member: Promise<MemberRow | undefined> }>();
  /** Parsed public keys by their JWK text (a key never changes under its thumbprint). */
  private parsedKeys = new Map<string, KeyObject | Sm2PublicKey>();

  constructor(
    private readonly store: Db<ExchangeTables>,
    private readonly staffAudit: AuditLog,
    /** Working days for the requests' clocks (the platform calendar; built-in holidays when absent). */
    private readonly calendar: WorkingDaySource = new PlatformWorkingDays({
      calendar: async () => new WorkingCalendar(),
    }),
  ) {
    this.audit = new ExchangeAudit(store.db);
    this.kv = new KvStore(store.db).scope<ExchangeKv>("exchange");
    this.requests = new AccessRequests(store, staffAudit, calendar, this);
  }

  /** The working-day calendar the requests' limits are counted on. */
  workingDays(): Promise<WorkingDayCalendar> {
    return this.calendar.current();
  }

  private get db() {
    return this.store.db;
  }

  // ---- catalogue -------------------------------------------------------------------------------

  async catalogue(): Promise<Resource[]> {
    const rows = await this.store.read.selectFrom("exchangeResources").selectAll().orderBy("code").execute();
    return rows.map(toResource);
  }

  async resource(code: string): Promise<Resource | undefined> {
    const row = await this.store.read
      .selectFrom("exchangeResources")
      .selectAll()
      .where("code", "=", code)
      .executeTakeFirst();
    return row ? toResource(row) : undefined;
  }

  /** A resource from the in-memory catalogue (the gateway's path; see resourceCache). */
  private async cachedResource(code: string): Promise<Resource | undefined> {
    if (!this.resourceCache || Date.now() - this.resourceCache.at > CACHE_MS) {
      const byCode = this.store
        .onPrimary(() => this.db.selectFrom("exchangeResources").selectAll().execute())
        .then((rows) => new Map(rows.map((r) => [r.code, toResource(r)])));
      this.resourceCache = { at: Date.now(), byCode };
      byCode.catch(() => (this.resourceCache = null));
    }
    return (await this.resourceCache.byCode).get(code);
  }

  /** A member by key id, from memory for CACHE_MS (the gateway's path). */
  private memberByKeyId(keyId: string): Promise<MemberRow | undefined> {
    const hit = this.memberKeys.get(keyId);
    if (hit && Date.now() - hit.at <= CACHE_MS) return hit.member;
    if (this.memberKeys.size > 10_000) this.memberKeys.clear();
    const member = this.db
      .selectFrom("exchangeMembers")
      .selectAll()
      .where("keyId", "=", keyId)
      .executeTakeFirst();
    this.memberKeys.set(keyId, { at: Date.now(), member });
    member.catch(() => this.memberKeys.delete(keyId));
    return member;
  }

  async publishResource(resource: Resource): Promise<void> {
    const values = {
      ...resource,
      fields: JSON.stringify(resource.fields),
      sample: JSON.stringify(resource.sample),
    };
    await this.db
      .insertInto("exchangeResources")
      .values(values)
      .onConflict((oc) => oc.column("code").doUpdateSet(values))
      .execute();
    this.resourceCache = null;
  }

  /** Stores registry records, sealing ID numbers and addresses and indexing them for lookups. */
  async loadRegistries(registries: Registries): Promise<void> {
    const { cipher } = this.store;
    const chunks = <T>(rows: T[]) =>
      Array.from({ length: Math.ceil(rows.length / 200) }, (_, i) => rows.slice(i * 200, i * 200 + 200));
    for (const chunk of chunks(registries.people))
      await this.db
        .insertInto("registryPeople")
        .values(
          chunk.map((p) => ({
            ...p,
            idNumber: cipher.seal(p.idNumber),
            idNumberIndex: cipher.blindIndex("id-number", p.idNumber),
            address: cipher.seal(p.address),
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    for (const chunk of chunks(registries.entities))
      await this.db
        .insertInto("registryEntities")
        .values(chunk)
        .onConflict((oc) => oc.doNothing())
        .execute();
    for (const chunk of chunks(registries.licences))
      await this.db
        .insertInto("registryLicences")
        .values(
          chunk.map((l) => ({
            ...l,
            holderId: cipher.seal(l.holderId),
            holderIndex: cipher.blindIndex("id-number", l.holderId),
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
  }

  // ---- members and grants ----------------------------------------------------------------------

  /**
   * Registers a member system with its Ed25519 public key, or for 国密 deployments an SM2 public key
   * (`{kty:"EC", crv:"SM2", x, y}`, calls signed with alg `sm2-sm3`); its key id is the key's JWK
   * thumbprint (RFC 7638).
   */
  async registerMember(
    input: { code: string; name: string; department: string; publicJwk: JWK },
    actor: string,
  ): Promise<Member> {
    const sm2 = isSm2Jwk(input.publicJwk);
    const jwk: JWK = sm2
      ? { kty: "EC", crv: "SM2", x: input.publicJwk.x, y: input.publicJwk.y }
      : { kty: input.publicJwk.kty, crv: input.publicJwk.crv, x: input.publicJwk.x };
    if (sm2) {
      try {
        Sm2PublicKey.fromJwk(jwk);
      } catch {
        throw refusal("signature_params", "SM2 公钥须含32字节的 x、y 坐标（base64url）");
      }
    } else if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string")
      throw refusal("signature_params", "接入系统公钥须为 Ed25519 (OKP) 或 SM2 (EC, crv SM2) JWK");
    else publicKeyFromJwk(jwk);
    const keyId = await calculateJwkThumbprint(jwk);
    const row = await this.db
      .insertInto("exchangeMembers")
      .values({
        code: input.code,
        name: input.name,
        department: input.department,
        keyId,
        alg: sm2 ? SM2_ALG : "ed25519",
        publicJwk: JSON.stringify(jwk),
        status: "active",
        createdAt: nowIso(),
        revokedAt: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.memberKeys.clear();
    await this.staffAudit.record({
      actor,
      action: "exchange.member.register",
      targetType: "exchange_member",
      targetId: row.id,
      detail: { code: row.code, keyId },
    });
    return this.toMember(row);
  }

  private toMember(row: MemberRow): Member {
    return {
      id: row.id,
      code: row.code,
      name: row.name,
      department: row.department,
      keyId: row.keyId,
      status: row.status,
    };
  }

  async memberByCode(code: string): Promise<Member | undefined> {
    const row = await this.db
      .selectFrom("exchangeMembers")
      .selectAll()
      .where("code", "=", code)
      .executeTakeFirst();
    return row ? this.toMember(row) : undefined;
  }

  async memberById(id: number): Promise<Member | undefined> {
    const row = await this.db
      .selectFrom("exchangeMembers")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? this.toMember(row) : undefined;
  }

  async revokeMember(id: number, actor: string): Promise<void> {
    await this.db
      .updateTable("exchangeMembers")
      .set({ status: "revoked", revokedAt: nowIso() })
      .where("id", "=", id)
      .execute();
    this.memberKeys.clear();
    await this.staffAudit.record({
      actor,
      action: "exchange.member.revoke",
      targetType: "exchange_member",
      targetId: id,
    });
  }

  async grant(
    input: Omit<GrantRow, "id" | "createdAt" | "revokedAt" | "fields" | "ratePerMinute" | "requestId"> & {
      fields: string[];
      /** Calls per minute (default 600). */
      ratePerMinute?: number;
      requestId?: number | null;
    },
    actor: string,
  ): Promise<number> {
    const row = await this.db
      .insertInto("exchangeGrants")
      .values({
        ...input,
        fields: JSON.stringify(input.fields),
        ratePerMinute: input.ratePerMinute ?? 600,
        requestId: input.requestId ?? null,
        createdAt: nowIso(),
        revokedAt: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await this.staffAudit.record({
      actor,
      action: "exchange.grant.create",
      targetType: "exchange_grant",
      targetId: row.id,
      detail: {
        memberId: input.memberId,
        resource: input.resourceCode,
        fields: input.fields,
        dailyQuota: input.dailyQuota,
        ratePerMinute: input.ratePerMinute ?? 600,
        requestId: input.requestId ?? null,
      },
    });
    return row.id;
  }

  async revokeGrant(id: number, actor: string): Promise<void> {
    await this.db.updateTable("exchangeGrants").set({ revokedAt: nowIso() }).where("id", "=", id).execute();
    await this.staffAudit.record({
      actor,
      action: "exchange.grant.revoke",
      targetType: "exchange_grant",
      targetId: id,
    });
  }

  async setGrantExpiry(id: number, expiresAt: string, actor: string): Promise<void> {
    await this.db.updateTable("exchangeGrants").set({ expiresAt }).where("id", "=", id).execute();
    await this.staffAudit.record({
      actor,
      action: "exchange.grant.expiry",
      targetType: "exchange_grant",
      targetId: id,
      detail: { expiresAt },
    });
  }

  // ---- the hub's own key -----------------------------------------------------------------------

  private async hub(): Promise<{ kid: string; privateKey: KeyObject; publicJwk: JWK }> {
    if (this.hubKey) return this.hubKey;
    let stored = await this.kv.get("hub-key");
    if (!stored) {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const publicJwk = publicKey.export({ format: "jwk" }) as JWK;
      const fresh: HubKey = {
        kid: await calculateJwkThumbprint(publicJwk),
        privateJwk: privateKey.export({ format: "jwk" }) as JWK,
        publicJwk,
      };
      // Every instance agrees on the first key written.
      await this.kv.setIfAbsent("hub-key", fresh);
      stored = (await this.kv.get("hub-key"))!;
    }
    this.hubKey = {
      kid: stored.kid,
      privateKey: privateKeyFromJwk(stored.privateJwk),
      publicJwk: stored.publicJwk,
    };
    return this.hubKey;
  }

  /** The hub's public keys as a JWKS (RFC 7517), for verifying its answers. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const hub = await this.hub();
    return { keys: [{ ...hub.publicJwk, kid: hub.kid, alg: "EdDSA", use: "sig" }] };
  }

  // ---- signed checkpoints of the audit chain ----------------------------------------------------

  /**
   * Signs the audit chain's current head (seq, hash, time) with the hub key and keeps it. A log later
   * truncated below a checkpoint, or rewritten and re-chained, no longer matches it. Nothing new since
   * the last checkpoint: that one is returned (null when the log is empty).
   */
  async checkpoint(now = new Date()): Promise<AuditCheckpoint | null> {
    const head = await this.audit.head();
    if (!head) return null;
    const last = await this.db
      .selectFrom("exchangeAuditCheckpoints")
      .selectAll()
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    if (last && last.seq === head.seq && last.hash === head.hash) return last;
    const hub = await this.hub();
    const at = now.toISOString();
    const payload = JSON.stringify({ typ: CHECKPOINT_TYPE, seq: head.seq, hash: head.hash, at });
    const signature = await new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: "EdDSA", kid: hub.kid, typ: CHECKPOINT_TYPE })
      .sign(hub.privateKey);
    return this.db
      .insertInto("exchangeAuditCheckpoints")
      .values({ seq: head.seq, hash: head.hash, at, keyId: hub.kid, signature })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Checkpoints, newest first, paged. */
  async checkpoints(page = 1, pageSize = 50): Promise<{ rows: AuditCheckpoint[]; total: number }> {
    const total = Number(
      (
        await this.store.read
          .selectFrom("exchangeAuditCheckpoints")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const rows = await this.store.read
      .selectFrom("exchangeAuditCheckpoints")
      .selectAll()
      .orderBy("id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { rows, total };
  }

  /**
   * Checks every checkpoint: its signature under the hub key, and that the chain still holds its
   * record with the signed hash (a truncated log lacks it; a rewritten, re-chained one has another).
   */
  async verifyCheckpoints(): Promise<{ checked: number; findings: CheckpointFinding[] }> {
    const hub = await this.hub();
    const publicKey = publicKeyFromJwk(hub.publicJwk as object);
    const findings: CheckpointFinding[] = [];
    let checked = 0;
    for (let after = 0; ;) {
      const rows = await this.db
        .selectFrom("exchangeAuditCheckpoints")
        .selectAll()
        .where("id", ">", after)
        .orderBy("id")
        .limit(1000)
        .execute();
      if (rows.length === 0) break;
      const records = new Map(
        (
          await this.db
            .selectFrom("exchangeAudit")
            .select(["seq", "hash"])
            .where("seq", "in", [...new Set(rows.map((r) => r.seq))])
            .execute()
        ).map((r) => [r.seq, r.hash]),
      );
      for (const row of rows) {
        after = row.id;
        checked++;
        let signed: { typ?: string; seq?: number; hash?: string; at?: string } = {};
        try {
          const { payload } = await compactVerify(row.signature, publicKey, { algorithms: ["EdDSA"] });
          signed = JSON.parse(new TextDecoder().decode(payload)) as typeof signed;
        } catch {
          signed = {};
        }
        if (
          signed.typ !== CHECKPOINT_TYPE ||
          signed.seq !== row.seq ||
          signed.hash !== row.hash ||
          signed.at !== row.at
        ) {
          findings.push({ kind: "bad_signature", checkpoint: row.id });
          continue;
        }
        const hash = records.get(row.seq);
        if (hash === undefined) findings.push({ kind: "missing", checkpoint: row.id, seq: row.seq });
        else if (hash !== row.hash) findings.push({ kind: "rewritten", checkpoint: row.id, seq: row.seq });
      }
    }
    return { checked, findings };
  }

  // ---- the gateway -----------------------------------------------------------------------------

  /** Answers one signed query; every answer is signed, and every call is audited. */
  async query(resourceCode: string, call: IncomingCall): Promise<CallAnswer> {
    return this.handleSigned(resourceCode, call, (caller, body, context) =>
      this.answer(caller.member.id, resourceCode, body, context),
    );
  }

  /**
   * The gateway's frame for any signed hub resource (queries here; other modules' resources such as
   * licence fetch and issuance): RFC 9421 signature by an active member, Content-Digest, Exchange-Purpose
   * and a fresh nonce are checked, then `serve` answers; a DomainError it throws becomes a 4xx JSON error.
   * Every answer is signed by the hub and every call, served or refused, is appended to the audit chain
   * under `resource` (with the fields and the subject `serve` names in its record).
   */
  async handleSigned(
    resource: string,
    call: IncomingCall,
    serve: (caller: SignedCaller, body: Buffer, record: CallRecord) => Promise<unknown>,
  ): Promise<CallAnswer> {
    const started = performance.now();
    const headers = Object.fromEntries(
      Object.entries(call.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])),
    ) as Record<string, string | string[]>;
    const context: CallContext = { keyId: "", member: "", purpose: null, fields: [], subject: "" };
    let status = 200;
    let body: unknown;
    let reason = "";
    try {
      const caller = await this.authenticate({ ...call, headers }, context);
      body = await serve(caller, call.body, context);
      if (context.subjectId) context.subject = this.store.cipher.blindIndex("id-number", context.subjectId);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      status = httpStatusOf(error);
      reason = errorCodeOf(error);
      body = apiError(reason, error.message, error.fields);
    }
    const json = JSON.stringify(body);
    const answer = await this.signAnswer(status, json);
    if (reason === "rate_limited") answer.headers["retry-after"] = String(60 - new Date().getUTCSeconds());
    await this.record(resource, context, {
      status,
      reason,
      request: call.body,
      response: answer.headers["content-digest"]!,
      started,
    });
    return answer;
  }

  /** Appends one served or refused call to the audit chain. */
  private async record(
    resource: string,
    context: CallContext,
    outcome: { status: number; reason: string; request: Buffer; response: string; started: number },
    onBehalfOf = "",
  ): Promise<void> {
    await this.audit.append({
      at: nowIso(),
      keyId: context.keyId.slice(0, 100),
      member: context.member,
      resource: resource.slice(0, 100),
      fields: JSON.stringify(context.fields),
      purposeCase: context.purpose?.caseNo ?? "",
      purposeBasis: context.purpose?.basis ?? "",
      subject: context.subject,
      result: outcome.status === 200 ? "ok" : "refused",
      status: outcome.status,
      reason: outcome.reason,
      requestDigest: contentDigest(outcome.request),
      responseDigest: outcome.response,
      latencyMs: Math.round(performance.now() - outcome.started),
      ...(onBehalfOf ? { onBehalfOf: onBehalfOf.slice(0, 100) } : {}),
    });
  }

  /**
   * 跨省通办: a registry query from a trusted peer platform, already authenticated by the federation
   * protocol (the peer's signature, Exchange-Purpose and nonce were checked there). It is answered under
   * the grants of the peer's member here (`memberCode`), exactly as the gateway answers a member
   * (granted fields, exact filter, rate and quota), and appended to the audit chain naming the peer's
   * department it was made for: the person sees it on "谁查看了我的数据" like any other read.
   * Refusals come back as {status, body} (the federation signs its own answer).
   */
  async answerForPeer(input: {
    memberCode: string;
    keyId: string;
    resource: string;
    body: Buffer;
    purpose: Purpose;
    onBehalfOf: string;
  }): Promise<{ status: number; body: unknown }> {
    const started = performance.now();
    const context: CallContext = {
      keyId: input.keyId,
      member: input.memberCode,
      purpose: input.purpose,
      fields: [],
      subject: "",
    };
    let status = 200;
    let body: unknown;
    let reason = "";
    try {
      const member = await this.memberByCode(input.memberCode);
      if (!member) throw refusal("no_grant", "本平台尚未给该跨省平台任何共享授权");
      if (member.status !== "active") throw refusal("member_revoked", member.code);
      body = await this.answer(member.id, input.resource, input.body, context);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      status = httpStatusOf(error);
      reason = errorCodeOf(error);
      body = apiError(reason, error.message, error.fields);
    }
    await this.record(
      input.resource,
      context,
      { status, reason, request: input.body, response: contentDigest(JSON.stringify(body)), started },
      input.onBehalfOf,
    );
    return { status, body };
  }

  private async signAnswer(status: number, json: string): Promise<CallAnswer> {
    const hub = await this.hub();
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "content-digest": contentDigest(json),
    };
    const signature = await signMessage(
      { status, headers },
      { keyId: hub.kid, privateKey: hub.privateKey },
      {
        components: ["@status", "content-digest"],
        nonce: randomBytes(12).toString("base64url"),
      },
    );
    return { status, headers: { ...headers, ...signature }, body: json };
  }

  private async authenticate(
    call: IncomingCall & { headers: Record<string, string | string[]> },
    context: CallContext,
  ): Promise<SignedCaller> {
    let member: MemberRow | undefined;
    const { keyId, purpose } = await this.verifyCall(call, context, async (keyId) => {
      member = await this.memberByKeyId(keyId);
      if (!member) return null;
      context.member = member.code;
      if (member.status !== "active") throw refusal("member_revoked", member.code);
      let key = this.parsedKeys.get(member.publicJwk);
      if (!key) {
        const jwk = JSON.parse(member.publicJwk) as object;
        key = member.alg === SM2_ALG ? Sm2PublicKey.fromJwk(jwk) : publicKeyFromJwk(jwk);
        if (this.parsedKeys.size > 10_000) this.parsedKeys.clear();
        this.parsedKeys.set(member.publicJwk, key);
      }
      return key;
    });
    return { member: this.toMember(member!), purpose, keyId };
  }

  /**
   * The exchange protocol's checks on a signed call, in order: the RFC 9421 signature (components,
   * created window, the signer's key from `keyFor`), body size, Content-Digest, Exchange-Purpose, and
   * the nonce (claimed once: a replay is refused). Fills `context` as far as it got; throws refusals.
   * The gateway and federation both receive through it.
   */
  async verifyCall(
    call: IncomingCall & { headers: Record<string, string | string[]> },
    context: { keyId: string; purpose: Purpose | null },
    keyFor: (keyId: string) => Promise<KeyObject | Sm2PublicKey | null>,
    maxBytes = MAX_QUERY_BYTES,
  ): Promise<{ keyId: string; purpose: Purpose }> {
    const message: SignableMessage = { method: call.method, url: call.url, headers: call.headers };
    // RFC 9421 §2.3: created is an sf-integer. The structured-field parser reads 1796413671.0 (an
    // sf-decimal) as the same number as the integer, so the header's text is checked first.
    if (!createdIsInteger(single(call.headers["signature-input"])))
      throw refusal("signature_params", "created 应为整数秒（RFC 9421 §2.3）");
    let verified;
    try {
      verified = await verifyMessageSignature(message, {
        required: REQUIRED_COMPONENTS,
        requiredParams: REQUIRED_PARAMS,
        maxSkewSeconds: MAX_SKEW_SECONDS,
        keyFor,
      });
    } catch (error) {
      if (error instanceof SignatureError) {
        context.keyId = error.keyId ?? "";
        throw refusal(error.problem, error.message);
      }
      throw error;
    }
    context.keyId = verified.keyId;
    if (!Number.isInteger(verified.created))
      throw refusal("signature_params", "created 应为整数秒（RFC 9421 §2.3）");
    // An empty nonce is no nonce: it could be claimed once and would then protect nothing.
    if (!verified.nonce) throw refusal("signature_params", "nonce 不能为空");
    if (call.oversize || call.body.length > maxBytes)
      throw refusal("body_too_large", `最多 ${Math.round(maxBytes / 1024)} KB`);
    const digest = single(call.headers["content-digest"]);
    if (!digest) throw refusal("digest_missing");
    const matches = contentDigestMatches(digest, call.body);
    if (matches === null) throw refusal("digest_missing", "须提供 sha-256 或 sha-512 摘要");
    if (!matches) throw refusal("digest_mismatch");
    const purpose = parsePurpose(single(call.headers["exchange-purpose"]));
    context.purpose = purpose;
    await this.claimNonce(verified.keyId, verified.nonce!);
    return { keyId: verified.keyId, purpose };
  }

  /**
   * The query itself, for a caller already authenticated: grant, fields, filter, quota, lookup. The
   * gateway reaches it only after the signature, digest, purpose and nonce checks; the benchmark calls
   * it directly to measure what those checks cost.
   */
  async answer(
    memberId: number,
    resourceCode: string,
    body: Buffer,
    context: { fields: string[]; subject: string } = { fields: [], subject: "" },
  ): Promise<{ resource: string; records: Record<string, unknown>[]; withheld?: string[] }> {
    const request = this.parseBody(body);
    context.fields = request.fields;
    const resource = await this.cachedResource(resourceCode);
    if (!resource) throw refusal("unknown_resource", resourceCode);
    const known = new Set(resource.fields.map((f) => f.name));
    const unknown = [...request.fields, ...Object.keys(request.filter)].filter((f) => !known.has(f));
    if (unknown.length > 0) throw refusal("body_invalid", `资源没有字段：${unknown.join("、")}`);
    const grant = await this.activeGrant(memberId, resource.code).catch((error: unknown) => {
      // 不予共享: served only under a grant an access request won (by law); otherwise not shared at all.
      if (resource.shareClass === "none") throw refusal("resource_not_shared");
      throw error;
    });
    const granted = new Set(JSON.parse(grant.fields) as string[]);
    const filterable = new Set(resource.fields.filter((f) => f.filterable).map((f) => f.name));
    const filterKeys = Object.keys(request.filter);
    if (filterKeys.length === 0) throw refusal("filter_not_allowed", "须至少按一个字段精确查询");
    const badFilter = filterKeys.filter((k) => !granted.has(k) || !filterable.has(k));
    if (badFilter.length > 0) throw refusal("filter_not_allowed", badFilter.join("、"));
    await this.countCall(grant);

    const served = request.fields.filter((f) => granted.has(f));
    const withheld = request.fields.filter((f) => !granted.has(f));
    context.fields = served;
    const { registry, subjectField } = REGISTRY_OF[resource.code] ?? {};
    if (!registry || !subjectField) throw refusal("unknown_resource", "该资源暂无数据源");
    const rows = await this.lookup(registry, request.filter, [...new Set([...served, subjectField])]);
    const subjects = [...new Set(rows.map((r) => String(r[subjectField])))];
    // Audited as a blind index: the log says whose record was read without holding the ID number.
    context.subject = subjects.length === 1 ? this.store.cipher.blindIndex("id-number", subjects[0]!) : "";
    const records = rows.map((r) => Object.fromEntries(served.map((f) => [f, r[f] ?? null])));
    return { resource: resource.code, records, ...(withheld.length > 0 ? { withheld } : {}) };
  }

  private parseBody(body: Buffer): { filter: Record<string, string | number>; fields: string[] } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw refusal("body_not_json");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw refusal("body_invalid");
    const { filter, fields, ...rest } = parsed as Record<string, unknown>;
    if (Object.keys(rest).length > 0)
      throw refusal("body_invalid", `不认识的键：${Object.keys(rest).join("、")}`);
    if (typeof filter !== "object" || filter === null || Array.isArray(filter)) throw refusal("body_invalid");
    if (
      !Array.isArray(fields) ||
      fields.length === 0 ||
      fields.length > 50 ||
      !fields.every((f) => typeof f === "string")
    )
      throw refusal("body_invalid", "fields 应为非空字符串数组");
    const entries = Object.entries(filter as Record<string, unknown>);
    if (
      entries.length > 10 ||
      !entries.every(([, v]) => (typeof v === "string" && v.length <= 200) || typeof v === "number")
    )
      throw refusal("body_invalid", "filter 的值应为字符串或数字");
    return {
      filter: Object.fromEntries(entries) as Record<string, string | number>,
      fields: [...new Set(fields as string[])],
    };
  }

  /** The member's usable grant on a resource, or the refusal saying why none is usable. */
  private async activeGrant(memberId: number, resourceCode: string): Promise<GrantRow> {
    const grants = await this.db
      .selectFrom("exchangeGrants")
      .selectAll()
      .where("memberId", "=", memberId)
      .where("resourceCode", "=", resourceCode)
      .orderBy("id", "desc")
      .execute();
    if (grants.length === 0) throw refusal("no_grant");
    const now = nowIso();
    const live = grants.find((g) => !g.revokedAt && g.expiresAt > now);
    if (live) return live;
    if (grants.every((g) => g.revokedAt)) throw refusal("grant_revoked");
    throw refusal("grant_expired");
  }

  /**
   * Takes one call from the grant's per-minute rate and daily quota, each counted atomically in the
   * database (an upsert that returns the new count), so parallel calls on any instance cannot slip past.
   */
  private async countCall(grant: GrantRow): Promise<void> {
    const minute = new Date().toISOString().slice(0, 16);
    const used = await this.db
      .insertInto("exchangeGrantMinutes")
      .values({ grantId: grant.id, minute, calls: 1 })
      .onConflict((oc) =>
        oc
          .columns(["grantId", "minute"])
          .doUpdateSet({ calls: sql<number>`exchange_grant_minutes.calls + 1` }),
      )
      .returning("calls")
      .executeTakeFirstOrThrow();
    if (used.calls > grant.ratePerMinute) throw refusal("rate_limited", `每分钟 ${grant.ratePerMinute} 次`);
    const row = await this.db
      .insertInto("exchangeGrantUsage")
      .values({ grantId: grant.id, day: chinaDate(), calls: 1 })
      .onConflict((oc) =>
        oc.columns(["grantId", "day"]).doUpdateSet({ calls: sql<number>`exchange_grant_usage.calls + 1` }),
      )
      .returning("calls")
      .executeTakeFirstOrThrow();
    if (row.calls > grant.dailyQuota) throw refusal("quota_exceeded", `每日 ${grant.dailyQuota} 次`);
  }

  private async claimNonce(keyId: string, nonce: string): Promise<void> {
    if (nonce.length > 200) throw refusal("signature_params", "nonce 过长");
    const result = await this.db
      .insertInto("exchangeNonces")
      .values({ keyId, nonce, seenAt: nowIso() })
      .onConflict((oc) => oc.columns(["keyId", "nonce"]).doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) throw refusal("replayed_nonce");
  }

  /** Forgets nonces older than the signature window (a replay that old fails on `created`). */
  async purgeNonces(): Promise<number> {
    const before = new Date(Date.now() - 2 * MAX_SKEW_SECONDS * 1000).toISOString();
    const result = await this.db.deleteFrom("exchangeNonces").where("seenAt", "<", before).executeTakeFirst();
    await this.db
      .deleteFrom("exchangeGrantMinutes")
      .where("minute", "<", new Date(Date.now() - 120_000).toISOString().slice(0, 16))
      .execute();
    return Number(result.numDeletedRows ?? 0);
  }

  private async lookup(
    registry: "people" | "entities" | "licences",
    filter: Record<string, string | number>,
    columns: string[],
  ): Promise<Record<string, unknown>[]> {
    const table =
      registry === "people"
        ? "registryPeople"
        : registry === "entities"
          ? "registryEntities"
          : "registryLicences";
    // Column names were checked against the resource's fields, which mirror the table's columns.
    // Sealed columns are matched through their blind index.
    let q = this.db.selectFrom(table).select(columns as never[]);
    for (const [key, value] of Object.entries(filter)) {
      const index = SEALED_LOOKUPS[key];
      q = index
        ? q.where(index as never, "=", this.store.cipher.blindIndex("id-number", String(value)) as never)
        : q.where(key as never, "=", value as never);
    }
    return (await q.limit(MAX_RECORDS).execute()) as Record<string, unknown>[];
  }

  // ---- figures and lists for the console --------------------------------------------------------

  /** Calls, success rate and latency percentiles per resource and consumer over the last `days`. */
  async figures(
    days = 30,
    /** Only calls by these members or on these resources (a department's data officer); all when absent. */
    only?: { members: string[]; resources: string[] },
  ): Promise<{ totals: CallFigures; byResource: CallFigures[]; byMember: CallFigures[] }> {
    const since = new Date(Date.now() - days * 86_400_000).toISOString();
    const all = await this.store.read
      .selectFrom("exchangeAudit")
      .select(["resource", "member", "result", "latencyMs"])
      .where("at", ">=", since)
      .orderBy("seq", "desc")
      .limit(200_000)
      .execute();
    const members = new Set(only?.members);
    const resources = new Set(only?.resources);
    const rows = only ? all.filter((r) => members.has(r.member) || resources.has(r.resource)) : all;
    const group = (key: (r: (typeof rows)[number]) => string) => {
      const groups = new Map<string, (typeof rows)[number][]>();
      for (const r of rows) {
        const list = groups.get(key(r));
        if (list) list.push(r);
        else groups.set(key(r), [r]);
      }
      return [...groups].map(([name, list]) => callFigures(name, list)).sort((a, b) => b.calls - a.calls);
    };
    return {
      totals: callFigures("全部", rows),
      byResource: group((r) => r.resource),
      byMember: group((r) => r.member || "（未识别）"),
    };
  }

  /** Member systems of these departments (null: all), paged. */
  async memberPage(
    departments: string[] | null,
    page: number,
    pageSize = 20,
  ): Promise<{ rows: (Member & { createdAt: string; revokedAt: string | null })[]; total: number }> {
    let q = this.db.selectFrom("exchangeMembers");
    if (departments) q = q.where("department", "in", departments.length ? departments : ["\u0000"]);
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await q
      .selectAll()
      .orderBy("id")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return {
      rows: rows.map((r) => ({ ...this.toMember(r), createdAt: r.createdAt, revokedAt: r.revokedAt })),
      total,
    };
  }

  /**
   * Grants whose consumer or provider is one of these departments (null: all), the ones expiring
   * soonest first, paged.
   */
  async grantPage(
    departments: string[] | null,
    page: number,
    pageSize = 20,
  ): Promise<{
    rows: (Omit<GrantRow, "fields"> & { fields: string[]; memberName: string; provider: string })[];
    total: number;
  }> {
    let q = this.db
      .selectFrom("exchangeGrants")
      .innerJoin("exchangeMembers", "exchangeMembers.id", "exchangeGrants.memberId")
      .leftJoin("exchangeResources", "exchangeResources.code", "exchangeGrants.resourceCode");
    if (departments) {
      const mine = departments.length ? departments : ["\u0000"];
      q = q.where((eb) =>
        eb.or([eb("exchangeMembers.department", "in", mine), eb("exchangeResources.provider", "in", mine)]),
      );
    }
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await q
      .selectAll("exchangeGrants")
      .select(["exchangeMembers.name as memberName", "exchangeResources.provider as provider"])
      .orderBy("exchangeGrants.expiresAt")
      .orderBy("exchangeGrants.id")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return {
      rows: rows.map((r) => ({ ...r, provider: r.provider ?? "", fields: JSON.parse(r.fields) as string[] })),
      total,
    };
  }

  /** Live grants expiring within `days` (consumer or provider among the departments; null: all). */
  async expiringGrants(
    departments: string[] | null,
    days = 30,
  ): Promise<
    { id: number; memberName: string; resourceCode: string; expiresAt: string; daysLeft: number }[]
  > {
    const now = new Date();
    let q = this.db
      .selectFrom("exchangeGrants")
      .innerJoin("exchangeMembers", "exchangeMembers.id", "exchangeGrants.memberId")
      .leftJoin("exchangeResources", "exchangeResources.code", "exchangeGrants.resourceCode")
      .select([
        "exchangeGrants.id as id",
        "exchangeMembers.name as memberName",
        "exchangeGrants.resourceCode as resourceCode",
        "exchangeGrants.expiresAt as expiresAt",
      ])
      .where("exchangeGrants.revokedAt", "is", null)
      .where("exchangeGrants.expiresAt", ">", now.toISOString())
      .where("exchangeGrants.expiresAt", "<=", new Date(now.getTime() + days * 86_400_000).toISOString());
    if (departments) {
      const mine = departments.length ? departments : ["\u0000"];
      q = q.where((eb) =>
        eb.or([eb("exchangeMembers.department", "in", mine), eb("exchangeResources.provider", "in", mine)]),
      );
    }
    const rows = await q.orderBy("exchangeGrants.expiresAt").limit(50).execute();
    return rows.map((r) => ({
      ...r,
      daysLeft: Math.ceil((Date.parse(r.expiresAt) - now.getTime()) / 86_400_000),
    }));
  }

  async grantById(id: number): Promise<(GrantRow & { department: string; provider: string }) | undefined> {
    const row = await this.db
      .selectFrom("exchangeGrants")
      .innerJoin("exchangeMembers", "exchangeMembers.id", "exchangeGrants.memberId")
      .leftJoin("exchangeResources", "exchangeResources.code", "exchangeGrants.resourceCode")
      .selectAll("exchangeGrants")
      .select(["exchangeMembers.department as department", "exchangeResources.provider as provider"])
      .where("exchangeGrants.id", "=", id)
      .executeTakeFirst();
    return row ? { ...row, provider: row.provider ?? "" } : undefined;
  }

  async members(): Promise<(Member & { createdAt: string; revokedAt: string | null })[]> {
    const rows = await this.db.selectFrom("exchangeMembers").selectAll().orderBy("id").execute();
    return rows.map((r) => ({ ...this.toMember(r), createdAt: r.createdAt, revokedAt: r.revokedAt }));
  }

  /** Every grant with its member's name, the ones expiring soonest first. */
  async grants(): Promise<(Omit<GrantRow, "fields"> & { fields: string[]; memberName: string })[]> {
    const rows = await this.db
      .selectFrom("exchangeGrants")
      .innerJoin("exchangeMembers", "exchangeMembers.id", "exchangeGrants.memberId")
      .selectAll("exchangeGrants")
      .select("exchangeMembers.name as memberName")
      .orderBy("exchangeGrants.expiresAt")
      .execute();
    return rows.map((r) => ({ ...r, fields: JSON.parse(r.fields) as string[] }));
  }

  // ---- what the citizen sees ---------------------------------------------------------------------

  /** Who read this person's (or enterprise's) records, when, which fields, for which case. */
  async readsOf(subject: string): Promise<DataReadRow[]> {
    return this.describeReads(
      await this.audit.forSubject(this.store.cipher.blindIndex("id-number", subject)),
    );
  }

  /** The same, newest first, one page at a time. */
  async readsPage(
    subject: string,
    page: number,
    pageSize = 20,
  ): Promise<{ rows: DataReadRow[]; total: number }> {
    const index = this.store.cipher.blindIndex("id-number", subject);
    const total = await this.audit.countForSubject(index);
    const rows = await this.audit.forSubject(index, pageSize, (page - 1) * pageSize);
    return { rows: await this.describeReads(rows), total };
  }

  private async describeReads(rows: Selectable<ExchangeAuditRow>[]): Promise<DataReadRow[]> {
    const members = new Map(
      (await this.db.selectFrom("exchangeMembers").select(["code", "name", "department"]).execute()).map(
        (m) => [m.code, m],
      ),
    );
    const resources = new Map((await this.catalogue()).map((r) => [r.code, r]));
    return rows.map((r) => {
      const m = members.get(r.member);
      const resource = resources.get(r.resource);
      const labels = new Map(resource?.fields.map((f) => [f.name, f.label]) ?? []);
      return {
        at: r.at,
        member: m?.name ?? r.member,
        // A peer platform's query names the peer's department it was made for.
        department: r.onBehalfOf || (m?.department ?? ""),
        resource: resource?.name ?? r.resource,
        fields: (JSON.parse(r.fields) as string[]).map((f) => labels.get(f) ?? f),
        caseNo: r.purposeCase,
        basis: r.purposeBasis,
      };
    });
  }
}
