import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { JWK } from "jose";
import { KvStore } from "../../platform/kv/kv-store.ts";
import { hashPassword } from "../../platform/auth/passwords.ts";
import { DEMO_PASSWORD } from "../../seed/demo-password.ts";
import type { StaffRole } from "../staff/index.ts";
import type { ExchangeScope } from "./requests.ts";
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

/**
 * Demo data officers (数据管理员): the portal's is the data authority (合规审核, 异议裁定); the public
 * security department provides the population resource; the human-resources department consumes.
 */
export const EXCHANGE_STAFF: { username: string; displayName: string; site: string; department: string }[] = [
  { username: "www_data", displayName: "平台数据管理员", site: "www", department: "楚云省人民政府" },
  { username: "gat_data", displayName: "公安厅数据管理员", site: "gat", department: "楚云省公安厅" },
  {
    username: "rst_data",
    displayName: "人社厅数据管理员",
    site: "rst",
    department: "楚云省人力资源和社会保障厅",
  },
];

/** A consumer member system of the human-resources department (its private key is not kept: demo). */
const DEMO_RST_MEMBER = {
  code: "rst-jiuye",
  name: "就业创业服务系统",
  department: "楚云省人力资源和社会保障厅",
};

async function seedAccessDemo(deps: ExchangeDeps): Promise<void> {
  if (await deps.exchange.memberByCode(DEMO_RST_MEMBER.code)) return;
  await deps.sites.refresh();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const s of EXCHANGE_STAFF) {
    const site = deps.sites.byCodeCached(s.site);
    if (!site) return;
    await deps.staff.ensureSeedUser({
      username: s.username,
      displayName: s.displayName,
      passwordHash,
      roles: [{ siteId: site.id, role: "data_officer" as StaffRole }],
    });
  }
  const { publicKey } = generateKeyPairSync("ed25519");
  const member = await deps.exchange.registerMember(
    { ...DEMO_RST_MEMBER, publicJwk: publicKey.export({ format: "jwk" }) as JWK },
    "system:seed",
  );
  const consumer: ExchangeScope = {
    actor: "rst_data",
    all: false,
    authority: false,
    departments: [DEMO_RST_MEMBER.department],
  };
  const authority: ExchangeScope = { actor: "www_data", all: false, authority: true, departments: [] };
  const terms = {
    memberId: member.id,
    expiresOn: shiftDays(chinaDate(), 300),
    dailyQuota: 2000,
    ratePerMinute: 60,
  };
  // One waiting for the compliance check (filed 6 days ago: overdue), one waiting for the provider.
  await deps.exchange.requests.apply(
    {
      ...terms,
      resourceCode: "RK-0001",
      fields: ["idNumber", "name", "birthDate"],
      purpose: "就业登记时核验劳动者身份，免交身份证复印件",
      legalBasis: "《就业服务与就业管理规定》第六十一条",
    },
    consumer,
    new Date(Date.now() - 6 * 86_400_000),
  );
  const second = await deps.exchange.requests.apply(
    {
      ...terms,
      resourceCode: "FR-0001",
      fields: ["creditCode", "name", "status"],
      purpose: "创业补贴审核时核验市场主体登记状态",
      legalBasis: "《优化营商环境条例》第三十七条",
    },
    consumer,
  );
  await deps.exchange.requests.checkCompliance(
    second.id,
    { compliant: true, note: "用途与信息项相符", needsPublication: false },
    authority,
  );
}

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
  } else {
    // A demo sample corrected in the code (e.g. a check character) reaches catalogues seeded before it.
    for (const demo of DEMO_RESOURCES) {
      const stored = await deps.exchange.resource(demo.code);
      if (stored && JSON.stringify(stored.sample) !== JSON.stringify(demo.sample))
        await deps.exchange.publishResource({ ...stored, sample: demo.sample });
    }
  }
  await seedAccessDemo(deps);
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
