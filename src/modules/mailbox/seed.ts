import type { StaffRole } from "../staff/index.ts";

import type { LetterKind, LetterRating, LetterStatus } from "./tables.ts";

import { createHash, randomBytes } from "node:crypto";

import type { MailboxDeps } from "./deps.ts";

import { chinaDate, nowIso } from "../../platform/time/china-time.ts";

import { DEFAULT_SETTINGS } from "./model.ts";

import { simhash } from "./screening.ts";

/** Demo handlers (password as the other demo accounts). */
export const INTERACTION_STAFF: { username: string; displayName: string; roles: [string, StaffRole][] }[] = [
  { username: "rst_handler", displayName: "人社厅信件承办人", roles: [["rst", "handler"]] },
  { username: "zjt_handler", displayName: "住建厅信件承办人", roles: [["zjt", "handler"]] },
  { username: "zjt_reviewer", displayName: "住建厅信件审核员", roles: [["zjt", "reviewer"]] },
];

const RULES: [string, string][] = [
  ["养老", "rst"],
  ["社保", "rst"],
  ["就业", "rst"],
  ["工资", "rst"],
  ["公积金", "zjt"],
  ["住房", "zjt"],
  ["物业", "zjt"],
  ["医保", "ybj"],
  ["学校", "jyt"],
];

interface DemoLetter {
  site: string;
  owner: string | null;
  kind: LetterKind;
  subject: string;
  content: string;
  answer?: string;
  name: string;
  phone: string;
  daysAgo: number;
  replyAfterWorkingDays?: number;
  consent: boolean;
  publish?: boolean;
  rating?: [LetterRating, boolean];
  status?: LetterStatus;
  flags?: string;
}

const LETTERS: DemoLetter[] = [
  {
    site: "www",
    owner: "rst",
    kind: "consult",
    subject: "跨省工作后养老保险关系如何转移接续？",
    content:
      "我叫陈小明，电话13812345678，2024年从外省调入江城市工作，原参保地缴费15年，请问养老保险关系怎么转到本省？需要准备哪些材料？",
    answer:
      "您好！养老保险关系跨省转移可通过国家社会保险公共服务平台或“掌上12333”线上申请，也可到新参保地社保经办机构窗口办理，只需提供身份证件。转入地受理后15个工作日内完成联系函和转移手续。",
    name: "陈小明",
    phone: "13812345678",
    daysAgo: 30,
    replyAfterWorkingDays: 2,
    consent: true,
    publish: true,
    rating: ["satisfied", true],
  },
  {
    site: "zjt",
    owner: "zjt",
    kind: "consult",
    subject: "租房提取住房公积金每月能提多少？",
    content: "本人在江城市租房，无自有住房，想提取住房公积金支付房租，请问提取额度和频次是怎样规定的？",
    answer:
      "您好！无房职工租房提取住房公积金，按月或按季提取，每月提取额度不超过当地规定标准（江城市为1500元/月），可通过公积金网上服务大厅办理。",
    name: "刘芳",
    phone: "13987654321",
    daysAgo: 25,
    replyAfterWorkingDays: 3,
    consent: true,
    publish: true,
    rating: ["basic", true],
  },
  {
    site: "rst",
    owner: "rst",
    kind: "complaint",
    subject: "公司拖欠工资两个月未发",
    content: "我在江城市某电子厂工作，公司已拖欠两个月工资，多次协商未果，请劳动监察部门帮助解决。",
    answer:
      "您好！您反映的问题已转江城市劳动保障监察支队核查。经查，该企业因资金周转困难拖欠工资属实，监察支队已责令其限期支付，目前已全部补发。",
    name: "赵强",
    phone: "13700001111",
    daysAgo: 28,
    replyAfterWorkingDays: 12,
    consent: true,
    publish: true,
  },
  {
    site: "www",
    owner: "zjt",
    kind: "suggestion",
    subject: "建议老旧小区加装电梯简化审批",
    content:
      "我所在小区是1990年代的老旧小区，居民多为老年人，希望加装电梯的审批流程能够简化，补贴政策更加明确。",
    answer:
      "感谢您的建议！我厅正会同相关部门修订老旧小区加装电梯指导意见，拟推行“一窗受理、并联审批”，并明确财政补贴标准，修订稿将公开征求意见。",
    name: "孙丽",
    phone: "13600002222",
    daysAgo: 20,
    replyAfterWorkingDays: 18,
    consent: false,
    rating: ["unsatisfied", true],
  },
  {
    site: "rst",
    owner: "rst",
    kind: "help",
    subject: "失业保险金申领后迟迟未到账",
    content: "我于上月在网上申领了失业保险金，审核已通过，但至今没有到账，请帮忙查询原因。",
    name: "周杰",
    phone: "13500003333",
    daysAgo: 24,
    consent: true,
    status: "assigned",
  },
  {
    site: "www",
    owner: null,
    kind: "other",
    subject: "关于城市夜间噪音扰民的反映",
    content: "我家附近的工地经常夜间施工到凌晨，噪音很大，影响休息，希望有关部门管一管。",
    name: "吴敏",
    phone: "13400004444",
    daysAgo: 1,
    consent: true,
    status: "screened",
  },
  {
    site: "www",
    owner: null,
    kind: "other",
    subject: "代开发票加微信",
    content: "代开发票，正规税点低，加微信详谈，兼职日结。",
    name: "某某",
    phone: "13300005555",
    daysAgo: 0,
    consent: false,
    status: "submitted",
    flags: "spam",
  },
  {
    site: "scjg",
    owner: "scjg",
    kind: "consult",
    subject: "开个体小吃店需要办哪些证？",
    content: "我想在江城市开一家小吃店，只卖米粉和包子，请问需要办理哪些证照？能在网上办吗？",
    answer:
      "您好！开办小吃店需办理个体工商户营业执照和食品经营许可（小餐饮可办理小餐饮经营许可），均可通过楚云政务服务网“开办餐饮店一件事”一次申请，材料齐全的1个工作日内办结。",
    name: "王丽",
    phone: "13600003301",
    daysAgo: 21,
    replyAfterWorkingDays: 2,
    consent: true,
    publish: true,
    rating: ["satisfied", true],
  },
  {
    site: "ybj",
    owner: "ybj",
    kind: "consult",
    subject: "父母来江城市长住，看病怎么用老家的医保？",
    content: "我父母是外省城乡居民医保参保人，今年来江城市跟我长住，看病怎么才能直接用医保结算？",
    answer:
      "您好！您父母可在参保地办理异地长期居住备案，可通过国家医保服务平台APP或参保地经办机构办理，备案后在江城市定点医疗机构就医可直接结算。",
    name: "李建军",
    phone: "13600003302",
    daysAgo: 19,
    replyAfterWorkingDays: 3,
    consent: true,
    publish: true,
    rating: ["satisfied", true],
  },
  {
    site: "jyt",
    owner: "jyt",
    kind: "consult",
    subject: "随迁子女在江城市上小学要准备什么材料？",
    content: "我们一家在江城市务工多年，孩子明年上小学，没有本地户口，报名需要准备哪些材料？",
    answer:
      "您好！随迁子女入学需提供监护人居住证、务工或经营证明及户口簿，具体以江城市教育局当年招生政策为准，一般于每年5月在网上报名。",
    name: "周敏",
    phone: "13600003303",
    daysAgo: 17,
    replyAfterWorkingDays: 4,
    consent: true,
    publish: true,
    rating: ["basic", true],
  },
  {
    site: "swj",
    owner: "swj",
    kind: "consult",
    subject: "个人所得税年度汇算退税多久到账？",
    content: "我3月份提交了个税年度汇算，显示退税审核中，请问一般多久能到账？",
    answer:
      "您好！退税申请经税务机关审核后，一般在15个工作日内由国库退付至您填报的银行账户。您可在个人所得税APP“申报查询”中查看进度。",
    name: "孙晓峰",
    phone: "13600003304",
    daysAgo: 16,
    replyAfterWorkingDays: 2,
    consent: true,
    publish: true,
    rating: ["satisfied", true],
  },
  {
    site: "gat",
    owner: "gat",
    kind: "consult",
    subject: "身份证丢了在外地能补办吗？",
    content: "我户籍在云梦市，现在在江城市工作，身份证丢了，能在江城市补办吗？",
    answer:
      "您好！居民身份证已实现全国异地受理，您可携带户口簿或其他身份证明到江城市任一户政窗口申请补领，办理时需现场采集照片和指纹。",
    name: "吴海燕",
    phone: "13600003305",
    daysAgo: 14,
    replyAfterWorkingDays: 2,
    consent: true,
    publish: true,
    rating: ["satisfied", true],
  },
  {
    site: "mzt",
    owner: "mzt",
    kind: "consult",
    subject: "家里老人80岁了，高龄津贴怎么申请？",
    content: "我父亲今年满80周岁，户籍在青溪县，请问高龄津贴在哪里申请，每月能领多少？",
    answer:
      "您好！本省户籍年满80周岁的老年人可申领高龄津贴，可在楚云政务服务网全程网办，也可到户籍地乡镇（街道）便民服务中心申请，标准按各地规定执行。",
    name: "郑国栋",
    phone: "13600003306",
    daysAgo: 13,
    replyAfterWorkingDays: 3,
    consent: true,
    publish: true,
    rating: ["satisfied", true],
  },
  {
    site: "czt",
    owner: "czt",
    kind: "suggestion",
    subject: "建议预算公开表格提供可下载的电子表格",
    content: "省级部门预算公开只有网页表格，建议同时提供Excel等可下载格式，方便公众分析。",
    answer: "感谢您的建议！我厅已要求自2027年起，省级预决算公开在网页表格之外同步提供可下载的电子表格文件。",
    name: "冯立新",
    phone: "13600003307",
    daysAgo: 12,
    replyAfterWorkingDays: 6,
    consent: true,
    publish: true,
    rating: ["satisfied", true],
  },
  {
    site: "jiangcheng",
    owner: "jiangcheng",
    kind: "complaint",
    subject: "小区门口道路施工围挡半年未拆",
    content: "江城市滨江路小区门口的道路施工围挡已经设置半年，工程早已停工，影响居民出行，请尽快处理。",
    answer:
      "您好！经市城管部门现场核查，该围挡所属工程已完工，施工单位已于本周拆除围挡并恢复路面，感谢您的监督。",
    name: "褚文斌",
    phone: "13600003308",
    daysAgo: 11,
    replyAfterWorkingDays: 5,
    consent: true,
    publish: true,
    rating: ["satisfied", true],
  },
  {
    site: "yunmeng",
    owner: "yunmeng",
    kind: "consult",
    subject: "残疾人护理补贴需要每年重新申请吗？",
    content: "我母亲是一级肢体残疾，已经在领重度残疾人护理补贴，请问需要每年重新申请吗？",
    answer:
      "您好！两项补贴实行动态管理，无需每年重新申请，但需配合民政部门的定期核查；如户籍、残疾等级等情况发生变化，请及时告知乡镇（街道）。",
    name: "卫春梅",
    phone: "13600003309",
    daysAgo: 10,
    replyAfterWorkingDays: 3,
    consent: true,
    publish: true,
    rating: ["basic", true],
  },
  {
    site: "qingxi",
    owner: "qingxi",
    kind: "consult",
    subject: "在老宅基地上翻建房屋要审批吗？",
    content: "我家老房子年久失修，想在原宅基地上拆旧建新，层数不变，需要审批吗？",
    answer:
      "您好！原址翻建农村住房也需办理宅基地和建房（规划许可）审批，可通过楚云政务服务网网上预审，乡镇审批时限为20个工作日。",
    name: "蒋秀兰",
    phone: "13600003310",
    daysAgo: 9,
    replyAfterWorkingDays: 4,
    consent: true,
    publish: true,
    rating: ["satisfied", true],
  },
  {
    site: "baishui",
    owner: "baishui",
    kind: "complaint",
    subject: "小区里有人遛狗不拴绳",
    content: "白水县城关镇某小区经常有人遛狗不拴绳，老人孩子都很害怕，希望有关部门管一管。",
    answer:
      "您好！县公安局已会同城管部门在该小区开展文明养犬宣传和巡查，对不拴绳的养犬人进行了批评教育，并将持续巡查。",
    name: "沈俊杰",
    phone: "13600003311",
    daysAgo: 8,
    replyAfterWorkingDays: 3,
    consent: true,
    publish: true,
    rating: ["basic", true],
  },
];

/** Seeds demo staff for the mailbox, routing rules, and letters in every state (one overdue). */
export async function seedInteraction(deps: MailboxDeps, passwordHash: string): Promise<void> {
  const { store, sites, mailbox } = deps;
  const db = store.db;
  const cal = await mailbox.workingDays();
  for (const staff of INTERACTION_STAFF)
    await deps.staff.ensureSeedUser({
      username: staff.username,
      displayName: staff.displayName,
      passwordHash,
      roles: staff.roles.map(([code, role]) => ({ siteId: sites.byCodeCached(code)!.id, role })),
    });
  for (const [keyword, code] of RULES) {
    const site = sites.byCodeCached(code);
    if (site)
      await db
        .insertInto("letterRules")
        .values({ keyword, targetSiteId: site.id, createdAt: nowIso() })
        .execute();
  }
  const now = Date.now();
  for (const [i, d] of LETTERS.entries()) {
    const site = sites.byCodeCached(d.site)!;
    const owner = d.owner ? sites.byCodeCached(d.owner)! : null;
    const created = new Date(now - d.daysAgo * 86_400_000);
    const limitDays = DEFAULT_SETTINGS.limits[d.kind];
    const due = cal.addWorkingDays(created, limitDays);
    // Never in the future (holidays can push N working days past today): at the latest two days ago,
    // so the rating a day after the reply is in the past too.
    const replied =
      d.replyAfterWorkingDays != null
        ? new Date(
            Math.min(cal.addWorkingDays(created, d.replyAfterWorkingDays).getTime(), now - 2 * 86_400_000),
          )
        : null;
    const status = d.status ?? (d.publish ? "published" : "reviewed");
    const masked = mailbox.letters.publicDraft({
      name: d.name,
      subject: d.subject,
      content: d.content,
      answer: d.answer ?? "",
    });
    const row = await db
      .insertInto("letters")
      .values({
        queryNo: `${chinaDate(created).replace(/-/g, "")}9${String(i).padStart(5, "0")}`,
        lookupHash: createHash("sha256").update(randomBytes(12).toString("base64url")).digest("hex"),
        siteId: site.id,
        addresseeKind: site.kind === "portal" ? "leader" : "department",
        addresseeSiteId: site.id,
        kind: d.kind,
        subject: d.subject,
        content: d.content,
        name: d.name,
        phone: store.cipher.seal(d.phone),
        phoneIndex: store.cipher.blindIndex("phone", d.phone),
        email: "",
        address: "",
        publishConsent: d.consent ? 1 : 0,
        status,
        flags: d.flags ?? "",
        simhash: simhash(`${d.subject}\n${d.content}`),
        duplicateOfId: null,
        similarity: null,
        ownerSiteId: owner?.id ?? null,
        transferToSiteId: null,
        transferReason: null,
        transferCount: 0,
        limitDays,
        extendedDays: 0,
        extensionReason: null,
        dueAt: due.toISOString(),
        answer: d.answer ?? null,
        answeredAt: replied?.toISOString() ?? null,
        repliedAt: replied?.toISOString() ?? null,
        publicSubject: d.publish ? masked.subject : null,
        publicContent: d.publish ? masked.content : null,
        publicAnswer: d.publish ? masked.answer : null,
        publishedAt: d.publish && replied ? replied.toISOString() : null,
        rating: d.rating?.[0] ?? null,
        solved: d.rating ? (d.rating[1] ? 1 : 0) : null,
        ratingNote: d.rating ? "" : null,
        ratedAt: d.rating && replied ? new Date(replied.getTime() + 86_400_000).toISOString() : null,
        reopenCount: 0,
        ipHash: "",
        source: "seed",
        createdAt: created.toISOString(),
        updatedAt: (replied ?? created).toISOString(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const events: [string, string, Date][] = [["citizen", "submitted", created]];
    if (status !== "submitted") events.push(["system", "screened", created]);
    if (owner) events.push(["system", "assigned", created]);
    if (replied) events.push(["seed", "reviewed", replied]);
    if (d.publish && replied) events.push(["seed", "published", replied]);
    for (const [actor, action, at] of events)
      await db
        .insertInto("letterEvents")
        .values({
          letterId: row.id,
          at: at.toISOString(),
          actor,
          action,
          status,
          note: action === "assigned" ? owner!.name : "",
          public: 1,
        })
        .execute();
    if (d.publish) await mailbox.letters.reindex(row.id);
  }
}
