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
