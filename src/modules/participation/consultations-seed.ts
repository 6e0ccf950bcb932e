import type { ParticipationDeps } from "./deps.ts";

import type { Adoption, CommentStatus, QuestionKind } from "./tables.ts";

const DAY = 86_400_000;

/** Demo consultations (one open, one closed with its feedback) and one open survey with answers. */
export async function seedConsultationsAndSurveys(deps: ParticipationDeps): Promise<void> {
  const { store, sites, phone } = deps;
  const db = store.db;
  const rst = sites.byCodeCached("rst");
  const zjt = sites.byCodeCached("zjt");
  if (!rst || !zjt) return;
  const now = Date.now();
  const at = (days: number) => new Date(now + days * DAY).toISOString();

  const open = await db
    .insertInto("consultations")
    .values({
      siteId: rst.id,
      title: "《楚云省职业技能提升补贴管理办法（征求意见稿）》公开征求意见",
      draftText:
        "<h2>第一章 总则</h2><p>第一条 为规范职业技能提升补贴的申领和发放，提高资金使用效益，制定本办法。</p><p>第二条 本办法适用于在本省参加失业保险的企业职工取得职业资格证书或职业技能等级证书后申领技能提升补贴。</p><h2>第二章 补贴标准</h2><p>第三条 取得初级（五级）证书的，补贴1000元；中级（四级）1500元；高级（三级）2000元。</p>",
      opensAt: at(-5),
      closesAt: at(25),
      summary: null,
      summaryPublishedAt: null,
      createdBy: null,
      createdAt: at(-6),
      status: "published",
      publishedAt: at(-5),
      updatedAt: at(-5),
      updatedBy: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const closed = await db
    .insertInto("consultations")
    .values({
      siteId: zjt.id,
      title: "《楚云省住宅物业服务管理办法（征求意见稿）》公开征求意见",
      draftText:
        "<p>第一条 为规范住宅物业服务活动，维护业主和物业服务人的合法权益，制定本办法。</p><p>第二条 物业服务人应当公示服务内容、收费标准和收支情况。</p>",
      opensAt: at(-40),
      closesAt: at(-10),
      summary:
        "征求意见期间共收到社会各界意见3条，经认真研究，对公示频次、维修资金使用等意见予以采纳或部分采纳，未采纳的意见已说明理由。感谢社会各界的关心和支持。",
      summaryPublishedAt: at(-3),
      createdBy: null,
      createdAt: at(-41),
      status: "published",
      publishedAt: at(-40),
      updatedAt: at(-3),
      updatedBy: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const comment = (
    consultationId: number,
    name: string,
    phone: string,
    content: string,
    status: CommentStatus,
    daysAgo: number,
    adoption: Adoption | null = null,
    adoptionNote: string | null = null,
  ) => ({
    consultationId,
    name,
    phone: store.cipher.seal(phone),
    phoneIndex: store.cipher.blindIndex("phone", phone),
    content,
    status,
    adoption,
    adoptionNote,
    rejectReason: null,
    createdAt: at(-daysAgo),
    moderatedAt: status === "pending" ? null : at(-daysAgo + 1),
    moderatedBy: null,
    ipHash: "",
  });
  await db
    .insertInto("consultationComments")
    .values([
      comment(open.id, "周建国", "13800001111", "建议将高级技师（一级）证书纳入补贴范围。", "approved", 4),
      comment(open.id, "吴丽", "13800002222", "建议申领实行网上办理，免交证书复印件。", "approved", 3),
      comment(open.id, "郑强", "13800003333", "补贴能否按年度提高标准？", "pending", 1),
      comment(
        closed.id,
        "孙敏",
        "13800004444",
        "建议物业服务人每季度公示一次收支情况。",
        "approved",
        30,
        "adopted",
        "已在第二条明确按季度公示。",
      ),
      comment(
        closed.id,
        "钱伟",
        "13800005555",
        "维修资金使用应当经业主大会表决并公示。",
        "approved",
        25,
        "partly",
        "表决程序已有上位法规定，增加了公示要求。",
      ),
      comment(
        closed.id,
        "陈静",
        "13800006666",
        "建议由政府统一规定物业费标准。",
        "approved",
        20,
        "not_adopted",
        "普通住宅物业费实行市场调节价，由双方在合同中约定。",
      ),
    ])
    .execute();

  const survey = await db
    .insertInto("surveys")
    .values({
      siteId: rst.id,
      title: "社保经办服务满意度调查",
      description: "请根据您最近一次办理社会保险业务的体验作答，约需2分钟。",
      opensAt: at(-7),
      closesAt: at(23),
      createdAt: at(-8),
      status: "published",
      publishedAt: at(-7),
      createdBy: null,
      updatedAt: at(-7),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const questions: [QuestionKind, string, string[]][] = [
    ["single", "您对最近一次办理结果是否满意？", ["满意", "基本满意", "不满意"]],
    ["multi", "您通过哪些渠道办理过社保业务？", ["服务窗口", "网上服务大厅", "掌上12333", "自助终端"]],
    ["scale", "请为工作人员的服务态度打分", []],
    ["text", "您对改进社保经办服务还有什么建议？", []],
  ];
  const ids: number[] = [];
  for (const [i, [kind, text, options]] of questions.entries()) {
    const q = await db
      .insertInto("surveyQuestions")
      .values({
        surveyId: survey.id,
        sort: i + 1,
        kind,
        text,
        options: JSON.stringify(options),
        required: kind === "text" ? 0 : 1,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids.push(q.id);
  }
  const answers: [string, string[], string, string][] = [
    ["0", ["1", "2"], "5", "希望周末也能办理。"],
    ["0", ["0"], "4", ""],
    ["1", ["1"], "4", "网上办理的操作指引可以更清楚一些。"],
    ["0", ["2", "3"], "5", ""],
    ["2", ["0"], "2", "窗口排队时间太长。"],
  ];
  for (const [i, [single, multi, scale, text]] of answers.entries()) {
    const r = await db
      .insertInto("surveyResponses")
      .values({
        surveyId: survey.id,
        personHash: phone.personHash(`1370000000${i}`),
        createdAt: at(-6 + i),
        ipHash: "",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const rows = [
      { responseId: r.id, questionId: ids[0], value: single },
      ...multi.map((value) => ({ responseId: r.id, questionId: ids[1], value })),
      { responseId: r.id, questionId: ids[2], value: scale },
      ...(text ? [{ responseId: r.id, questionId: ids[3], value: text }] : []),
    ];
    await db.insertInto("surveyAnswers").values(rows).execute();
  }
}
