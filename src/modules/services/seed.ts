import type { Services } from "../../app.ts";
import { hashPassword } from "../../platform/auth/passwords.ts";
import { nowIso } from "../../platform/db/time.ts";
import { creditCodeCheckChar, idCheckChar } from "../../platform/validation/china-ids.ts";
import { DEMO_PASSWORD } from "../../seed/demo.ts";
import { DEMO_ITEMS } from "./demo-items.ts";
import type { Guide } from "./guide.ts";

export const DEFAULT_HOURS =
  "工作日上午9:00—12:00，下午13:30—17:00（法定节假日除外）；网上办理全天24小时受理";

/** Seeds the demo service catalogue (called once from the demo seed). */
export async function seedServiceHall(services: Services): Promise<number> {
  const actor = "system:seed";
  let n = 0;
  for (const d of DEMO_ITEMS) {
    const site = services.sites.byCodeCached(d.site);
    if (!site) continue;
    const guide: Guide = {
      implementingBody: site.name,
      legalBasis: d.legalBasis,
      conditions: d.conditions,
      materials: d.materials.map((m) => ({
        form: m.sparedBy ? "电子件" : "原件",
        copies: 1,
        required: true,
        ...m,
      })),
      steps: [
        { name: "申请", description: "申请人通过楚云政务服务网在线填写申请表并上传材料" },
        { name: "受理", description: "承办人对申请材料进行预审，材料齐全、符合法定形式的予以受理" },
        { name: "审查", description: "承办人对申请材料进行审查，必要时进行核查" },
        { name: "决定", description: "作出准予或不予办理的决定" },
        { name: "送达", description: "办理结果通过电子证照、邮寄或窗口领取方式送达" },
      ],
      legalLimitDays: d.legal,
      committedLimitDays: d.committed,
      fees: d.fees,
      place: `${site.name}政务服务窗口（楚云省政务服务中心）；楚云政务服务网`,
      hours: DEFAULT_HOURS,
      consultation: `咨询电话：${site.contact}；12345政务服务便民热线`,
      complaint: "12345政务服务便民热线；楚云政务服务网“好差评”",
      onlineDepth: d.onlineDepth,
      visits: d.visits,
      audience: d.audience,
      themes: d.themes,
      lifeEvents: d.lifeEvents,
      result: d.result,
    };
    await services.oneStop.catalogue.save(
      { code: `${site.siteCode}-${d.seq}`, name: d.name, itemType: d.itemType, siteId: site.id, guide },
      actor,
    );
    n++;
  }
  await seedDemoAccounts(services);
  return n;
}

/** Demo citizen and enterprise accounts (README lists them), already real-name verified. */
export const DEMO_CITIZENS = {
  person: { loginName: "13900000001", name: "张三", idNumber: "42010219900307003" },
  enterprise: { loginName: "91420100MA4K00001", name: "楚云示范餐饮有限公司" },
};

async function seedDemoAccounts(services: Services): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const p = DEMO_CITIZENS.person;
  const e = DEMO_CITIZENS.enterprise;
  const idNumber = p.idNumber + idCheckChar(p.idNumber);
  const creditCode = e.loginName + creditCodeCheckChar(e.loginName);
  const common = { passwordHash, verified: 1, provider: "local", createdAt: nowIso() };
  await services.store.db
    .insertInto("accounts")
    .values([
      {
        ...common,
        kind: "person",
        loginName: p.loginName,
        subject: p.loginName,
        name: p.name,
        idNumber,
        phone: p.loginName,
      },
      {
        ...common,
        kind: "enterprise",
        loginName: creditCode,
        subject: creditCode,
        name: e.name,
        creditCode,
        contactName: "李四",
        phone: "13900000002",
      },
    ])
    .execute();
}
