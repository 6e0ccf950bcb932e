import { generateKeyPairSync, randomBytes, randomInt, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, CompactSign, compactVerify, decodeJwt, importJWK, type JWK } from "jose";
import type { Selectable } from "kysely";
import type { FederationSettings } from "../../config.ts";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { Db } from "../../platform/db/database.ts";
import { paginate, type Page } from "../../platform/db/paginate.ts";
import {
  apiError,
  Conflict,
  DomainError,
  errorCodeOf,
  Forbidden,
  httpStatusOf,
  Invalid,
  NotFound,
  TooMany,
} from "../../platform/http/errors.ts";
import { privateKeyFromJwk, publicKeyFromJwk } from "../../platform/http/message-signatures.ts";
import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";
import { chinaDate, nowIso } from "../../platform/time/china-time.ts";
import type { Account, AccountsService } from "../accounts/index.ts";
import {
  answerProblem,
  signedAnswer,
  signedRequest,
  type ExchangeService,
  type MemberCredentials,
} from "../exchange/index.ts";
import {
  ACTION_LABELS,
  readValues,
  STATUS_LABELS,
  validateValues,
  type FormSchema,
  type Guide,
  type OneStopService,
  type RawInput,
} from "../onestop/index.ts";
import { federationRefusal } from "./errors.ts";
import type {
  FederatedItemRow,
  FederationTables,
  OutboundApplicationRow,
  OutboxRow,
  PeerRow,
} from "./tables.ts";

export type Peer = Selectable<PeerRow>;
export type FederatedItem = Omit<Selectable<FederatedItemRow>, "guide" | "form"> & {
  guide: Guide;
  form: FormSchema;
};
export type OutboundApplication = Omit<Selectable<OutboundApplicationRow>, "data" | "refusal"> & {
  refusal: { message: string; fields: Record<string, string> } | null;
};
export type OutboxMessage = Omit<Selectable<OutboxRow>, "payload">;

/** The path every peer receives messages on, and the metadata document's path. */
export const MESSAGES_PATH = "/api/federation/v1/messages";
export const METADATA_PATH = "/api/federation/metadata";
/** The legal basis every federation message names (with the application number as its case). */
export const FEDERATION_BASIS = "《国务院办公厅关于加快推进政务服务“跨省通办”的指导意见》";
/** Messages may carry materials: a bigger body than an exchange query. */
export const MAX_MESSAGE_BYTES = 12 * 1024 * 1024;
const METADATA_TYPE = "chuyun-federation-metadata";

interface StoredKey {
  kid: string;
  publicJwk: JWK;
  /** The private JWK, sealed with the platform's data key. */
  sealedPrivate: string;
}
interface FederationKv {
  key: StoredKey;
}

/** A message between platforms: what it is, its idempotency key, who sends it, and its content. */
export interface Envelope {
  kind: string;
  idempotencyKey: string;
  from: string;
  payload: Record<string, unknown>;
}

/** What the metadata document says (signed as a JWS by the key it lists). */
export interface Metadata {
  typ: string;
  federationId: string;
  name: string;
  baseUrl: string;
  key: JWK & { kid: string };
  offers: string[];
  iat: number;
}

export interface IncomingMessage {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SignedReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An uploaded material of a citizen's application. */
export interface Material {
  field: string;
  fileName: string;
  bytes: Buffer;
}

/** Fetch, replaceable in tests (a peer that hangs or answers garbage). */
export type PeerFetch = (url: string, init: RequestInit) => Promise<Response>;

function headerMap(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])),
  ) as Record<string, string | string[]>;
}

/** The backoff before attempt n+1 (n ≥ 1): 1 s, 2 s, 4 s … capped, with ±20 % jitter. */
export function backoffMs(attempts: number, maxSeconds: number): number {
  const base = Math.min(maxSeconds * 1000, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * 跨省通办: this platform federates with peer platforms over the exchange protocol (RFC 9421 signed
 * POSTs with Content-Digest and Exchange-Purpose, signed answers, nonces claimed once). It offers its
 * own items to peers, offers peers' items on its hall, forwards applications through a durable outbox
 * and follows their status; it receives applications from peers as normal applications.
 */
export class FederationService {
  private readonly kv: KvScope<FederationKv>;
  private ownKey: (MemberCredentials & { publicJwk: JWK }) | null = null;
  private working: Promise<void> | null = null;
  private again = false;
  private lastSync = new Map<string, number>();
  /** Replaceable in tests and the bench. */
  fetcher: PeerFetch = (url, init) => fetch(url, init);

  constructor(
    private readonly store: Db<FederationTables>,
    private readonly audit: AuditLog,
    private readonly exchange: ExchangeService,
    private readonly oneStop: OneStopService,
    private readonly accounts: AccountsService,
    readonly settings: FederationSettings,
  ) {
    this.kv = new KvStore(store.db).scope<FederationKv>("federation");
  }

  private get db() {
    return this.store.db;
  }

  // ---- identity and metadata -------------------------------------------------------------------

  /** This platform's signing key (created on first use; every instance agrees on the first written). */
  async key(): Promise<MemberCredentials & { publicJwk: JWK }> {
    if (this.ownKey) return this.ownKey;
    let stored = await this.kv.get("key");
    if (!stored) {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const publicJwk = publicKey.export({ format: "jwk" }) as JWK;
      await this.kv.setIfAbsent("key", {
        kid: await calculateJwkThumbprint(publicJwk),
        publicJwk,
        sealedPrivate: this.store.cipher.seal(JSON.stringify(privateKey.export({ format: "jwk" })))!,
      });
      stored = (await this.kv.get("key"))!;
    }
    this.ownKey = {
      keyId: stored.kid,
      privateJwk: JSON.parse(this.store.cipher.open(stored.sealedPrivate)!) as JWK,
      publicJwk: stored.publicJwk,
    };
    return this.ownKey;
  }

  /** The signed metadata document peers import (a JWS over the identity, key and offered items). */
  async metadata(): Promise<{ jws: string; document: Metadata }> {
    const key = await this.key();
    const document: Metadata = {
      typ: METADATA_TYPE,
      federationId: this.settings.id,
      name: this.settings.name,
      baseUrl: this.settings.baseUrl,
      key: { ...key.publicJwk, kid: key.keyId },
      offers: await this.offerCodes(),
      iat: Math.floor(Date.now() / 1000),
    };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(document)))
      .setProtectedHeader({ alg: "EdDSA", kid: key.keyId, typ: METADATA_TYPE })
      .sign(privateKeyFromJwk(key.privateJwk));
    return { jws, document };
  }

  /** Reads and checks a metadata JWS: signed by the key it names; that key's thumbprint must match when given. */
  async verifyMetadata(jws: string, expectedKeyId: string | null): Promise<Metadata> {
    let claimed: Metadata;
    try {
      claimed = decodeJwt(jws) as unknown as Metadata;
    } catch {
      throw new Invalid("对方的元数据文档不是有效的签名文档", {}, "metadata_invalid");
    }
    if (
      claimed?.typ !== METADATA_TYPE ||
      typeof claimed.federationId !== "string" ||
      !/^[a-z][a-z0-9-]{1,30}$/.test(claimed.federationId) ||
      typeof claimed.baseUrl !== "string" ||
      typeof claimed.key !== "object" ||
      claimed.key?.kty !== "OKP" ||
      claimed.key.crv !== "Ed25519"
    )
      throw new Invalid("对方的元数据文档内容不完整", {}, "metadata_invalid");
    const { kid: _kid, ...jwk } = claimed.key;
    const thumbprint = await calculateJwkThumbprint(jwk);
    if (expectedKeyId && thumbprint !== expectedKeyId)
      throw new Invalid(
        "对方公钥指纹与填写的不一致，未导入",
        { keyId: "指纹不一致" },
        "metadata_key_mismatch",
      );
    try {
      await compactVerify(jws, await importJWK(jwk, "EdDSA"));
    } catch {
      throw new Invalid("对方的元数据文档签名验证失败", {}, "metadata_signature");
    }
    return { ...claimed, key: { ...jwk, kid: thumbprint } };
  }

  /** Fetches a peer's metadata from its base URL and trusts it (audited); a changed key needs its fingerprint. */
  async importPeer(baseUrl: string, expectedKeyId: string | null, actor: string): Promise<Peer> {
    let url: URL;
    try {
      url = new URL(METADATA_PATH, baseUrl);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
    } catch {
      throw new Invalid("请填写对方平台的网址", { baseUrl: "应为 http(s):// 开头的网址" });
    }
    let jws: string;
    try {
      const body = (await this.withTimeout(async (signal) => {
        const response = await this.fetcher(url.toString(), { signal });
        const json = (await response.json()) as { jws?: unknown };
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return json;
      })) as { jws?: unknown };
      if (typeof body.jws !== "string") throw new Error("no jws");
      jws = body.jws;
    } catch (error) {
      throw new Invalid(
        `未能从对方平台取得元数据（${(error as Error).name === "TimeoutError" ? "超时" : "无有效应答"}）`,
        { baseUrl: "请核对网址，或稍后再试" },
        "metadata_unreachable",
      );
    }
    const meta = await this.verifyMetadata(jws, expectedKeyId);
    return this.trustPeer(meta, expectedKeyId !== null, actor);
  }

  /** Stores a verified metadata document as a trusted peer. */
  async trustPeer(meta: Metadata, keyChecked: boolean, actor: string): Promise<Peer> {
    if (meta.federationId === this.settings.id)
      throw new Invalid("不能把本平台自己添加为跨省平台", {}, "metadata_self");
    const existing = await this.peerByCode(meta.federationId);
    if (existing && existing.keyId !== meta.key.kid && !keyChecked)
      throw new Invalid(
        "对方平台的公钥已更换，请填写新公钥指纹（与对方核对后）再导入",
        { keyId: "请填写对方提供的公钥指纹" },
        "metadata_key_changed",
      );
    const now = nowIso();
    const row = {
      name: meta.name.slice(0, 60),
      baseUrl: new URL(meta.baseUrl).origin,
      keyId: meta.key.kid,
      publicJwk: JSON.stringify(meta.key),
      status: "active" as const,
      updatedAt: now,
    };
    if (existing)
      await this.db.updateTable("federationPeers").set(row).where("id", "=", existing.id).execute();
    else
      await this.db
        .insertInto("federationPeers")
        .values({ ...row, code: meta.federationId, importedAt: now })
        .onConflict((oc) => oc.column("code").doUpdateSet(row))
        .execute();
    await this.peerMember(meta.federationId, row.name, actor);
    await this.audit.record({
      actor,
      action: "federation.peer.trust",
      targetType: "federation_peer",
      targetId: meta.federationId,
      detail: { baseUrl: row.baseUrl, keyId: row.keyId },
    });
    return (await this.peerByCode(meta.federationId))!;
  }

  async revokePeer(code: string, actor: string): Promise<void> {
    const result = await this.db
      .updateTable("federationPeers")
      .set({ status: "revoked", updatedAt: nowIso() })
      .where("code", "=", code)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new NotFound("没有该跨省平台");
    await this.audit.record({
      actor,
      action: "federation.peer.revoke",
      targetType: "federation_peer",
      targetId: code,
    });
  }

  async peers(): Promise<Peer[]> {
    return this.db.selectFrom("federationPeers").selectAll().orderBy("code").execute();
  }

  async peerByCode(code: string): Promise<Peer | undefined> {
    return this.db.selectFrom("federationPeers").selectAll().where("code", "=", code).executeTakeFirst();
  }

  private async activePeerByKey(keyId: string): Promise<Peer | undefined> {
    return this.db
      .selectFrom("federationPeers")
      .selectAll()
      .where("keyId", "=", keyId)
      .where("status", "=", "active")
      .executeTakeFirst();
  }

  // ---- offers (this platform's items for peers) ------------------------------------------------

  async offerCodes(): Promise<string[]> {
    const rows = await this.db
      .selectFrom("federationOffers")
      .select("itemCode")
      .orderBy("itemCode")
      .execute();
    return rows.map((r) => r.itemCode);
  }

  async offer(itemCode: string, actor: string): Promise<void> {
    const item = await this.oneStop.catalogue.byCode(itemCode.trim());
    if (!item) throw new Invalid("没有该事项", { itemCode: "请填写本平台已发布事项的编码" });
    await this.db
      .insertInto("federationOffers")
      .values({ itemCode: item.code, createdAt: nowIso() })
      .onConflict((oc) => oc.column("itemCode").doNothing())
      .execute();
    await this.audit.record({
      actor,
      action: "federation.offer",
      targetType: "service_item",
      targetId: item.code,
    });
  }

  async withdrawOffer(itemCode: string, actor: string): Promise<void> {
    await this.db.deleteFrom("federationOffers").where("itemCode", "=", itemCode).execute();
    await this.audit.record({
      actor,
      action: "federation.offer.withdraw",
      targetType: "service_item",
      targetId: itemCode,
    });
  }

  // ---- peers' items on this hall ---------------------------------------------------------------

  /** Pulls a peer's offered items (guide and form) and keeps this hall's copy in step. */
  async syncItems(peerCode: string): Promise<number> {
    const answer = await this.call(peerCode, {
      kind: "catalogue",
      idempotencyKey: `catalogue-${randomBytes(12).toString("base64url")}`,
      purposeCase: `catalogue-${chinaDate()}`,
      payload: {},
    });
    if (answer.status !== 200) throw new Error(`catalogue refused: ${errorText(answer)}`);
    const items = (answer.json as { items?: unknown }).items;
    if (!Array.isArray(items)) throw new Error("catalogue answer without items");
    const now = nowIso();
    const codes: string[] = [];
    for (const raw of items.slice(0, 500) as Record<string, unknown>[]) {
      if (typeof raw.code !== "string" || typeof raw.name !== "string") continue;
      const row = {
        name: raw.name.slice(0, 200),
        department: String(raw.department ?? "").slice(0, 100),
        guide: JSON.stringify(raw.guide ?? {}),
        form: JSON.stringify(raw.form ?? { fields: [] }),
        formVersion: Number(raw.formVersion) || 0,
        syncedAt: now,
      };
      codes.push(raw.code);
      await this.db
        .insertInto("federationItems")
        .values({ ...row, peerCode, itemCode: raw.code })
        .onConflict((oc) => oc.columns(["peerCode", "itemCode"]).doUpdateSet(row))
        .execute();
    }
    let gone = this.db.deleteFrom("federationItems").where("peerCode", "=", peerCode);
    if (codes.length > 0) gone = gone.where("itemCode", "not in", codes);
    await gone.execute();
    this.lastSync.set(peerCode, Date.now());
    return codes.length;
  }

  async federatedItems(): Promise<FederatedItem[]> {
    const rows = await this.db
      .selectFrom("federationItems")
      .innerJoin("federationPeers", "federationPeers.code", "federationItems.peerCode")
      .selectAll("federationItems")
      .where("federationPeers.status", "=", "active")
      .orderBy("federationItems.peerCode")
      .orderBy("federationItems.itemCode")
      .execute();
    return rows.map(toItem);
  }

  async federatedItem(peerCode: string, itemCode: string): Promise<FederatedItem> {
    const row = await this.db
      .selectFrom("federationItems")
      .innerJoin("federationPeers", "federationPeers.code", "federationItems.peerCode")
      .selectAll("federationItems")
      .where("federationPeers.status", "=", "active")
      .where("federationItems.peerCode", "=", peerCode)
      .where("federationItems.itemCode", "=", itemCode)
      .executeTakeFirst();
    if (!row) throw new NotFound("没有该跨省通办事项");
    return toItem(row);
  }

  async peerName(code: string): Promise<string> {
    return (await this.peerByCode(code))?.name ?? code;
  }

  // ---- the citizen's side (B) ------------------------------------------------------------------

  /**
   * Files an application for a peer's item: the form is read and checked with the owner's form
   * definition here, then forwarded through the outbox. The form key makes a double post return the
   * same application. Invalid input throws Invalid with per-field messages (nothing is stored).
   */
  async file(input: {
    account: Account;
    peerCode: string;
    itemCode: string;
    raw: RawInput;
    files: Material[];
    formKey: string;
  }): Promise<{ application: OutboundApplication; values: Record<string, unknown> }> {
    const { account } = input;
    const item = await this.federatedItem(input.peerCode, input.itemCode);
    if (account.kind !== "person" || !account.idNumber)
      throw new Invalid("跨省通办须使用已实名认证的个人账号办理", {}, "applicant_invalid");
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(input.formKey))
      throw new Invalid("页面已过期，请重新打开申请页面", {}, "bad_form_key");
    const existing = await this.db
      .selectFrom("federationApplications")
      .select("number")
      .where("accountId", "=", account.id)
      .where("formKey", "=", input.formKey)
      .executeTakeFirst();
    if (existing) return { application: await this.own(account.id, existing.number), values: {} };
    const values = readValues(item.form, input.raw);
    for (const f of item.form.fields) {
      if (f.name === "name" || f.name === "applicantName") values[f.name] = account.name;
      if (f.name === "idNumber") values[f.name] = account.idNumber;
    }
    const files = input.files.filter((file) =>
      item.form.fields.some((f) => f.name === file.field && f.type === "file"),
    );
    for (const file of files)
      values[file.field] = { fileId: 0, name: file.fileName, size: file.bytes.length, mime: "" };
    const errors = validateValues(item.form, values);
    if (Object.keys(errors).length > 0)
      throw new Invalid("申请表有需要修改的地方，请按提示修改后重新提交", errors, "form_invalid");
    const number = `KS${chinaDate().replace(/-/g, "")}${String(randomInt(0, 1e8)).padStart(8, "0")}`;
    const now = nowIso();
    const payload = {
      originNo: number,
      itemCode: item.itemCode,
      applicant: { name: account.name, idNumber: account.idNumber, phone: account.phone ?? "" },
      raw: input.raw,
      files: files.map((f) => ({ field: f.field, fileName: f.fileName, data: f.bytes.toString("base64") })),
    };
    const inserted = await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("federationApplications")
        .values({
          number,
          formKey: input.formKey,
          accountId: account.id,
          peerCode: item.peerCode,
          itemCode: item.itemCode,
          itemName: item.name,
          data: this.store.cipher.seal(JSON.stringify(values))!,
          status: "forwarding",
          remoteNo: null,
          remoteStatus: null,
          remoteStatusLabel: null,
          lastSeq: 0,
          refusal: null,
          createdAt: now,
          updatedAt: now,
        })
        .onConflict((oc) => oc.columns(["accountId", "formKey"]).doNothing())
        .executeTakeFirst();
      if (inserted_(row) !== 1) return false;
      await this.enqueue(
        {
          peerCode: item.peerCode,
          kind: "application.submit",
          idempotencyKey: `submit-${number}`,
          purposeCase: number,
        },
        payload,
        trx,
      );
      return true;
    });
    if (!inserted) {
      const raced = await this.db
        .selectFrom("federationApplications")
        .select("number")
        .where("accountId", "=", account.id)
        .where("formKey", "=", input.formKey)
        .executeTakeFirstOrThrow();
      return { application: await this.own(account.id, raced.number), values };
    }
    await this.audit.record({
      actor: `account:${account.id}`,
      action: "federation.application.file",
      targetType: "federation_application",
      targetId: number,
      detail: { peer: item.peerCode, item: item.itemCode },
    });
    // Read before delivery starts: the answer shows the application as filed (being forwarded),
    // whatever a fast delivery has done by the time the read would return.
    const application = await this.own(account.id, number);
    this.kick();
    return { application, values };
  }

  /** The citizen's own forwarded application; anyone else's is "not found". */
  async own(accountId: number, number: string): Promise<OutboundApplication> {
    const row = await this.db
      .selectFrom("federationApplications")
      .selectAll()
      .where("number", "=", number)
      .where("accountId", "=", accountId)
      .executeTakeFirst();
    if (!row) throw new NotFound("该办件不存在");
    return toOutbound(row);
  }

  async ownPage(accountId: number, page: number, pageSize = 20) {
    const q = this.db.selectFrom("federationApplications").where("accountId", "=", accountId);
    const found = await paginate(q.selectAll().orderBy("id", "desc"), page, pageSize);
    return { ...found, rows: found.rows.map(toOutbound) };
  }

  async events(applicationId: number) {
    return this.db
      .selectFrom("federationEvents")
      .selectAll()
      .where("applicationId", "=", applicationId)
      .orderBy("seq")
      .execute();
  }

  // ---- registries between provinces -------------------------------------------------------------

  /**
   * The exchange member that stands for a peer platform here: the holder of the grants this platform's
   * data officers give the peer (in the exchange console, like any member's). Its key is a fresh one
   * whose private half is thrown away: the peer's calls arrive only as federation messages, signed by
   * the peer's own key, never at the gateway under this member.
   */
  async peerMember(code: string, name: string, actor: string) {
    const memberCode = peerMemberCode(code);
    const existing = await this.exchange.memberByCode(memberCode);
    if (existing) return existing;
    const { publicKey } = generateKeyPairSync("ed25519");
    return this.exchange
      .registerMember(
        {
          code: memberCode,
          name: `${name}（跨省通办）`,
          department: name,
          publicJwk: publicKey.export({ format: "jwk" }) as JWK,
        },
        actor,
      )
      .catch(async (error: unknown) => {
        // Registered meanwhile by another instance.
        const raced = await this.exchange.memberByCode(memberCode);
        if (raced) return raced;
        throw error;
      });
  }

  /**
   * Grants a peer platform fields of one of this platform's registries, for a purpose, until a date
   * (config and tests; the data officer does the same for the peer's member in the exchange console).
   */
  async grantPeer(
    peerCode: string,
    grant: {
      resource: string;
      fields: string[];
      purpose: string;
      legalBasis: string;
      expiresAt: string;
      dailyQuota?: number;
    },
    actor: string,
  ): Promise<number> {
    const peer = await this.peerByCode(peerCode);
    if (!peer) throw new NotFound("没有该跨省平台");
    const member = await this.peerMember(peer.code, peer.name, actor);
    return this.exchange.grant(
      {
        memberId: member.id,
        resourceCode: grant.resource,
        fields: grant.fields,
        purpose: grant.purpose,
        legalBasis: grant.legalBasis,
        expiresAt: grant.expiresAt,
        dailyQuota: grant.dailyQuota ?? 1000,
      },
      actor,
    );
  }

  /**
   * A's side: one of this platform's departments asks a peer's registry (through the peer's hub and
   * the grants it gave this platform) for a record, naming its case and legal basis. The peer answers
   * signed; a refusal comes back as the same kind of error, with the peer's reason.
   */
  async queryPeer(input: {
    peerCode: string;
    department: string;
    resource: string;
    filter: Record<string, string | number>;
    fields: string[];
    purpose: { caseNo: string; basis: string };
    actor: string;
  }): Promise<{ resource: string; records: Record<string, unknown>[]; withheld?: string[] }> {
    const caseNo = input.purpose.caseNo.trim();
    const basis = input.purpose.basis.trim();
    if (!caseNo || !basis || caseNo.length > 64 || basis.length > 300)
      throw federationRefusal("purpose_missing");
    if (!input.department.trim()) throw federationRefusal("requester_missing");
    const peer = await this.peerByCode(input.peerCode);
    if (!peer || peer.status !== "active") throw new NotFound("没有该跨省平台", {}, "unknown_peer");
    let answer: { status: number; json: Record<string, unknown> };
    try {
      answer = await this.call(peer.code, {
        kind: "registry.query",
        idempotencyKey: `query-${randomBytes(12).toString("base64url")}`,
        purposeCase: caseNo,
        basis,
        payload: {
          resource: input.resource,
          department: input.department.trim().slice(0, 100),
          query: { filter: input.filter, fields: input.fields },
        },
      });
    } catch (error) {
      throw new Conflict(
        `未能从${peer.name}取得应答：${(error as Error).message}`.slice(0, 300),
        {},
        "peer_unreachable",
      );
    }
    await this.audit.record({
      actor: input.actor,
      action: "federation.query",
      targetType: "federation_peer",
      targetId: peer.code,
      detail: {
        resource: input.resource,
        department: input.department,
        purpose: caseNo,
        status: answer.status,
      },
    });
    if (answer.status !== 200) {
      const error = (answer.json.error ?? {}) as { code?: unknown; message?: unknown };
      const message = `${peer.name}：${typeof error.message === "string" ? error.message : `HTTP ${answer.status}`}`;
      const reason = typeof error.code === "string" ? error.code.slice(0, 40) : "peer_refused";
      const Kind =
        answer.status === 400
          ? Invalid
          : answer.status === 404
            ? NotFound
            : answer.status === 429
              ? TooMany
              : answer.status === 401 || answer.status === 403
                ? Forbidden
                : Conflict;
      throw new Kind(message, {}, reason);
    }
    const records = Array.isArray(answer.json.records)
      ? (answer.json.records as Record<string, unknown>[])
      : [];
    const withheld = Array.isArray(answer.json.withheld) ? (answer.json.withheld as string[]) : undefined;
    return {
      resource: String(answer.json.resource ?? input.resource),
      records,
      ...(withheld ? { withheld } : {}),
    };
  }

  /** B's side: a peer's registry query, answered by this platform's hub under the peer's grants. */
  private async answerQuery(
    peer: Peer,
    envelope: Envelope,
    purpose: { caseNo: string; basis: string },
    keyId: string,
  ): Promise<{ status: number; body: unknown }> {
    const p = envelope.payload;
    if (typeof p.resource !== "string" || !p.resource || typeof p.query !== "object" || p.query === null)
      throw federationRefusal("envelope_invalid", '查询消息须有 resource 与 query {"filter", "fields"}');
    if (typeof p.department !== "string" || !p.department.trim())
      throw federationRefusal("requester_missing");
    return this.exchange.answerForPeer({
      memberCode: peerMemberCode(peer.code),
      keyId,
      resource: p.resource.slice(0, 100),
      body: Buffer.from(JSON.stringify(p.query)),
      purpose,
      onBehalfOf: `${p.department.trim().slice(0, 60)}（${peer.name}）`,
    });
  }

  // ---- the outbox ------------------------------------------------------------------------------

  private async enqueue(
    message: { peerCode: string; kind: string; idempotencyKey: string; purposeCase: string },
    payload: unknown,
    trx = this.db,
  ): Promise<void> {
    const now = nowIso();
    await trx
      .insertInto("federationOutbox")
      .values({
        ...message,
        payload: this.store.cipher.seal(JSON.stringify(payload))!,
        status: "pending",
        attempts: 0,
        nextAttemptAt: now,
        lastError: null,
        createdAt: now,
        updatedAt: now,
        deliveredAt: null,
      })
      .onConflict((oc) => oc.column("idempotencyKey").doNothing())
      .execute();
  }

  /** Asks the worker to run soon (after a message was queued). */
  kick(): void {
    if (this.working) {
      this.again = true;
      return;
    }
    this.working = (async () => {
      do {
        this.again = false;
        await this.deliverDue().catch(() => {});
      } while (this.again);
    })().finally(() => (this.working = null));
  }

  /** Waits for the worker's current round (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.working) await this.working;
  }

  /** One worker round: bootstrap peers, pull catalogues, report status changes, deliver due messages. */
  async tick(): Promise<void> {
    await this.bootstrapPeers().catch(() => {});
    for (const peer of await this.peers()) {
      if (peer.status !== "active") continue;
      const last = this.lastSync.get(peer.code) ?? 0;
      if (Date.now() - last > 60_000)
        await this.syncItems(peer.code).catch(() => this.lastSync.set(peer.code, Date.now() - 50_000));
    }
    await this.reportChanges();
    this.kick();
    await this.idle();
  }

  /** Peers named in FEDERATION_PEERS are imported from their metadata on first contact. */
  private async bootstrapPeers(): Promise<void> {
    for (const peer of this.settings.peers) {
      if (await this.peerByCode(peer.code)) continue;
      const imported = await this.importPeer(peer.baseUrl, null, "system:federation");
      if (imported.code !== peer.code) await this.revokePeer(imported.code, "system:federation");
    }
  }

  /**
   * Delivers the due messages, oldest first. A peer's messages go in order: after a failed attempt
   * the rest of that peer's messages wait for the next round. Each message is claimed before it is
   * sent (another instance skips it).
   */
  async deliverDue(limit = 100): Promise<number> {
    const due = await this.db
      .selectFrom("federationOutbox")
      .selectAll()
      .where("status", "=", "pending")
      .where("nextAttemptAt", "<=", nowIso())
      .orderBy("id")
      .limit(limit)
      .execute();
    const blocked = new Set<string>();
    let delivered = 0;
    for (const message of due) {
      if (blocked.has(message.peerCode)) continue;
      const claimed = await this.db
        .updateTable("federationOutbox")
        .set({ nextAttemptAt: new Date(Date.now() + 2 * this.settings.timeoutMs).toISOString() })
        .where("id", "=", message.id)
        .where("status", "=", "pending")
        .where("nextAttemptAt", "=", message.nextAttemptAt)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      const outcome = await this.attempt(message);
      if (outcome === "delivered") delivered++;
      if (outcome === "retry") blocked.add(message.peerCode);
    }
    return delivered;
  }

  private async attempt(message: Selectable<OutboxRow>): Promise<"delivered" | "refused" | "retry"> {
    const attempts = message.attempts + 1;
    let answer: { status: number; json: Record<string, unknown> };
    try {
      answer = await this.call(message.peerCode, {
        kind: message.kind,
        idempotencyKey: message.idempotencyKey,
        purposeCase: message.purposeCase,
        payload: JSON.parse(message.payload) as Record<string, unknown>,
      });
    } catch (error) {
      await this.retryLater(message.id, attempts, (error as Error).message);
      return "retry";
    }
    if (answer.status === 409 || answer.status === 429 || answer.status >= 500) {
      await this.retryLater(message.id, attempts, errorText(answer));
      return "retry";
    }
    const ok = answer.status >= 200 && answer.status < 300;
    await this.db
      .updateTable("federationOutbox")
      .set({
        status: ok ? "delivered" : "refused",
        attempts,
        lastError: ok ? null : errorText(answer),
        updatedAt: nowIso(),
        deliveredAt: ok ? nowIso() : null,
      })
      .where("id", "=", message.id)
      .execute();
    await this.afterAnswer(message, ok, answer.json);
    await this.audit.record({
      actor: `federation:${this.settings.id}`,
      action: `federation.send.${message.kind}`,
      targetType: "federation_message",
      targetId: message.idempotencyKey,
      detail: { peer: message.peerCode, purpose: message.purposeCase, status: answer.status, attempts },
    });
    return ok ? "delivered" : "refused";
  }

  private async retryLater(id: number, attempts: number, why: string): Promise<void> {
    await this.db
      .updateTable("federationOutbox")
      .set({
        attempts,
        lastError: why.slice(0, 500),
        nextAttemptAt: new Date(
          Date.now() + backoffMs(attempts, this.settings.retryMaxSeconds),
        ).toISOString(),
        updatedAt: nowIso(),
      })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .execute();
  }

  /** What a delivered or refused message changes here. */
  private async afterAnswer(
    message: Selectable<OutboxRow>,
    ok: boolean,
    json: Record<string, unknown>,
  ): Promise<void> {
    if (message.kind !== "application.submit") return;
    if (ok) {
      await this.db
        .updateTable("federationApplications")
        .set({
          status: "submitted",
          remoteNo: typeof json.trackingNo === "string" ? json.trackingNo : null,
          updatedAt: nowIso(),
        })
        .where("number", "=", message.purposeCase)
        .where("status", "=", "forwarding")
        .execute();
      return;
    }
    const error = (json.error ?? {}) as { message?: unknown; fields?: unknown };
    await this.db
      .updateTable("federationApplications")
      .set({
        status: "refused",
        refusal: JSON.stringify({
          message: typeof error.message === "string" ? error.message : "办理地平台拒绝了该申请",
          fields: typeof error.fields === "object" && error.fields ? error.fields : {},
        }),
        updatedAt: nowIso(),
      })
      .where("number", "=", message.purposeCase)
      .execute();
  }

  /**
   * Sends one message to a peer and checks its signed answer. Throws when the peer is unknown,
   * unreachable, too slow, or answers something that is not its signed JSON (garbage).
   */
  async call(
    peerCode: string,
    message: {
      kind: string;
      idempotencyKey: string;
      purposeCase: string;
      payload: Record<string, unknown>;
      /** The legal basis the message names (FEDERATION_BASIS unless given: a registry query names its own). */
      basis?: string;
    },
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const peer = await this.peerByCode(peerCode);
    if (!peer || peer.status !== "active") throw new Error(`peer ${peerCode} is not trusted`);
    const envelope: Envelope = {
      kind: message.kind,
      idempotencyKey: message.idempotencyKey,
      from: this.settings.id,
      payload: message.payload,
    };
    const signed = await signedRequest(
      `${peer.baseUrl}${MESSAGES_PATH}`,
      await this.key(),
      JSON.stringify(envelope),
      { caseNo: message.purposeCase, basis: message.basis ?? FEDERATION_BASIS },
    );
    let response: Response;
    let text: string;
    try {
      ({ response, text } = await this.withTimeout(async (signal) => {
        const r = await this.fetcher(signed.url, {
          method: "POST",
          headers: signed.headers,
          body: signed.body,
          signal,
        });
        return { response: r, text: await r.text() };
      }));
    } catch (error) {
      const name = (error as Error).name;
      throw new Error(
        name === "TimeoutError" || name === "AbortError"
          ? `对方平台 ${this.settings.timeoutMs} 毫秒内未应答`
          : `无法连接对方平台（${(error as Error).message}）`,
        { cause: error },
      );
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    const key = publicKeyFromJwk(JSON.parse(peer.publicJwk) as object);
    const problem = await answerProblem({ status: response.status, headers, body: text }, async (kid) =>
      kid === peer.keyId ? (key as KeyObject) : null,
    );
    if (problem) throw new Error(`对方应答无法验证（HTTP ${response.status}，${problem.slice(0, 120)}）`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error("对方应答不是 JSON");
    }
    if (typeof json !== "object" || json === null) throw new Error("对方应答不是 JSON 对象");
    return { status: response.status, json: json as Record<string, unknown> };
  }

  /**
   * Runs a peer call with the time-out, rejecting with a TimeoutError when it passes even if the
   * fetch ignores its signal. The timer is a normal (ref'd) one, cleared when the call settles:
   * AbortSignal.timeout's timer does not keep the process alive, so a one-shot worker (a CLI tick)
   * waiting on a peer that never answers would exit with the message still claimed.
   */
  private async withTimeout<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const reason = new DOMException("peer did not answer in time", "TimeoutError");
        controller.abort(reason);
        reject(reason);
      }, this.settings.timeoutMs);
    });
    try {
      return await Promise.race([run(controller.signal), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- operator console ------------------------------------------------------------------------

  async outboxPage(
    filter: { status?: string; stuckOnly?: boolean },
    page: number,
    pageSize = 20,
  ): Promise<Page<OutboxMessage>> {
    let q = this.db.selectFrom("federationOutbox");
    if (filter.status) q = q.where("status", "=", filter.status as OutboxRow["status"]);
    if (filter.stuckOnly) q = q.where("status", "=", "pending").where("attempts", ">", 0);
    const listed = q
      .select([
        "id",
        "peerCode",
        "kind",
        "idempotencyKey",
        "purposeCase",
        "status",
        "attempts",
        "nextAttemptAt",
        "lastError",
        "createdAt",
        "updatedAt",
        "deliveredAt",
      ])
      .orderBy("id", "desc");
    return paginate(listed, page, pageSize);
  }

  async outboxCounts(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom("federationOutbox")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("status")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Operator: try a waiting or refused message again now. */
  async retry(id: number, actor: string): Promise<void> {
    const result = await this.db
      .updateTable("federationOutbox")
      .set({ status: "pending", nextAttemptAt: nowIso(), updatedAt: nowIso() })
      .where("id", "=", id)
      .where("status", "in", ["pending", "refused"])
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new Invalid("该消息已送达或已取消，不能重试");
    await this.audit.record({
      actor,
      action: "federation.outbox.retry",
      targetType: "federation_outbox",
      targetId: id,
    });
    this.kick();
  }

  /** Operator: give up on a waiting message (the citizen's application shows it was cancelled). */
  async cancel(id: number, actor: string): Promise<void> {
    const message = await this.db
      .selectFrom("federationOutbox")
      .select(["kind", "purposeCase"])
      .where("id", "=", id)
      .executeTakeFirst();
    const result = await this.db
      .updateTable("federationOutbox")
      .set({ status: "cancelled", updatedAt: nowIso() })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .executeTakeFirst();
    if (!message || Number(result.numUpdatedRows) !== 1) throw new Invalid("只能取消等待发送的消息");
    if (message.kind === "application.submit")
      await this.db
        .updateTable("federationApplications")
        .set({ status: "cancelled", updatedAt: nowIso() })
        .where("number", "=", message.purposeCase)
        .where("status", "=", "forwarding")
        .execute();
    await this.audit.record({
      actor,
      action: "federation.outbox.cancel",
      targetType: "federation_outbox",
      targetId: id,
    });
  }

  // ---- receiving -------------------------------------------------------------------------------

  /**
   * Receives one signed message from a peer and answers it signed. The exchange's checks run first
   * (signature by a trusted peer's key, created window, digest, purpose, nonce once); then the
   * idempotency key is claimed: a retry gets the first answer again, never a second effect.
   */
  async receive(incoming: IncomingMessage): Promise<SignedReply> {
    const context = { keyId: "", purpose: null as null | { caseNo: string; basis: string } };
    let peer: Peer | undefined;
    let envelope: Envelope | null = null;
    let status: number;
    let body: unknown;
    try {
      await this.exchange.verifyCall(
        {
          method: incoming.method,
          url: incoming.url,
          headers: headerMap(incoming.headers),
          body: incoming.body,
        },
        context,
        async (keyId) => {
          peer = await this.activePeerByKey(keyId);
          return peer ? publicKeyFromJwk(JSON.parse(peer.publicJwk) as object) : null;
        },
        MAX_MESSAGE_BYTES,
      );
      envelope = parseEnvelope(incoming.body);
      if (envelope.from !== peer!.code) throw federationRefusal("peer_mismatch");
      ({ status, body } = await this.once(peer!, envelope, context.purpose!, context.keyId));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const reason = errorCodeOf(error);
      status = httpStatusOf(error);
      body = apiError(
        reason === "unknown_key" ? "unknown_peer" : reason,
        error.message,
        Object.keys(error.fields).length > 0 ? error.fields : undefined,
      );
    }
    await this.audit.record({
      actor: `federation:${peer?.code ?? (context.keyId.slice(0, 60) || "unknown")}`,
      action: `federation.receive.${envelope?.kind.slice(0, 40) ?? "message"}`,
      targetType: "federation_message",
      targetId: envelope?.idempotencyKey.slice(0, 100) ?? "-",
      detail: { purpose: context.purpose?.caseNo ?? "", status },
    });
    return signedAnswer(await this.key(), status, JSON.stringify(body));
  }

  private async once(
    peer: Peer,
    envelope: Envelope,
    purpose: { caseNo: string; basis: string },
    keyId: string,
  ): Promise<{ status: number; body: unknown }> {
    const caseNo = purpose.caseNo;
    if (envelope.kind === "catalogue") return { status: 200, body: await this.catalogueFor() };
    // A query changes nothing and its answer holds personal data: it is not kept in the inbox (the
    // nonce already refuses a replay); the exchange audit keeps what was read, for whom.
    if (envelope.kind === "registry.query") return this.answerQuery(peer, envelope, purpose, keyId);
    const claimed = await this.db
      .insertInto("federationInbox")
      .values({
        peerCode: peer.code,
        idempotencyKey: envelope.idempotencyKey,
        kind: envelope.kind,
        state: "processing",
        status: 0,
        answer: "",
        receivedAt: nowIso(),
      })
      .onConflict((oc) => oc.columns(["peerCode", "idempotencyKey"]).doNothing())
      .executeTakeFirst();
    if (Number(inserted_(claimed)) !== 1) {
      const seen = await this.db
        .selectFrom("federationInbox")
        .select(["state", "status", "answer"])
        .where("peerCode", "=", peer.code)
        .where("idempotencyKey", "=", envelope.idempotencyKey)
        .executeTakeFirstOrThrow();
      if (seen.state !== "done") throw federationRefusal("in_progress");
      return { status: seen.status, body: JSON.parse(seen.answer) as unknown };
    }
    let status = 200;
    let body: unknown;
    try {
      body = await this.handle(peer, envelope, caseNo);
    } catch (error) {
      if (!(error instanceof DomainError)) {
        // Nothing was answered: the key is given back so the sender's retry is processed again.
        await this.releaseInbox(peer.code, envelope.idempotencyKey);
        throw error;
      }
      status = httpStatusOf(error);
      body = apiError(errorCodeOf(error), error.message, error.fields);
    }
    await this.db
      .updateTable("federationInbox")
      .set({ state: "done", status, answer: JSON.stringify(body) })
      .where("peerCode", "=", peer.code)
      .where("idempotencyKey", "=", envelope.idempotencyKey)
      .execute();
    return { status, body };
  }

  private async releaseInbox(peerCode: string, key: string): Promise<void> {
    await this.db
      .deleteFrom("federationInbox")
      .where("peerCode", "=", peerCode)
      .where("idempotencyKey", "=", key)
      .execute();
  }

  private async handle(peer: Peer, envelope: Envelope, caseNo: string): Promise<unknown> {
    switch (envelope.kind) {
      case "application.submit":
        return this.receiveApplication(peer, envelope, caseNo);
      case "application.status":
        return this.receiveStatus(peer, envelope.payload, caseNo);
      default:
        throw federationRefusal("unknown_kind", envelope.kind.slice(0, 40));
    }
  }

  /** This platform's offered items, with guide and current form (a peer's catalogue pull). */
  private async catalogueFor(): Promise<{ items: unknown[] }> {
    const items = [];
    for (const code of await this.offerCodes()) {
      const item = await this.oneStop.catalogue.byCode(code);
      if (!item) continue;
      const form = await this.oneStop.forms.current(item);
      items.push({
        code: item.code,
        name: item.name,
        department: item.guide.implementingBody,
        guide: item.guide,
        form: form.schema,
        formVersion: form.version,
      });
    }
    return { items };
  }

  /**
   * A peer's citizen applies for one of this platform's items: it becomes a normal application here
   * (the applicant's account found by ID number, or created for them), checked with this platform's
   * form, marked as federated from the peer. Form problems are answered with this form's messages.
   */
  private async receiveApplication(peer: Peer, envelope: Envelope, caseNo: string): Promise<unknown> {
    const p = envelope.payload;
    const applicant = (p.applicant ?? {}) as { name?: unknown; idNumber?: unknown; phone?: unknown };
    if (typeof p.originNo !== "string" || p.originNo !== caseNo)
      throw federationRefusal("envelope_invalid", "办件编号须与 Exchange-Purpose 的 case 一致");
    if (typeof applicant.name !== "string" || typeof applicant.idNumber !== "string" || !applicant.name)
      throw federationRefusal("applicant_invalid");
    if (typeof p.itemCode !== "string" || !(await this.offerCodes()).includes(p.itemCode))
      throw federationRefusal("unknown_item", String(p.itemCode ?? "").slice(0, 60));
    const item = await this.oneStop.catalogue.byCode(p.itemCode);
    if (!item) throw federationRefusal("unknown_item", p.itemCode);
    const linked = await this.db
      .selectFrom("federationInbound")
      .select("applicationId")
      .where("peerCode", "=", peer.code)
      .where("originNo", "=", p.originNo)
      .executeTakeFirst();
    if (linked) {
      const app = await this.oneStop.applications.byId(linked.applicationId);
      return { trackingNo: app?.trackingNo, status: app?.status, duplicate: true };
    }
    const account = await this.applicantAccount(peer, {
      name: applicant.name,
      idNumber: applicant.idNumber,
      phone: typeof applicant.phone === "string" ? applicant.phone : "",
    });
    const raw = sanitizeRaw(p.raw);
    const files = Array.isArray(p.files)
      ? (p.files as Record<string, unknown>[])
          .slice(0, 50)
          .flatMap((f) =>
            typeof f.field === "string" && typeof f.fileName === "string" && typeof f.data === "string"
              ? [{ field: f.field, fileName: f.fileName.slice(0, 200), bytes: Buffer.from(f.data, "base64") }]
              : [],
          )
      : [];
    const form = await this.oneStop.forms.current(item);
    const result = await this.oneStop.applications.save({
      account,
      item,
      form,
      raw,
      files,
      idempotencyKey: `fed-${peer.code}-${p.originNo}`.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64),
      submit: true,
    });
    if (Object.keys(result.errors).length > 0) {
      const labels = new Map(form.schema.fields.map((f) => [f.name, f.label]));
      const fields = Object.fromEntries(
        Object.entries(result.errors).map(([k, v]) => [k, labels.has(k) ? `${labels.get(k)}：${v}` : v]),
      );
      throw federationRefusal("form_invalid", Object.values(fields).join("；").slice(0, 300), fields);
    }
    await this.db
      .insertInto("federationInbound")
      .values({
        applicationId: result.application.id,
        peerCode: peer.code,
        originNo: p.originNo,
        sentEvents: 0,
        createdAt: nowIso(),
      })
      .onConflict((oc) => oc.column("applicationId").doNothing())
      .execute();
    this.kick();
    return { trackingNo: result.application.trackingNo, status: result.application.status };
  }

  /** The applicant's account here: their own if they have one, else one made for them (no password). */
  private async applicantAccount(
    peer: Peer,
    applicant: { name: string; idNumber: string; phone: string },
  ): Promise<Account> {
    const idNumber = applicant.idNumber.trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(idNumber)) throw federationRefusal("applicant_invalid", "身份证号码格式不对");
    const existing = await this.accounts.byIdNumber(idNumber);
    if (existing) return existing;
    await this.accounts.seedVerified([
      {
        kind: "person",
        loginName: `ph:fed-${peer.code}-${randomBytes(9).toString("base64url")}`,
        name: applicant.name.slice(0, 60),
        phone: applicant.phone.slice(0, 20),
        passwordHash: "!federated",
        idNumber,
      },
    ]);
    const created = await this.accounts.byIdNumber(idNumber);
    if (!created) throw new Error("federated applicant account was not created");
    await this.audit.record({
      actor: `federation:${peer.code}`,
      action: "federation.applicant.create",
      targetType: "account",
      targetId: created.id,
    });
    return created;
  }

  /** A status change reported by the owner of a forwarded application (B's side). */
  private async receiveStatus(peer: Peer, p: Record<string, unknown>, caseNo: string): Promise<unknown> {
    if (typeof p.originNo !== "string" || p.originNo !== caseNo || typeof p.seq !== "number")
      throw federationRefusal("envelope_invalid", "状态消息须有 originNo 与 seq");
    const app = await this.db
      .selectFrom("federationApplications")
      .select(["id", "lastSeq"])
      .where("number", "=", p.originNo)
      .where("peerCode", "=", peer.code)
      .executeTakeFirst();
    if (!app) throw federationRefusal("unknown_application", p.originNo.slice(0, 40));
    const text = (v: unknown, max: number) => (typeof v === "string" ? v.slice(0, max) : "");
    await this.db
      .insertInto("federationEvents")
      .values({
        applicationId: app.id,
        seq: p.seq,
        action: text(p.action, 40),
        label: text(p.label, 100),
        status: text(p.status, 40),
        note: text(p.note, 500) || null,
        at: text(p.at, 40) || nowIso(),
      })
      .onConflict((oc) => oc.columns(["applicationId", "seq"]).doNothing())
      .execute();
    await this.db
      .updateTable("federationApplications")
      .set({
        status: "submitted",
        remoteNo: text(p.remoteNo, 40) || null,
        remoteStatus: text(p.status, 40),
        remoteStatusLabel: text(p.statusLabel, 60),
        lastSeq: p.seq,
        updatedAt: nowIso(),
      })
      .where("id", "=", app.id)
      .where("lastSeq", "<", p.seq)
      .execute();
    return { ok: true };
  }

  /** A's side: every new event of an application received from a peer becomes a status message. */
  async reportChanges(): Promise<number> {
    const links = await this.db
      .selectFrom("federationInbound")
      .selectAll()
      .orderBy("id", "desc")
      .limit(500)
      .execute();
    let queued = 0;
    for (const link of links) {
      const events = await this.oneStop.applications.events(link.applicationId);
      if (events.length <= link.sentEvents) continue;
      const app = await this.oneStop.applications.byId(link.applicationId);
      if (!app) continue;
      for (let seq = link.sentEvents + 1; seq <= events.length; seq++) {
        const event = events[seq - 1]!;
        const status = event.toStatus ?? app.status;
        await this.enqueue(
          {
            peerCode: link.peerCode,
            kind: "application.status",
            idempotencyKey: `status-${this.settings.id}-${app.trackingNo}-${seq}`,
            purposeCase: link.originNo,
          },
          {
            originNo: link.originNo,
            remoteNo: app.trackingNo,
            seq,
            action: event.action,
            label: ACTION_LABELS[event.action] ?? event.action,
            status,
            statusLabel: STATUS_LABELS[seq === events.length ? app.status : status] ?? status,
            note: event.actorKind === "staff" ? event.note : null,
            at: event.at,
          },
        );
        queued++;
      }
      await this.db
        .updateTable("federationInbound")
        .set({ sentEvents: events.length })
        .where("id", "=", link.id)
        .where("sentEvents", "<", events.length)
        .execute();
    }
    if (queued > 0) this.kick();
    return queued;
  }

  /** Whether a local application came from a peer (A's console marks it). */
  async inboundOf(
    applicationId: number,
  ): Promise<{ peerCode: string; peerName: string; originNo: string } | null> {
    const link = await this.db
      .selectFrom("federationInbound")
      .select(["peerCode", "originNo"])
      .where("applicationId", "=", applicationId)
      .executeTakeFirst();
    return link ? { ...link, peerName: await this.peerName(link.peerCode) } : null;
  }
}

/** The exchange member code of a peer platform (its grants here). */
export function peerMemberCode(peerCode: string): string {
  return `peer-${peerCode}`;
}

function inserted_(result: { numInsertedOrUpdatedRows?: bigint }): number {
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

function errorText(answer: { status: number; json: Record<string, unknown> }): string {
  const error = answer.json.error as { code?: unknown; message?: unknown } | undefined;
  return `HTTP ${answer.status} ${String(error?.code ?? "")} ${String(error?.message ?? "")}`
    .trim()
    .slice(0, 500);
}

function parseEnvelope(body: Buffer): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw federationRefusal("envelope_invalid");
  }
  const e = parsed as Partial<Envelope> | null;
  if (
    !e ||
    typeof e.kind !== "string" ||
    typeof e.from !== "string" ||
    typeof e.idempotencyKey !== "string" ||
    e.idempotencyKey.length < 8 ||
    e.idempotencyKey.length > 120 ||
    typeof e.payload !== "object" ||
    e.payload === null
  )
    throw federationRefusal("envelope_invalid");
  return e as Envelope;
}

/** Raw form input from a peer: only string and string-array values, bounded. */
function sanitizeRaw(raw: unknown): RawInput {
  if (typeof raw !== "object" || raw === null) return {};
  const out: RawInput = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>).slice(0, 300)) {
    if (typeof v === "string") out[k] = v.slice(0, 5000);
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === "string").slice(0, 100);
  }
  return out;
}

function toItem(row: Selectable<FederatedItemRow>): FederatedItem {
  return { ...row, guide: JSON.parse(row.guide) as Guide, form: JSON.parse(row.form) as FormSchema };
}

function toOutbound(row: Selectable<OutboundApplicationRow>): OutboundApplication {
  const { data: _data, refusal, ...rest } = row;
  return {
    ...rest,
    refusal: refusal ? (JSON.parse(refusal) as { message: string; fields: Record<string, string> }) : null,
  };
}
