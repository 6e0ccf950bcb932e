import { chinaDate, shiftDays } from "../../platform/time/china-time.ts";
import type { PoliciesDeps } from "./deps.ts";
import type { Operator, RuleCondition, Status } from "./engine.ts";
import type { LifecycleStage } from "./tables.ts";

const c = (
  fact: string,
  operator: Operator,
  value: RuleCondition["value"],
  clause: string,
): RuleCondition => ({
  fact,
  operator,
  value,
  clause,
});

interface DemoPolicy {
  site: string;
  title: string;
  docNumber: string;
  /** Article text: one paragraph per clause. */
  clauses: string[];
  benefits: {
    code: string;
    title: string;
    summary: string;
    stage: LifecycleStage;
    amount: string;
    /** The hall item (its sequence within the site) holding the service guide. */
    serviceItemSeq?: string;
    conditions: RuleCondition[];
    cases: { name: string; profile: Record<string, unknown>; expected: Status }[];
  }[];
}

const OK = { registryStatus: "存续", districtCode: "420100", foundedOn: "2020-05-01" };

/** ≥ 12 benefits from 6 departments, each with its policy document and interpretation. */
export const DEMO_POLICIES: DemoPolicy[] = [
  {
    site: "rst",
    title: "楚云省人力资源和社会保障厅关于进一步做好稳就业惠企工作的通知",
    docNumber: "楚人社发〔2026〕18号",
    clauses: [
      "第一条 在本省依法登记、正常经营一年以上的企业，上年度未裁员或裁员率低于规定标准的，可享受失业保险稳岗返还，实行免申即享。",
      "第二条 小微企业招用毕业年度高校毕业生，签订一年以上劳动合同并缴纳社会保险的，给予社会保险补贴。",
      "第三条 从业人员300人以下的企业新招用高校毕业生的，给予一次性扩岗补助，每人1500元。",
    ],
    benefits: [
      {
        code: "RST-WGFH",
        title: "失业保险稳岗返还",
        summary: "按上年度实际缴纳失业保险费的60%返还，免申即享。",
        stage: "operate",
        amount: "上年度缴纳失业保险费的60%",
        conditions: [
          c("registryStatus", "equal", "存续", "第一条（依法登记、正常经营）"),
          c("yearsSinceFounded", "greaterThanInclusive", 1, "第一条（经营一年以上）"),
          c("districtCode", "startsWith", "42", "第一条（在本省登记）"),
        ],
        cases: [
          { name: "本省存续五年企业", profile: OK, expected: "eligible" },
          { name: "外省企业", profile: { ...OK, districtCode: "110105" }, expected: "ineligible" },
          {
            name: "缺少登记状态",
            profile: { districtCode: "420100", foundedOn: "2020-05-01" },
            expected: "possible",
          },
        ],
      },
      {
        code: "RST-SBBT",
        title: "小微企业吸纳高校毕业生社会保险补贴",
        summary: "按实际缴纳的社会保险费给予补贴，期限最长一年。",
        stage: "expand",
        amount: "单位缴纳部分全额补贴",
        serviceItemSeq: "GG-0001",
        conditions: [
          c("sizeClass", "in", ["micro", "small"], "第二条（小微企业）"),
          c("newHires", "greaterThanInclusive", 1, "第二条（招用毕业年度高校毕业生）"),
        ],
        cases: [
          { name: "小型企业招用2人", profile: { sizeClass: "small", newHires: 2 }, expected: "eligible" },
          { name: "大型企业", profile: { sizeClass: "large", newHires: 2 }, expected: "ineligible" },
          { name: "未填招用人数", profile: { sizeClass: "micro" }, expected: "possible" },
        ],
      },
      {
        code: "RST-KGBZ",
        title: "一次性扩岗补助",
        summary: "新招用高校毕业生，每人1500元。",
        stage: "expand",
        amount: "每人1500元",
        conditions: [
          c("headcount", "lessThanInclusive", 300, "第三条（从业人员300人以下）"),
          c("newHires", "greaterThanInclusive", 1, "第三条（新招用高校毕业生）"),
        ],
        cases: [
          { name: "45人企业招用1人", profile: { headcount: 45, newHires: 1 }, expected: "eligible" },
          { name: "500人企业", profile: { headcount: 500, newHires: 1 }, expected: "ineligible" },
        ],
      },
    ],
  },
  {
    site: "scjg",
    title: "楚云省市场监督管理局关于优化企业开办服务的若干措施",
    docNumber: "楚市监发〔2026〕13号",
    clauses: [
      "第一条 新开办企业（成立不满一年、登记状态为存续）免费刻制首套印章，由登记信息直接核定，免申即享。",
      "第二条 个体工商户转型为有限责任公司且成立不满一年的，给予一次性奖励。",
      "第三条 注册资本100万元以上的小微企业首次申请商标注册的，给予规费补助。",
    ],
    benefits: [
      {
        code: "SCJG-KZMF",
        title: "新开办企业免费刻制首套印章",
        summary: "成立一年内的新办企业，首套印章费用由财政承担。",
        stage: "start",
        amount: "首套4枚印章费用",
        conditions: [
          c("yearsSinceFounded", "lessThan", 1, "第一条（成立不满一年）"),
          c("registryStatus", "equal", "存续", "第一条（登记状态为存续）"),
        ],
        cases: [
          {
            name: "今年成立",
            profile: { foundedOn: shiftDays(chinaDate(), -30), registryStatus: "存续" },
            expected: "eligible",
          },
          { name: "成立五年", profile: OK, expected: "ineligible" },
        ],
      },
      {
        code: "SCJG-GZQ",
        title: "个体工商户转型升级为企业奖励",
        summary: "“个转企”一次性奖励5000元。",
        stage: "start",
        amount: "5000元",
        conditions: [
          c("kind", "equal", "有限责任公司", "第二条（转型为有限责任公司）"),
          c("yearsSinceFounded", "lessThan", 1, "第二条（成立不满一年）"),
        ],
        cases: [
          {
            name: "新成立有限公司",
            profile: { kind: "有限责任公司", foundedOn: shiftDays(chinaDate(), -10) },
            expected: "eligible",
          },
          {
            name: "老企业",
            profile: { kind: "有限责任公司", foundedOn: "2010-01-01" },
            expected: "ineligible",
          },
        ],
      },
      {
        code: "SCJG-SBBZ",
        title: "小微企业商标注册规费补助",
        summary: "首次申请商标注册的小微企业，补助规费。",
        stage: "operate",
        amount: "每件300元，最多5件",
        conditions: [
          c("registeredCapital", "greaterThanInclusive", 1_000_000, "第三条（注册资本100万元以上）"),
          c("sizeClass", "in", ["micro", "small"], "第三条（小微企业）"),
        ],
        cases: [
          {
            name: "注册资本200万的小型企业",
            profile: { registeredCapital: 2_000_000, sizeClass: "small" },
            expected: "eligible",
          },
        ],
      },
    ],
  },
  {
    site: "swj",
    title: "国家税务总局楚云省税务局关于落实支持小微企业和科技创新税费优惠政策的公告",
    docNumber: "楚云省税务局公告2026年第2号",
    clauses: [
      "第一条 从业人数不超过300人、上年度营业收入不超过5000万元的小型微利企业，减按25%计入应纳税所得额。",
      "第二条 研发费用占营业收入比例不低于3%、纳税信用等级为A、B或M级的企业，可享受研发费用加计扣除。",
      "第三条 纳税信用A级企业办理增值税留抵退税，适用绿色通道。",
    ],
    benefits: [
      {
        code: "SWJ-XWQY",
        title: "小型微利企业所得税优惠",
        summary: "减按25%计入应纳税所得额，按20%税率缴纳企业所得税。",
        stage: "operate",
        amount: "实际税负5%",
        conditions: [
          c("headcount", "lessThanInclusive", 300, "第一条（从业人数不超过300人）"),
          c("annualRevenue", "lessThanInclusive", 5000, "第一条（营业收入不超过5000万元）"),
        ],
        cases: [
          { name: "45人1800万", profile: { headcount: 45, annualRevenue: 1800 }, expected: "eligible" },
          { name: "营业收入过高", profile: { headcount: 45, annualRevenue: 9000 }, expected: "ineligible" },
        ],
      },
      {
        code: "SWJ-YFJJ",
        title: "研发费用加计扣除",
        summary: "研发费用按实际发生额的100%在税前加计扣除。",
        stage: "expand",
        amount: "加计扣除100%",
        conditions: [
          c("rdRatio", "greaterThanInclusive", 3, "第二条（研发费用占比不低于3%）"),
          c("taxCreditGrade", "in", ["A", "B", "M"], "第二条（纳税信用A、B、M级）"),
        ],
        cases: [
          { name: "占比5%的A级企业", profile: { rdRatio: 5, taxCreditGrade: "A" }, expected: "eligible" },
          { name: "D级企业", profile: { rdRatio: 5, taxCreditGrade: "D" }, expected: "ineligible" },
        ],
      },
      {
        code: "SWJ-LDTS",
        title: "纳税信用A级企业留抵退税绿色通道",
        summary: "增值税留抵退税优先办理。",
        stage: "operate",
        amount: "优先退还留抵税额",
        conditions: [c("taxCreditGrade", "equal", "A", "第三条（纳税信用A级）")],
        cases: [{ name: "A级企业", profile: { taxCreditGrade: "A" }, expected: "eligible" }],
      },
    ],
  },
  {
    site: "czt",
    title: "楚云省财政厅关于支持中小企业融资和参与政府采购的通知",
    docNumber: "楚财金发〔2026〕5号",
    clauses: [
      "第一条 中小微企业纳税信用等级不为C、D级的，其流动资金贷款可获得财政贴息。",
      "第二条 政府采购项目预留份额专门面向中小微企业采购。",
      "第三条 依法办理歇业备案的企业，歇业期间的财政担保费予以减免。",
    ],
    benefits: [
      {
        code: "CZT-DKTX",
        title: "中小企业流动资金贷款贴息",
        summary: "按贷款市场报价利率的50%给予贴息。",
        stage: "expand",
        amount: "LPR的50%",
        conditions: [
          c("sizeClass", "in", ["micro", "small", "medium"], "第一条（中小微企业）"),
          c("taxCreditGrade", "notIn", ["C", "D"], "第一条（纳税信用不为C、D级）"),
        ],
        cases: [
          { name: "B级小型企业", profile: { sizeClass: "small", taxCreditGrade: "B" }, expected: "eligible" },
        ],
      },
      {
        code: "CZT-ZFCG",
        title: "政府采购中小企业预留份额",
        summary: "超过200万元的货物和服务采购项目预留40%以上份额。",
        stage: "operate",
        amount: "预留份额不低于40%",
        conditions: [c("sizeClass", "in", ["micro", "small", "medium"], "第二条（中小微企业）")],
        cases: [{ name: "大型企业", profile: { sizeClass: "large" }, expected: "ineligible" }],
      },
      {
        code: "CZT-XYDB",
        title: "歇业期间担保费减免",
        summary: "歇业备案期间，政府性融资担保费全额减免。",
        stage: "exit",
        amount: "担保费全免",
        conditions: [c("registryStatus", "equal", "歇业", "第三条（办理歇业备案）")],
        cases: [{ name: "存续企业", profile: { registryStatus: "存续" }, expected: "ineligible" }],
      },
    ],
  },
  {
    site: "jyt",
    title: "楚云省教育厅关于深化产教融合校企合作的实施意见",
    docNumber: "楚教职成〔2026〕2号",
    clauses: ["第五条 从业人员50人以上、纳税信用良好的企业与职业院校共建实训基地的，给予建设补助。"],
    benefits: [
      {
        code: "JYT-SXJD",
        title: "校企共建实训基地补助",
        summary: "每个实训基地最高补助50万元。",
        stage: "expand",
        amount: "最高50万元",
        conditions: [
          c("headcount", "greaterThanInclusive", 50, "第五条（从业人员50人以上）"),
          c("taxCreditGrade", "in", ["A", "B"], "第五条（纳税信用良好）"),
        ],
        cases: [
          { name: "45人企业", profile: { headcount: 45, taxCreditGrade: "A" }, expected: "ineligible" },
        ],
      },
    ],
  },
  {
    site: "zjt",
    title: "楚云省住房和城乡建设厅关于支持建筑业企业做大做强的若干措施",
    docNumber: "楚建文〔2026〕9号",
    clauses: ["第四条 注册资本1000万元以上的建筑业企业首次取得总承包一级资质的，给予一次性奖励。"],
    benefits: [
      {
        code: "ZJT-ZZSJ",
        title: "建筑业企业资质升级奖励",
        summary: "首次取得施工总承包一级资质奖励100万元。",
        stage: "expand",
        amount: "100万元",
        conditions: [
          c("industryCode", "startsWith", "E", "第四条（建筑业企业）"),
          c("registeredCapital", "greaterThanInclusive", 10_000_000, "第四条（注册资本1000万元以上）"),
        ],
        cases: [
          {
            name: "房屋建筑企业",
            profile: { industryCode: "E4710", registeredCapital: 20_000_000 },
            expected: "eligible",
          },
          {
            name: "餐饮企业",
            profile: { industryCode: "H6210", registeredCapital: 20_000_000 },
            expected: "ineligible",
          },
        ],
      },
    ],
  },
];

/** What the demo enterprise states about itself (beside what the registry gives). */
const DEMO_ENTERPRISE_FIELDS = {
  sizeClass: "small",
  headcount: 45,
  annualRevenue: 1800,
  taxCreditGrade: "A",
  newHires: 2,
};

/**
 * Demo benefits (once): policy documents and interpretations in the library, benefits with published
 * rules, the verified enterprises' profiles read through the exchange hub, and the first matching run.
 */
export async function seedPolicies(deps: PoliciesDeps): Promise<void> {
  const { policies, content, sites } = deps;
  if ((await policies.benefits()).length > 0) return;
  const actor = { id: null, name: "system:seed" };
  for (const p of DEMO_POLICIES) {
    const site = sites.byCodeCached(p.site);
    if (!site) continue;
    const channel = async (path: string) => (await sites.repo.channelByPath(site.id, path))?.id;
    const policyChannel = await channel("zwgk/zcwj");
    const doc = await content.create(
      {
        kind: "policy",
        title: p.title,
        bodyText: p.clauses.join("\n"),
        ownerSiteId: site.id,
        channelIds: policyChannel ? [policyChannel] : [],
        docNumber: p.docNumber,
        issuer: site.name,
        source: site.name,
        writtenAt: shiftDays(chinaDate(), -20),
        validity: "有效",
      },
      actor,
    );
    await content.submit(doc.id, actor);
    await content.publish(doc.id, actor);
    const interpretationChannel = await channel("zwgk/zcjd");
    const interpretation = await content.create(
      {
        kind: "interpretation",
        title: `一图读懂《${p.title.slice(site.name.length)}》`,
        bodyText: `一、出台背景\n为支持企业发展，${site.name}制定本政策。\n二、主要内容\n${p.benefits.map((b) => `${b.title}：${b.summary}`).join("\n")}\n三、如何享受\n登录楚云政务服务网企业服务专区，系统根据企业信息自动匹配并推送；符合“免申即享”的无需申请。`,
        ownerSiteId: site.id,
        channelIds: interpretationChannel ? [interpretationChannel] : [],
        source: site.name,
        policyId: doc.id,
      },
      actor,
    );
    await content.submit(interpretation.id, actor);
    await content.publish(interpretation.id, actor);
    const itemCode = async (seq: string | undefined) => {
      const code = seq ? `${site.siteCode}-${seq}` : null;
      return code && (await policies.serviceItemKnown(code)) ? code : null;
    };
    for (const b of p.benefits) {
      const benefit = await policies.createBenefit(
        {
          code: b.code,
          title: b.title,
          summary: b.summary,
          department: p.site,
          stage: b.stage,
          amount: b.amount,
          policyArticleId: doc.id,
          interpretationArticleId: interpretation.id,
          // The hall's guide when the demo catalogue has one; otherwise the console warns (7 working days).
          serviceItemCode: await itemCode(b.serviceItemSeq),
        },
        actor.name,
      );
      const version = await policies.saveVersion(
        benefit.id,
        { effectiveFrom: "2026-01-01", conditions: b.conditions, testCases: b.cases },
        actor.name,
      );
      await policies.publish(version.id, actor.name);
    }
  }
  const holders = await deps.accounts.verifiedHolders();
  for (const [i, e] of holders.entities.entries()) {
    const account = await deps.accounts.byCreditCode(e.creditCode);
    if (!account) continue;
    await policies.refreshFromRegistry(account.id);
    if (i === 0) await policies.confirmProfile(account.id, DEMO_ENTERPRISE_FIELDS, null);
  }
  await policies.sweep();
}
