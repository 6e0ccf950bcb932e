import { seededRandom } from "../src/platform/random/seeded-random.ts";
/**
 * Deterministic generator of realistic Chinese government articles for benchmarks: varied titles and
 * bodies assembled from word lists, several issuing bodies, kinds and years.
 */

export interface GeneratedArticle {
  id: string;
  kind: "policy" | "interpretation" | "notice" | "news" | "budget" | "report";
  column: string;
  title: string;
  docNumber: string | null;
  issuer: string;
  publishedAt: string;
  body: string;
  /** Index into ISSUERS (benchmarks map it to a site). */
  issuerIndex: number;
}

/** Reproducible runs: the platform's seeded PRNG. */
export const rng = seededRandom;

export const ISSUERS: { site: string; name: string; prefix: string }[] = [
  { site: "www", name: "楚云省人民政府", prefix: "楚政发" },
  { site: "www", name: "楚云省人民政府办公厅", prefix: "楚政办发" },
  { site: "rst", name: "楚云省人力资源和社会保障厅", prefix: "楚人社发" },
  { site: "zjt", name: "楚云省住房和城乡建设厅", prefix: "楚建文" },
  { site: "scjg", name: "楚云省市场监督管理局", prefix: "楚市监发" },
  { site: "ybj", name: "楚云省医疗保障局", prefix: "楚医保发" },
  { site: "jyt", name: "楚云省教育厅", prefix: "楚教发" },
  { site: "swj", name: "国家税务总局楚云省税务局", prefix: "楚税发" },
  { site: "gat", name: "楚云省公安厅", prefix: "楚公通" },
  { site: "mzt", name: "楚云省民政厅", prefix: "楚民政发" },
  { site: "czt", name: "楚云省财政厅", prefix: "楚财预" },
  { site: "jiangcheng", name: "江城市人民政府", prefix: "江政发" },
  { site: "yunmeng", name: "云梦市人民政府", prefix: "云政发" },
  { site: "qingxi", name: "清溪县人民政府", prefix: "清政发" },
];

/** Subjects that titles and bodies are about (many are synonyms or dictionary words). */
export const TOPICS = [
  "社会保险",
  "社保卡",
  "住房公积金",
  "公积金",
  "营业执照",
  "医疗保险",
  "医保",
  "养老保险",
  "失业保险",
  "工伤保险",
  "居民身份证",
  "个人所得税",
  "不动产登记",
  "机动车驾驶证",
  "户籍管理",
  "出入境证件",
  "退役军人",
  "最低生活保障",
  "义务教育",
  "学前教育",
  "职业技能培训",
  "高校毕业生就业",
  "灵活就业",
  "异地就医",
  "小微企业",
  "高新技术企业",
  "专精特新",
  "营商环境",
  "一网通办",
  "企业开办",
  "农村人居环境",
  "乡村振兴",
  "城镇老旧小区改造",
  "保障性住房",
  "安全生产",
  "食品安全",
  "药品监管",
  "生态环境保护",
  "河湖长制",
  "森林防火",
  "防汛抗旱",
  "数字政府",
  "政务数据共享",
  "政府信息公开",
  "财政预算",
  "政府采购",
  "减税降费",
  "稳岗返还",
  "创业担保贷款",
  "人才引进",
  "科技创新",
  "招商引资",
  "文化旅游",
  "交通运输",
  "养老服务",
  "托育服务",
  "残疾人保障",
  "社会救助",
  "医疗卫生",
  "疫情防控",
];

const ACTIONS = [
  "进一步加强",
  "深入推进",
  "全面做好",
  "切实做好",
  "加快推进",
  "规范",
  "优化",
  "完善",
  "实施",
  "开展",
  "调整",
  "做好",
];
const SUFFIXES = [
  "工作的通知",
  "的实施意见",
  "的若干措施",
  "管理办法",
  "实施细则",
  "工作方案",
  "三年行动计划",
  "有关事项的通知",
  "试点工作的通知",
  "专项行动方案",
];
const NEWS_VERBS = ["召开", "部署", "推进", "调研", "督导", "启动", "举办", "开展", "圆满完成", "取得新进展"];
const NEWS_EVENTS = [
  "工作推进会",
  "专题培训班",
  "现场观摩会",
  "新闻发布会",
  "座谈会",
  "专项检查",
  "宣传月活动",
  "业务培训",
  "年度考核",
  "集中整治行动",
];
const PLACES = ["江城市", "云梦市", "清溪县", "白水县", "东湖区", "楚云新区", "南岸区", "北山县"];
const SENTENCES = [
  "坚持以人民为中心的发展思想，聚焦群众急难愁盼问题，持续提升{t}服务水平。",
  "各地各部门要高度重视{t}工作，压实主体责任，确保各项措施落地见效。",
  "符合条件的单位和个人可通过楚云政务服务网或“楚云办”移动端在线申请{t}相关业务。",
  "办理{t}业务需提交居民身份证、营业执照等材料，实行一次告知、一窗受理、限时办结。",
  "{p}围绕{t}开展专项督查，发现问题{n}个，已全部整改到位。",
  "截至{y}年底，全省{t}参保（覆盖）人数达到{n}万人，同比增长{m}%。",
  "对{t}中存在的推诿扯皮、吃拿卡要等问题，一经查实严肃追责问责。",
  "本通知自印发之日起施行，有效期{m}年。此前规定与本通知不一致的，以本通知为准。",
  "{p}将{t}纳入年度重点工作，安排专项资金{n}万元，惠及群众{m}万人次。",
  "各市、州、县人民政府，省政府各部门：现将有关{t}事项通知如下。",
  "进一步简化{t}办事流程，申请材料精简{m}%，办理时限压缩至{m}个工作日。",
  "推动{t}与政务数据共享平台对接，实现“免申即享”“一网通办”。",
  "加强{t}政策宣传解读，通过政府网站、政务新媒体等渠道及时回应社会关切。",
  "建立{t}工作台账，实行清单化管理、项目化推进，每季度通报进展情况。",
  "{y}年全省财政一般公共预算支出中，用于{t}的资金为{n}亿元。",
  "咨询电话：12345政务服务便民热线，或拨打{t}业务专线。",
];

const KINDS: { kind: GeneratedArticle["kind"]; column: string; weight: number }[] = [
  { kind: "news", column: "工作动态", weight: 40 },
  { kind: "notice", column: "通知公告", weight: 25 },
  { kind: "policy", column: "政策文件", weight: 20 },
  { kind: "interpretation", column: "政策解读", weight: 8 },
  { kind: "budget", column: "财政预决算", weight: 4 },
  { kind: "report", column: "政府工作报告", weight: 3 },
];
const KIND_WEIGHT_TOTAL = KINDS.reduce((s, k) => s + k.weight, 0);

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)];
}

/** Generates article number `i` (same i, same seed → same article). */
export function generateArticle(i: number, seed = 1): GeneratedArticle {
  const r = rng(seed * 1_000_003 + i);
  let w = r() * KIND_WEIGHT_TOTAL;
  const k = KINDS.find((x) => (w -= x.weight) < 0) ?? KINDS[0];
  const issuerIndex = Math.floor(r() * ISSUERS.length);
  const issuer = ISSUERS[issuerIndex];
  const topic = pick(r, TOPICS);
  const topic2 = pick(r, TOPICS);
  const year = 2016 + Math.floor(r() * 11);
  const month = 1 + Math.floor(r() * 12);
  const day = 1 + Math.floor(r() * 28);
  const place = pick(r, PLACES);
  let title: string;
  switch (k.kind) {
    case "news":
      title = `${place}${pick(r, NEWS_VERBS)}${topic}${pick(r, NEWS_EVENTS)}`;
      break;
    case "interpretation":
      title = `《关于${pick(r, ACTIONS)}${topic}${pick(r, SUFFIXES)}》政策解读`;
      break;
    case "budget":
      title = `${issuer.name}${year}年部门${r() < 0.5 ? "预算" : "决算"}公开`;
      break;
    case "report":
      title = `${year}年${place}人民政府工作报告`;
      break;
    default:
      title = `${issuer.name}关于${pick(r, ACTIONS)}${topic}${r() < 0.3 ? `和${topic2}` : ""}${pick(r, SUFFIXES)}`;
  }
  const paragraphs: string[] = [];
  const count = 3 + Math.floor(r() * 6);
  for (let p = 0; p < count; p++) {
    const sentences: string[] = [];
    const n = 2 + Math.floor(r() * 3);
    for (let s = 0; s < n; s++) {
      sentences.push(
        pick(r, SENTENCES)
          .replace(/\{t\}/g, r() < 0.7 ? topic : topic2)
          .replace(/\{p\}/g, place)
          .replace(/\{y\}/g, String(year - 1))
          .replace(/\{n\}/g, String(1 + Math.floor(r() * 900)))
          .replace(/\{m\}/g, String(1 + Math.floor(r() * 60))),
      );
    }
    paragraphs.push(sentences.join(""));
  }
  const docNumber =
    k.kind === "policy" || (k.kind === "notice" && r() < 0.5)
      ? `${issuer.prefix}〔${year}〕${1 + Math.floor(r() * 200)}号`
      : null;
  const pad = (v: number) => String(v).padStart(2, "0");
  return {
    id: `gen-${seed}-${i}`,
    kind: k.kind,
    column: k.column,
    title,
    docNumber,
    issuer: issuer.name,
    publishedAt: `${year}-${pad(month)}-${pad(day)} ${pad(8 + Math.floor(r() * 10))}:${pad(Math.floor(r() * 60))}`,
    body: paragraphs.join("\n"),
    issuerIndex,
  };
}
