import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { JWK } from "jose";
import { KvStore } from "../../platform/kv/kv-store.ts";
import { nowIso, shiftDays, chinaDate, chinaDayStart } from "../../platform/time/china-time.ts";
import { DEMO_RESOURCES } from "./catalogue.ts";
import type { ExchangeDeps } from "./deps.ts";
import { generateRegistries } from "./registries.ts";

/** Where the demo consumer's credentials are written, relative to DATA_DIR (demo only; README). */
export const DEMO_CONSUMER_FILE = join("exchange", "demo-consumer.json");
const DEMO_CONSUMER = {
  code: "demo-consumer",
  name: "楚云省一网通办受理系统（演示）",
  department: "楚云省政务服务和大数据管理局",
};
const DEMO_FIELDS = ["idNumber", "name", "gender", "birthDate", "districtCode", "address", "householdNo"];

export interface DemoCredentials {
  keyId: string;
  privateJwk: JWK;
  resource: string;
  fields: string[];
  filter: Record<string, string>;
}

/**
 * The demo exchange, idempotently on every start of a demo instance: the catalogue, the base registries
 * (every verified demo account plus generated residents and enterprises) and one consumer system with
 * a grant, whose credentials file lets anyone try a signed call.
 */
export async function seedExchange(deps: ExchangeDeps): Promise<void> {
  const db = deps.store.db;
  const actor = "system:seed";
  if ((await deps.exchange.catalogue()).length === 0) {
    const publishedAt = nowIso();
    for (const resource of DEMO_RESOURCES) await deps.exchange.publishResource({ ...resource, publishedAt });
    await deps.exchange.loadRegistries(generateRegistries(await deps.accounts.verifiedHolders()));
  }
  // The private key is kept for rewriting the file on another instance; the filter (a demo person's
  // ID number) is not stored in clear: it is looked up again when the file is written.
  const kv = new KvStore(db).scope<{ "demo-consumer": Omit<DemoCredentials, "filter"> }>("exchange");
  let credentials = await kv.get("demo-consumer");
  if (!credentials) {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    if ((await deps.accounts.verifiedHolders()).people.length === 0) return;
    const member = await deps.exchange.registerMember(
      { ...DEMO_CONSUMER, publicJwk: publicKey.export({ format: "jwk" }) as JWK },
      actor,
    );
    const expires = chinaDayStart(shiftDays(chinaDate(), 365))!.toISOString();
    await deps.exchange.grant(
      {
        memberId: member.id,
        resourceCode: "RK-0001",
        fields: DEMO_FIELDS,
        purpose: "政务服务办件受理时核验申请人身份、户籍信息，申请材料免提交",
        legalBasis: "《政务服务条例》；《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》",
        expiresAt: expires,
        dailyQuota: 10000,
      },
      actor,
    );
    await deps.exchange.grant(
      {
        memberId: member.id,
        resourceCode: "FR-0001",
        fields: [
          "creditCode",
          "name",
          "kind",
          "legalRepresentative",
          "registeredCapital",
          "foundedOn",
          "districtCode",
          "industryCode",
          "status",
        ],
        purpose: "企业办事时核验市场主体登记信息",
        legalBasis: "《优化营商环境条例》第三十七条",
        expiresAt: expires,
        dailyQuota: 10000,
      },
      actor,
    );
    const fresh = {
      keyId: member.keyId,
      privateJwk: privateKey.export({ format: "jwk" }) as JWK,
      resource: "RK-0001",
      fields: DEMO_FIELDS,
    };
    await kv.setIfAbsent("demo-consumer", fresh);
    credentials = (await kv.get("demo-consumer"))!;
  }
  const file = join(deps.config.dataDir, DEMO_CONSUMER_FILE);
  const person = (await deps.accounts.verifiedHolders()).people[0];
  if (!existsSync(file) && person) {
    const written: DemoCredentials = { ...credentials, filter: { idNumber: person.idNumber } };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(written, null, 2)}\n`, { mode: 0o600 });
  }
}
