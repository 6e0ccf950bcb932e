import type { OneStopDeps } from "./deps.ts";

import { hashPassword } from "../../platform/auth/passwords.ts";

import { creditCodeCheckChar, idCheckChar } from "../../platform/validation/china-ids.ts";

import { DEMO_PASSWORD } from "../../seed/demo-password.ts";

import { DEMO_ITEMS } from "./demo-items.ts";

import type { Guide } from "./guide.ts";

export const DEFAULT_HOURS =
  "工作日上午9:00—12:00，下午13:30—17:00（法定节假日除外）；网上办理全天24小时受理";

/** Seeds the demo service catalogue (called once from the demo seed). */
export async function seedServiceHall(deps: OneStopDeps): Promise<number> {
  const actor = "system:seed";
  let n = 0;
  for (const d of DEMO_ITEMS) {
    const site = deps.sites.byCodeCached(d.site);
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
    await deps.oneStop.catalogue.save(
      { code: `${site.siteCode}-${d.seq}`, name: d.name, itemType: d.itemType, siteId: site.id, guide },
      actor,
    );
    n++;
  }
  await seedDemoAccounts(deps);
  await seedDemoForms(deps);
  await seedHandlers(deps);
  await seedBundles(deps);
  return n;
}

export const DEMO_BUNDLES = [
  {
    code: "kbcyd",
    name: "开办餐饮店",
    description: "营业执照、食品经营许可、公章刻制备案、税务登记信息确认一次申请，共用信息只填一次。",
    items: [
      ["scjg", "XK-0001"],
      ["scjg", "XK-0003"],
      ["gat", "GG-0001"],
      ["swj", "QT-0001"],
    ],
    lifeEvent: "开办餐饮店",
    audience: "legal",
  },
  {
    code: "xsecs",
    name: "新生儿出生一件事",
    description: "出生登记、城乡居民医保参保登记、社会保障卡申领一次办理。",
    items: [
      ["gat", "QR-0002"],
      ["ybj", "GG-0002"],
      ["rst", "GG-0004"],
    ],
    lifeEvent: "新生儿出生",
    audience: "person",
  },
  {
    code: "tx",
    name: "退休一件事",
    description: "基本养老保险待遇申领与住房公积金提取一次办理。",
    items: [
      ["rst", "JF-0002"],
      ["zjt", "GG-0002"],
    ],
    lifeEvent: "退休",
    audience: "person",
  },
];

async function seedBundles(deps: OneStopDeps): Promise<void> {
  for (const [i, b] of DEMO_BUNDLES.entries()) {
    const itemCodes = b.items.map(([site, seq]) => `${deps.sites.byCodeCached(site)!.siteCode}-${seq}`);
    await deps.oneStop.bundles.create(
      {
        code: b.code,
        name: b.name,
        description: b.description,
        itemCodes,
        lifeEvent: b.lifeEvent,
        audience: b.audience,
      },
      i,
    );
  }
}

/** A staff-defined form showing every field type (灵活就业登记). */
export const FLEXIBLE_EMPLOYMENT_FORM = {
  fields: [
    { name: "applicantName", label: "姓名", type: "text", required: true, maxLength: 30 },
    { name: "idNumber", label: "身份证号码", type: "idnumber", required: true },
    { name: "phone", label: "手机号码", type: "phone", required: true },
    { name: "address", label: "居住地址", type: "address", required: true },
    { name: "startDate", label: "灵活就业开始日期", type: "date", required: true },
    {
      name: "form",
      label: "就业形式",
      type: "select",
      required: true,
      options: ["个体经营", "非全日制就业", "新就业形态（平台就业）", "其他灵活就业"],
    },
    {
      name: "platform",
      label: "平台企业名称",
      type: "text",
      required: true,
      when: { field: "form", equals: "新就业形态（平台就业）" },
    },
    { name: "monthlyIncome", label: "月均收入（元）", type: "number", min: 0, max: 1000000 },
    {
      name: "needs",
      label: "需要的服务",
      type: "multiselect",
      options: ["社会保险参保", "职业技能培训", "创业担保贷款", "就业岗位推荐"],
    },
    {
      name: "household",
      label: "共同生活的家庭成员",
      type: "group",
      maxRows: 6,
      fields: [
        { name: "name", label: "姓名", type: "text", required: true, maxLength: 30 },
        {
          name: "relation",
          label: "关系",
          type: "select",
          required: true,
          options: ["配偶", "子女", "父母", "其他"],
        },
        { name: "idNumber", label: "身份证号码", type: "idnumber" },
      ],
    },
    { name: "proof", label: "灵活就业情况说明", type: "file", hint: "PDF、JPG、PNG，不超过5MB" },
  ],
};

async function seedDemoForms(deps: OneStopDeps): Promise<void> {
  const site = deps.sites.byCodeCached("rst");
  if (!site) return;
  const item = await deps.oneStop.catalogue.byCode(`${site.siteCode}-GG-0003`, true);
  if (item)
    await deps.oneStop.forms.save(item, JSON.stringify(FLEXIBLE_EMPLOYMENT_FORM), "示范表单", "system:seed");
}

/**
 * One handler (承办人) per department, city and county (username CODE_handler, in the 窗口受理组 and 业务审查组) and one
 * leader (CODE_leader, 分管领导: decides, approves extensions, receives 督办), the demo password; the
 * provincial supervising office (省政务服务管理办公室) on the portal with `zwfw_supervisor`.
 */
async function seedHandlers(deps: OneStopDeps): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const db = deps.store.db;
  const { workflows } = deps.oneStop;
  // The interaction seed may already have made this department's handler: the account is reused.
  const user = (username: string, displayName: string, siteId: number) =>
    deps.staff.ensureSeedUser({ username, displayName, passwordHash, roles: [{ siteId, role: "handler" }] });
  const join = (groupId: number, userId: number) =>
    db
      .insertInto("serviceGroupMembers")
      .values({ groupId, userId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  for (const site of deps.sites.list().filter((s) => s.kind !== "portal")) {
    const short =
      site.kind === "department"
        ? site.name.replace(/^楚云省|^国家税务总局楚云省/, "")
        : `${site.name.replace(/人民政府$/, "")}政务服务中心`;
    const handler = await user(`${site.code}_handler`, `${short}承办人`, site.id);
    const leader = await user(`${site.code}_leader`, `${short}分管领导`, site.id);
    const [window, review, leaders] = await workflows.ensureDefaultGroups(site.id);
    await join(window.id, handler);
    await join(review.id, handler);
    await join(leaders.id, leader);
  }
  const office = await deps.oneStop.supervision.supervisionGroup();
  if (office)
    await join(office.id, await user("zwfw_supervisor", "省政务服务管理办公室督办员", office.siteId));
}

/** Demo citizen and enterprise accounts (README lists them), already real-name verified. */
export const DEMO_CITIZENS = {
  person: { loginName: "13900000001", name: "张三", idNumber: "42010219900307003" },
  enterprise: { loginName: "91420100MA4K00001", name: "楚云示范餐饮有限公司" },
};

async function seedDemoAccounts(deps: OneStopDeps): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const p = DEMO_CITIZENS.person;
  const e = DEMO_CITIZENS.enterprise;
  const idNumber = p.idNumber + idCheckChar(p.idNumber);
  const creditCode = e.loginName + creditCodeCheckChar(e.loginName);
  await deps.accounts.seedVerified([
    { kind: "person", loginName: p.loginName, name: p.name, idNumber, phone: p.loginName, passwordHash },
    {
      kind: "enterprise",
      loginName: creditCode,
      name: e.name,
      creditCode,
      contactName: "李四",
      phone: "13900000002",
      passwordHash,
    },
  ]);
}
