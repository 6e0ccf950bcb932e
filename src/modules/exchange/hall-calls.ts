import { generateKeyPairSync } from "node:crypto";
import type { JWK } from "jose";
import type { Db } from "../../platform/db/database.ts";
import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";
import { chinaDate, chinaDayStart, shiftDays } from "../../platform/time/china-time.ts";
import { signedQuery, type MemberCredentials } from "./client.ts";
import type { ExchangeService, Purpose } from "./service.ts";
import type { ExchangeTables } from "./tables.ts";

/**
 * The platform's own service hall (一网通办) as a member system of the exchange. When an applicant
 * consents to 免提交, the hall fetches the record through the same gateway every department system
 * uses: an Ed25519-signed query with Content-Digest and an Exchange-Purpose naming the application
 * number and the service item's legal basis, checked against the hall's grants, answered by the hub
 * and written to the hash-chained exchange audit — so the read shows on the citizen's "谁查看了我的数据"
 * page like any other. No network hop: the signed call is handed to ExchangeService.query directly.
 */
export const HALL_MEMBER = {
  code: "onestop-hall",
  name: "楚云省一网通办服务大厅",
  department: "楚云省政务服务和大数据管理局",
};

/** What the hall may read, per resource (the grants it is given on first use). */
const HALL_GRANTS: { resource: string; fields: string[]; purpose: string; legalBasis: string }[] = [
  {
    resource: "RK-0001",
    fields: ["idNumber", "name", "gender", "birthDate", "nation", "districtCode", "address", "householdNo"],
    purpose: "经申请人同意，办件受理时调取本人身份、户籍信息，替代提交居民身份证、户口簿",
    legalBasis: "《政务服务条例》；《国务院关于在线政务服务的若干规定》（国务院令第716号）第十条",
  },
  {
    resource: "FR-0001",
    fields: [
      "creditCode",
      "name",
      "kind",
      "legalRepresentative",
      "foundedOn",
      "districtCode",
      "status",
      "registeredCapital",
      "industryCode",
    ],
    purpose: "经申请单位同意，办件受理时调取市场主体登记信息",
    legalBasis: "《优化营商环境条例》第三十七条",
  },
  {
    resource: "ZZ-0001",
    fields: ["licenceNo", "kind", "holderId", "holderName", "issuer", "issuedOn", "validUntil", "status"],
    purpose: "经申请人同意，办件受理时调取电子证照目录信息，替代提交营业执照、驾驶证等证照",
    legalBasis: "《国务院关于在线政务服务的若干规定》（国务院令第716号）第十条",
  },
];

/** Where the hall's calls appear to go (the gateway's path; the signature covers it). */
const HALL_BASE_URL = "http://exchange.internal";

interface HallKv {
  "hall-member": MemberCredentials;
}

export type HallFetch =
  | {
      ok: true;
      /** The exchange audit record of the call. */
      auditSeq: number;
      resource: string;
      fields: string[];
      records: Record<string, unknown>[];
    }
  | { ok: false; auditSeq: number | null; resource: string; reason: string; message: string };

export class HallGateway {
  private readonly kv: KvScope<HallKv>;
  private credentials: MemberCredentials | null = null;

  constructor(
    private readonly exchange: ExchangeService,
    private readonly store: Db<ExchangeTables>,
  ) {
    this.kv = new KvStore(store.db).scope<HallKv>("exchange-hall");
  }

  private pending: Promise<MemberCredentials> | null = null;

  /** The hall's member key, registering the member and its grants on first use (idempotent). */
  private member(): Promise<MemberCredentials> {
    if (this.credentials) return Promise.resolve(this.credentials);
    // One registration per process, however many applications are submitted at the same moment.
    this.pending ??= this.register().finally(() => (this.pending = null));
    return this.pending;
  }

  private async register(): Promise<MemberCredentials> {
    let stored = await this.kv.get("hall-member");
    if (!stored) {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const fresh = { keyId: "", privateJwk: privateKey.export({ format: "jwk" }) as JWK };
      const publicJwk = publicKey.export({ format: "jwk" }) as JWK;
      if (!(await this.exchange.memberByCode(HALL_MEMBER.code))) {
        try {
          const member = await this.exchange.registerMember({ ...HALL_MEMBER, publicJwk }, "system:onestop");
          fresh.keyId = member.keyId;
          // The key is kept before the grants: a failure below leaves a member that can still sign
          // (its calls are refused with a clear reason until the grants exist), never one without a key.
          await this.kv.setIfAbsent("hall-member", fresh);
          const expiresAt = chinaDayStart(shiftDays(chinaDate(), 3 * 365))!.toISOString();
          for (const g of HALL_GRANTS)
            await this.exchange.grant(
              {
                memberId: member.id,
                resourceCode: g.resource,
                fields: g.fields,
                purpose: g.purpose,
                legalBasis: g.legalBasis,
                expiresAt,
                dailyQuota: 100_000,
              },
              "system:onestop",
            );
        } catch (error) {
          // Another instance is registering the hall at the same moment: wait for what it stores.
          if (!(await this.waitForKey())) throw error;
        }
      }
      stored = (await this.kv.get("hall-member")) ?? (await this.waitForKey());
      if (!stored) throw new Error("the hall's exchange member exists without its key");
    }
    this.credentials = stored;
    return stored;
  }

  private async waitForKey(): Promise<MemberCredentials | undefined> {
    for (let i = 0; i < 50; i++) {
      const stored = await this.kv.get("hall-member");
      if (stored) return stored;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }

  /**
   * One signed, purpose-bound query on behalf of the hall; answers the records or why there are none.
   * Every call, served or refused, is in the exchange audit (its seq is returned).
   */
  async fetch(
    resource: string,
    query: { filter: Record<string, string>; fields: string[] },
    purpose: Purpose,
  ): Promise<HallFetch> {
    const credentials = await this.member();
    const call = await signedQuery(HALL_BASE_URL, credentials, resource, query, purpose);
    const answer = await this.exchange.query(resource, {
      method: "POST",
      url: call.url,
      headers: call.headers,
      body: Buffer.from(call.body),
    });
    const audit = await this.store.db
      .selectFrom("exchangeAudit")
      .select("seq")
      .where("member", "=", HALL_MEMBER.code)
      .where("purposeCase", "=", purpose.caseNo)
      .where("responseDigest", "=", answer.headers["content-digest"]!)
      .orderBy("seq", "desc")
      .executeTakeFirst();
    const auditSeq = audit ? Number(audit.seq) : null;
    const body = JSON.parse(answer.body) as {
      records?: Record<string, unknown>[];
      error?: { code: string; message: string };
    };
    if (answer.status !== 200 || !body.records)
      return {
        ok: false,
        auditSeq,
        resource,
        reason: body.error?.code ?? "refused",
        message: body.error?.message ?? "数据共享交换平台未应答",
      };
    if (body.records.length === 0)
      return { ok: false, auditSeq, resource, reason: "no_record", message: "未查到与申请人相符的记录" };
    return { ok: true, auditSeq: auditSeq ?? 0, resource, fields: query.fields, records: body.records };
  }
}
