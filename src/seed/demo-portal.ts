import type { PortalExtras } from "../modules/sites/index.ts";
import { DEMO_ARTICLES, type DemoArticle } from "./demo-articles.ts";
import { DEMO_SITES } from "./demo-sites.ts";
import { SITE_NEWS } from "./demo-site-news.ts";

/**
 * Demo content that makes the portal home look like one: headlines with pictures, at least ten
 * items in each of the portal's main channels, budget and work-report items on every site, and each
 * site's leaders (领导之窗) and topics (专题专栏). All fictional.
 */
const picture = (name: string, alt: string) => ({ src: `/static/img/portal/${name}.svg`, alt });

const PORTAL_NEWS: [string, string, ReturnType<typeof picture> | null][] = [
  [
    "省政府常务会议研究部署数字政府建设重点任务",
    "会议听取全省数字政府建设进展情况汇报，研究部署下一阶段重点任务，要求以企业和群众办事便利度为标尺，推动更多事项全程网办。",
    picture("data", "示意图：深色背景上多个蓝色节点由线条相连，表示政务数据共享网络"),
  ],
  [
    "全省一体化政务服务平台可办事项突破两万项",
    "截至目前，全省一体化政务服务平台可网办事项达到两万余项，高频事项实现“一网通办”，平均跑动次数降至0.3次。",
    picture("hall", "示意图：政务服务大厅里并排四个蓝色服务窗口，窗口上方有指示牌"),
  ],
  [
    "我省推进“一件事一次办”改革扩面提质",
    "新生儿出生、开办餐饮店、退休等高频“一件事”实现一表申请、一次办好，全年累计办件超过百万件。",
    picture("city", "示意图：夕阳下高低错落的城市楼群"),
  ],
  [
    "全省乡村振兴重点帮扶县产业发展势头良好",
    "重点帮扶县特色产业覆盖率达到95%，脱贫人口人均纯收入持续增长，乡村面貌明显改善。",
    picture("fields", "示意图：蓝天下起伏的绿色田野，前景是一排金黄的庄稼"),
  ],
  [
    "政府网站适老化改造全面完成",
    "全省政府网站全部推出长辈版，提供大字体、高对比度、读屏和简化布局，方便老年人获取信息和办事。",
    picture("elder", "示意图：两位老人站在一起，中间是一部显示网页的手机"),
  ],
  [
    "全省政府网站集约化平台接入部门和市县网站",
    "集约化平台统一信息资源库、统一用户、统一搜索和统一互动交流，已接入省直部门和市县政府网站。",
    picture("platform", "示意图：中间的平台图标连接六个网站图标，表示网站集约化"),
  ],
  ["省政府与高校签署战略合作协议", "双方将在人才培养、科技创新、成果转化等方面深化合作。", null],
  ["全省春季植树造林活动启动", "今年全省计划完成植树造林120万亩，持续推进国土绿化。", null],
  ["我省外贸进出口总值保持稳定增长", "前三季度全省货物贸易进出口总值同比增长6.5%，民营企业占比提升。", null],
  ["全省安全生产工作会议召开", "会议要求压实安全生产责任，深入开展重点行业领域安全隐患排查整治。", null],
  ["省政府召开全省优化营商环境推进会", "会议通报营商环境评价结果，部署开展营商环境提升行动。", null],
];

const PORTAL_NOTICES = [
  "关于公布2027年省级重点建设项目名单的通知",
  "关于开展2026年度政府网站和政务新媒体检查的通知",
  "关于做好今冬明春安全防范工作的通知",
  "关于征集2027年省政府民生实事项目建议的公告",
  "关于公布省级行政许可事项清单（2026年版）的通知",
  "关于调整部分政务服务事项办理时限的公告",
  "关于开展政务服务“好差评”专项检查的通知",
  "关于做好元旦春节期间市场保供稳价工作的通知",
  "关于公布第二批“免申即享”政策清单的公告",
  "关于2026年第四季度政府网站抽查情况的通报",
];

const PORTAL_POLICIES: [string, string, string][] = [
  ["楚云省人民政府关于加快推进政务服务标准化规范化便利化的实施意见", "楚政发〔2026〕5号", "综合政务"],
  ["楚云省人民政府关于促进民营经济发展壮大的若干措施", "楚政发〔2026〕7号", "国民经济管理"],
  ["楚云省人民政府办公厅关于进一步做好稳就业工作的通知", "楚政办发〔2026〕12号", "劳动、人事、监察"],
  ["楚云省人民政府办公厅关于推进养老服务体系建设的实施意见", "楚政办发〔2026〕15号", "民政、扶贫、救灾"],
  ["楚云省人民政府关于印发楚云省政务数据共享管理办法的通知", "楚政发〔2026〕9号", "综合政务"],
  ["楚云省人民政府办公厅关于支持新能源汽车产业发展的若干措施", "楚政办发〔2026〕18号", "国民经济管理"],
  ["楚云省人民政府关于加强耕地保护和粮食安全工作的意见", "楚政发〔2026〕11号", "农业、林业、水利"],
  ["楚云省人民政府办公厅关于深化“一件事一次办”改革的通知", "楚政办发〔2026〕21号", "综合政务"],
  ["楚云省人民政府关于印发楚云省营商环境评价办法的通知", "楚政发〔2026〕13号", "国民经济管理"],
];

const LEADER_DUTIES = [
  "负责省人民政府全面工作。",
  "负责省人民政府常务工作，负责发展改革、财政、审计、统计等方面工作。",
  "负责工业和信息化、商务、市场监管、政务服务和大数据等方面工作。",
  "负责教育、科技、人力资源和社会保障、卫生健康、医疗保障等方面工作。",
  "负责自然资源、生态环境、住房和城乡建设、交通运输、农业农村等方面工作。",
  "协助省长处理省人民政府日常工作，负责省人民政府办公厅工作。",
];
const LEADER_NAMES = ["王建国", "李振华", "张文静", "刘志强", "陈晓东", "杨国平"];

/**
 * Each site's own (fictional) leaders: a surname and a given name per site and position, so no two
 * sites share a head and no name is a provincial or national leader's.
 */
const SURNAMES = "赵孙周吴郑冯褚卫蒋沈韩朱秦许何吕施孔曹严华金魏陶姜谢邹喻柏窦章苏潘葛范彭鲁韦马方俞任袁柳";
const GIVEN_NAMES = [
  "明",
  "丽",
  "强",
  "建华",
  "志刚",
  "海燕",
  "晓峰",
  "文斌",
  "春梅",
  "立新",
  "永红",
  "卫东",
  "秀兰",
  "俊杰",
  "玉兰",
  "德胜",
  "雪梅",
  "国栋",
  "小军",
  "静怡",
];
const leaderName = (site: number, position: number) =>
  SURNAMES[(site * 3 + position) % SURNAMES.length] +
  GIVEN_NAMES[(site * 7 + position * 3) % GIVEN_NAMES.length];

function leadersOf(kind: string, name: string, site: number): PortalExtras["leaders"] {
  if (kind === "portal")
    return LEADER_NAMES.map((n, i) => ({
      name: n,
      title: ["省长", "常务副省长", "副省长", "副省长", "副省长", "省政府秘书长"][i],
      duties: LEADER_DUTIES[i],
    }));
  const head =
    kind === "department" ? (name.endsWith("局") ? "局长" : "厅长") : kind === "city" ? "市长" : "县长";
  const deputy = kind === "department" ? `副${head}` : `副${head}`;
  return [
    { name: leaderName(site, 0), title: head, duties: `主持${name}全面工作。` },
    { name: leaderName(site, 1), title: deputy, duties: "负责办公室、政策法规、政务公开和政务服务工作。" },
    { name: leaderName(site, 2), title: deputy, duties: "负责规划财务、安全生产、应急管理和信访工作。" },
  ];
}

function topicsOf(code: string): PortalExtras["topics"] {
  const base = `/sites/${code}`;
  const search = (q: string) => `${base}/search?q=${encodeURIComponent(q)}`;
  const own = (SITE_NEWS[code]?.topics ?? []).map(([title, summary, q]) => ({
    title,
    summary,
    href: search(q),
  }));
  return [
    ...own,
    { title: "优化营商环境", summary: "惠企政策与改革举措", href: search("营商环境") },
    { title: "一件事一次办", summary: "高频事项一表申请、一次办好", href: `${base}/services/bundles` },
    { title: "政策文件库", summary: "按机关、年份、主题查政策", href: `${base}/policies` },
    { title: "长辈版服务", summary: "大字体、高对比、读屏", href: `${base}/elder?on=1&back=${base}/` },
    { title: "我为政府网站找错", summary: "发现错误请告诉我们", href: `${base}/report-error` },
    { title: "意见征集", summary: "参与政策制定，提出意见建议", href: `${base}/interaction/consultations` },
  ];
}

/** Titles of a site's own policy documents, after the issuer's name. */
const POLICY_TITLES: ((topic: string) => string)[] = [
  (t) => `关于进一步做好${t}工作的通知`,
  (t) => `关于印发${t}工作方案的通知`,
  (t) => `关于加强${t}管理的实施意见`,
  (t) => `关于${t}有关事项的通知`,
  (t) => `关于印发《${t}实施细则》的通知`,
  (t) => `关于优化${t}服务的若干措施`,
];

/** The pictures of a site's second and third news (the first has the site's own). */
const HEADLINE_PICTURES: Record<number, [string, string]> = {
  1: ["data", "示意图：深色背景上多个蓝色节点由线条相连，表示政务数据共享网络"],
  2: ["hall", "示意图：政务服务大厅里并排四个蓝色服务窗口，窗口上方有指示牌"],
};

/** Leaders and topics of every demo site. */
export function demoPortalExtras(): [string, PortalExtras][] {
  return DEMO_SITES.map((s, i) => [
    s.code,
    { leaders: leadersOf(s.kind, s.name, i), topics: topicsOf(s.code) },
  ]);
}

const paragraphs = (lead: string) =>
  `${lead}\n会议强调，要坚持以人民为中心的发展思想，把各项工作抓实抓细，确保取得实效。\n下一步，各地各部门将按照部署要求，细化工作举措，加强督促检查，及时公开工作进展。`;

/** The portal's extra articles and every site's budget and work-report items. */
export function demoPortalArticles(): DemoArticle[] {
  const out: DemoArticle[] = [];
  PORTAL_NEWS.forEach(([title, lead, image], i) =>
    out.push({
      site: "www",
      kind: "news",
      title,
      body: paragraphs(lead),
      image: image ?? undefined,
      daysAgo: i + 1,
    }),
  );
  PORTAL_NOTICES.forEach((title, i) =>
    out.push({
      site: "www",
      kind: "notice",
      title,
      body: `各市、州、县人民政府，省政府各部门：\n${title.replace(/^关于/, "现就").replace(/的(通知|公告|通报)$/, "有关事项")}通知如下，请认真贯彻落实。\n特此通知。`,
      daysAgo: 4 + i * 3,
    }),
  );
  PORTAL_POLICIES.forEach(([title, docNumber, theme], i) => {
    out.push({
      site: "www",
      kind: "policy",
      title,
      docNumber,
      theme,
      daysAgo: 15 + i * 9,
      body: `各市、州、县人民政府，省政府各部门：\n为贯彻落实党中央、国务院决策部署，结合我省实际，制定本文件。\n一、总体要求。坚持问题导向、目标导向和结果导向。\n二、主要任务。明确责任分工，细化工作举措。\n三、保障措施。加强组织领导，强化督促检查。\n本文件自印发之日起施行。`,
    });
    out.push({
      site: "www",
      kind: "interpretation",
      title: `《${title.replace(/^楚云省人民政府(办公厅)?关于/, "关于")}》政策解读`,
      interprets: title,
      daysAgo: 14 + i * 9,
      body: `一、出台背景\n为落实国家有关要求，回应企业和群众关切，省政府制定了该文件。\n二、主要内容\n文件从总体要求、主要任务和保障措施三个方面作出规定。\n三、解读机关及联系方式\n楚云省人民政府办公厅，联系电话：027-12345678。`,
    });
  });
  out.push(
    {
      site: "rst",
      kind: "news",
      title: "全省人社系统推进社保经办服务“跨省通办”",
      image: picture("hall", "示意图：政务服务大厅里并排四个蓝色服务窗口，窗口上方有指示牌"),
      daysAgo: 1,
      body: paragraphs("养老保险关系转移接续、社会保障卡申领等高频事项实现跨省通办，群众少跑腿。"),
    },
    {
      site: "jiangcheng",
      kind: "news",
      title: "江城市老旧小区改造惠及居民十万户",
      image: picture("city", "示意图：夕阳下高低错落的城市楼群"),
      daysAgo: 1,
      body: paragraphs("今年江城市完成老旧小区改造项目120个，惠及居民十万户。"),
    },
  );
  // Each site's own news (the first with a picture: its 要闻) and notices.
  for (const s of DEMO_SITES) {
    const own = SITE_NEWS[s.code];
    if (!own) continue;
    own.news.forEach((title, i) =>
      out.push({
        site: s.code,
        kind: "news",
        title,
        image: i === 0 ? picture(...own.picture) : i < 3 ? picture(...HEADLINE_PICTURES[i]) : undefined,
        daysAgo: 2 + i * 3,
        body: paragraphs(`${title}。${s.name}有关负责同志介绍了工作进展和下一步安排。`),
      }),
    );
    const addressees = s.kind === "department" ? "各市、州、县有关部门，各有关单位：" : "各有关单位：";
    own.policies.forEach((topic, i) => {
      const title = `${s.issuer}${POLICY_TITLES[i % POLICY_TITLES.length](topic)}`;
      out.push({
        site: s.code,
        kind: "policy",
        title,
        docNumber: `${s.docPrefix}〔2026〕${31 + i}号`,
        theme: s.topics[i % s.topics.length],
        daysAgo: 20 + i * 23,
        body: `${addressees}\n为做好${topic}工作，结合实际，现就有关事项通知如下。\n一、明确工作目标。\n二、落实工作责任。\n三、加强监督检查。\n本文件自印发之日起施行。`,
      });
      if (i < 2)
        out.push({
          site: s.code,
          kind: "interpretation",
          title: `${topic}政策解读`,
          interprets: title,
          daysAgo: 19 + i * 23,
          body: `一、出台背景\n为规范和做好${topic}工作，制定该文件。\n二、主要内容\n明确工作目标、落实工作责任、加强监督检查。\n三、咨询电话\n${s.contact}`,
        });
    });
    own.notices.forEach((title, i) =>
      out.push({
        site: s.code,
        kind: "notice",
        title,
        daysAgo: 3 + i * 4,
        body: `${addressees}\n现就${title.replace(/^.*?关于/, "").replace(/的(通知|公告|通告|提示)$/, "")}有关事项通知如下，请认真贯彻落实。\n联系电话：${s.contact}。\n特此通知。`,
      }),
    );
  }
  // Every list channel of every site has something: a site without an item of a kind gets one.
  const cities = DEMO_SITES.filter((s) => s.kind === "city" || s.kind === "county").map((s) => s.code);
  const has = new Set(
    DEMO_ARTICLES.flatMap((a) =>
      [a.site, ...(a.alsoOn === "cities" ? cities : (a.alsoOn ?? []))].map((code) => `${code}:${a.kind}`),
    ),
  );
  for (const s of DEMO_SITES) {
    if (!has.has(`${s.code}:notice`))
      out.push({
        site: s.code,
        kind: "notice",
        title: `${s.name}关于公布政务服务咨询投诉电话的公告`,
        daysAgo: 6,
        body: `为方便群众咨询和投诉，现将${s.name}政务服务咨询投诉电话公布如下：${s.contact}。\n受理时间：工作日上午9:00—12:00，下午13:30—17:00。`,
      });
    if (!has.has(`${s.code}:news`))
      out.push({
        site: s.code,
        kind: "news",
        title: `${s.name}召开政务公开工作会议`,
        daysAgo: 5,
        body: paragraphs(`${s.name}召开政务公开工作会议，总结上一阶段工作，部署下一步重点任务。`),
      });
    if (!has.has(`${s.code}:policy`) && s.code !== "www") {
      const title = `${s.issuer}关于进一步做好政务公开工作的通知`;
      out.push({
        site: s.code,
        kind: "policy",
        title,
        docNumber: `${s.docPrefix}〔2026〕21号`,
        theme: s.topics[0],
        daysAgo: 40,
        body: `各有关单位：\n为进一步做好政务公开工作，现就有关事项通知如下。\n一、加强政策解读。\n二、做好依申请公开。\n三、及时回应关切。`,
      });
      if (!has.has(`${s.code}:interpretation`))
        out.push({
          site: s.code,
          kind: "interpretation",
          title: `《${title.slice(s.issuer.length)}》解读`,
          interprets: title,
          daysAgo: 39,
          body: "一、制定背景\n落实政务公开工作要点。\n二、主要内容\n加强政策解读、做好依申请公开、及时回应关切。",
        });
    } else if (!has.has(`${s.code}:interpretation`) && s.code !== "www") {
      const policy = DEMO_ARTICLES.find((a) => a.site === s.code && a.kind === "policy")!;
      out.push({
        site: s.code,
        kind: "interpretation",
        title: `《${policy.title}》政策问答`,
        interprets: policy.title,
        daysAgo: Math.max(policy.daysAgo - 1, 0),
        body: "问：本政策适用于哪些人？\n答：适用于本省符合条件的单位和个人。\n问：如何办理？\n答：可通过楚云政务服务网在线办理。",
      });
    }
    if (s.code !== "czt" && s.code !== "jiangcheng")
      out.push({
        site: s.code,
        kind: "budget",
        title: `${s.name}2026年${s.kind === "department" ? "部门预算" : "财政预算"}公开`,
        daysAgo: 260,
        body: `根据《中华人民共和国预算法》和预算公开有关规定，现将${s.name}2026年预算公开如下。`,
        table: {
          columns: ["项目", "2026年预算数（万元）", "2025年执行数（万元）"],
          rows: [
            ["一般公共预算拨款收入", "8,600.00", "8,420.35"],
            ["政府性基金预算拨款收入", "320.00", "305.10"],
            ["其他收入", "180.00", "176.40"],
            ["收入合计", "9,100.00", "8,901.85"],
          ],
        },
      });
    if (s.kind === "city" || s.kind === "county") {
      if (s.code !== "jiangcheng")
        out.push({
          site: s.code,
          kind: "report",
          title: `2026年${s.name}工作报告`,
          daysAgo: 280,
          body: `各位代表：\n现在，我代表${s.name}，向大会报告工作，请予审议。\n一、2025年工作回顾\n全年地区生产总值稳步增长，民生保障持续加强。\n二、2026年主要任务\n持续优化营商环境，推进乡村振兴，办好民生实事。`,
        });
    } else if (s.kind === "department")
      out.push({
        site: s.code,
        kind: "report",
        title: `${s.name}2025年工作总结和2026年工作要点`,
        daysAgo: 300,
        body: `一、2025年工作总结\n${s.name}认真贯彻落实省委、省政府决策部署，各项工作取得新成效。\n二、2026年工作要点\n深化改革创新，优化政务服务，加强政务公开。`,
      });
  }
  return out;
}
