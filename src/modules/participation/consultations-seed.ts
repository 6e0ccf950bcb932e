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
  await seedSiteConsultations(deps);
  await seedSiteSurveys(deps);
}

/** One open consultation on each other department, city and county, with a comment already shown. */
const SITE_CONSULTATIONS: [string, string, string, string][] = [
  [
    "scjg",
    "楚云省小餐饮经营许可管理办法",
    "小餐饮经营许可实行告知承诺，材料齐全的当场办结。",
    "建议明确小餐饮与食品小作坊的区分标准。",
  ],
  [
    "ybj",
    "楚云省长期护理保险实施办法",
    "长期护理保险覆盖职工基本医疗保险参保人员。",
    "建议尽快把城乡居民也纳入长期护理保险。",
  ],
  [
    "jyt",
    "楚云省义务教育阶段招生入学工作规定",
    "义务教育阶段公办学校实行免试就近入学。",
    "建议随迁子女入学材料再精简一些。",
  ],
  [
    "swj",
    "楚云省税费服务规范",
    "纳税人缴费人可通过电子税务局办理全部常见税费业务。",
    "建议增加税务窗口的延时服务。",
  ],
  [
    "gat",
    "楚云省电动自行车登记管理规定",
    "电动自行车实行登记上牌制度，登记可网上预约。",
    "建议在社区设置临时登记点。",
  ],
  [
    "mzt",
    "楚云省居家养老服务补贴办法",
    "经济困难的失能、高龄老年人可申请居家养老服务补贴。",
    "建议补贴可以用于购买助浴服务。",
  ],
  [
    "czt",
    "楚云省预算绩效管理办法",
    "预算部门对预算资金的使用情况开展绩效自评并公开结果。",
    "建议绩效自评结果按项目公开。",
  ],
  [
    "jiangcheng",
    "江城市城市更新条例",
    "城市更新坚持政府引导、居民参与、市场运作。",
    "建议老旧小区改造前充分征求居民意见。",
  ],
  [
    "yunmeng",
    "云梦市农村人居环境整治办法",
    "村庄保洁实行网格化管理，农户门前三包。",
    "建议增加农村垃圾收运频次。",
  ],
  [
    "qingxi",
    "青溪县农村宅基地管理办法",
    "农村村民一户只能拥有一处宅基地。",
    "建议公开宅基地审批进度查询渠道。",
  ],
  ["baishui", "白水县养犬管理办法", "县城规划区内饲养犬只实行登记制度。", "建议在公园设置犬只活动区域。"],
];

/** One open survey on each other site: how satisfied people are with its online services. */
async function seedSiteSurveys(deps: ParticipationDeps): Promise<void> {
  const { store, sites, phone } = deps;
  const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
  for (const [i, [code]] of SITE_CONSULTATIONS.entries()) {
    const site = sites.byCodeCached(code);
    if (!site) continue;
    const opened = -2 - (i % 6);
    const survey = await store.db
      .insertInto("surveys")
      .values({
        siteId: site.id,
        title: `${site.name}网上办事满意度调查`,
        description: "请根据您最近一次在网上办事的体验作答，约需1分钟。",
        opensAt: at(opened),
        closesAt: at(opened + 30),
        createdAt: at(opened - 1),
        status: "published",
        publishedAt: at(opened),
        createdBy: null,
        updatedAt: at(opened),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const questions: [QuestionKind, string, string[]][] = [
      ["single", "您对网上办事的体验是否满意？", ["满意", "基本满意", "不满意"]],
      ["text", "您还有什么意见和建议？", []],
    ];
    const ids: number[] = [];
    for (const [q, [kind, text, options]] of questions.entries())
      ids.push(
        (
          await store.db
            .insertInto("surveyQuestions")
            .values({
              surveyId: survey.id,
              sort: q + 1,
              kind,
              text,
              options: JSON.stringify(options),
              required: kind === "text" ? 0 : 1,
            })
            .returning("id")
            .executeTakeFirstOrThrow()
        ).id,
      );
    for (const [r, choice] of ["0", "1", "0"].entries()) {
      const response = await store.db
        .insertInto("surveyResponses")
        .values({
          surveyId: survey.id,
          personHash: phone.personHash(`1371${String(i).padStart(3, "0")}000${r}`),
          createdAt: at(opened + 1),
          ipHash: "",
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await store.db
        .insertInto("surveyAnswers")
        .values({ responseId: response.id, questionId: ids[0], value: choice })
        .execute();
    }
  }
}

async function seedSiteConsultations(deps: ParticipationDeps): Promise<void> {
  const { store, sites } = deps;
  const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
  for (const [i, [code, rule, article, opinion]] of SITE_CONSULTATIONS.entries()) {
    const site = sites.byCodeCached(code);
    if (!site) continue;
    const opened = -3 - (i % 5);
    const row = await store.db
      .insertInto("consultations")
      .values({
        siteId: site.id,
        title: `《${rule}（征求意见稿）》公开征求意见`,
        draftText: `<p>第一条 为规范有关工作，保障公民、法人和其他组织的合法权益，制定本办法。</p><p>第二条 ${article}</p>`,
        opensAt: at(opened),
        closesAt: at(opened + 30),
        summary: null,
        summaryPublishedAt: null,
        createdBy: null,
        createdAt: at(opened - 1),
        status: "published",
        publishedAt: at(opened),
        updatedAt: at(opened),
        updatedBy: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const phone = `1380001${String(i).padStart(4, "0")}`;
    await store.db
      .insertInto("consultationComments")
      .values({
        consultationId: row.id,
        name: "市民",
        phone: store.cipher.seal(phone),
        phoneIndex: store.cipher.blindIndex("phone", phone),
        content: opinion,
        status: "approved",
        adoption: null,
        adoptionNote: null,
        rejectReason: null,
        createdAt: at(opened + 1),
        moderatedAt: at(opened + 2),
        moderatedBy: null,
        ipHash: "",
      })
      .execute();
  }
}
