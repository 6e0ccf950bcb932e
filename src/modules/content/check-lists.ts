/**
 * The maintained lists of the content check (content-check.ts). Editors of the platform keep them
 * here, one entry a line; each change is reviewed like code.
 */

/** Wrongly written fixed expressions and common typos → the correct form; serious ones are veto items. */
export const FIXED_EXPRESSIONS: Record<string, { correct: string; serious?: boolean }> = {
  中华人民共合国: { correct: "中华人民共和国", serious: true },
  中华人名共和国: { correct: "中华人民共和国", serious: true },
  中国共产常: { correct: "中国共产党", serious: true },
  全国人民代表大合: { correct: "全国人民代表大会", serious: true },
  社会主意: { correct: "社会主义", serious: true },
  中华人民共和过: { correct: "中华人民共和国", serious: true },
  中华名族: { correct: "中华民族", serious: true },
  一国两治: { correct: "一国两制", serious: true },
  台湾总统: { correct: "台湾地区领导人", serious: true },
  台湾政府: { correct: "台湾当局", serious: true },
  中国共产党中央委员会总书纪: { correct: "中国共产党中央委员会总书记", serious: true },
  人民政付: { correct: "人民政府", serious: true },
  截止目前: { correct: "截至目前" },
  截止到目前: { correct: "截至目前" },
  既使: { correct: "即使" },
  按装: { correct: "安装" },
  再接再励: { correct: "再接再厉" },
  一股作气: { correct: "一鼓作气" },
  迫不急待: { correct: "迫不及待" },
  默守成规: { correct: "墨守成规" },
  谈笑风声: { correct: "谈笑风生" },
  不径而走: { correct: "不胫而走" },
  美仑美奂: { correct: "美轮美奂" },
  针贬时弊: { correct: "针砭时弊" },
  一愁莫展: { correct: "一筹莫展" },
  记忆尤新: { correct: "记忆犹新" },
};

/** Wording a government site must not use (serious): absolute advertising claims and slurs. */
export const BANNED_WORDS: string[] = [
  "国家级最佳",
  "全国第一品牌",
  "最高级别保障",
  "绝对安全无风险",
  "包治百病",
  "根治率100%",
  "盲流",
  // Illegal services planted on hacked government pages (the inspection treats them as serious).
  "代开发票",
  "翻墙软件",
  "网络赌博",
  "刷单兼职",
  "办证刻章",
  "裸贷",
];

/**
 * 香港、澳门、台湾 listed among countries ("香港、澳门与中国等国家") without "和地区": a serious
 * political expression error ("国家和地区" is right).
 */
export const REGION_AS_COUNTRY = /(香港|澳门|台湾)[^。；;！？\n]{0,15}等国家(?![和及与或、]?地区)/g;

/**
 * Wording to check before publishing (warning): secrets, unverified claims, absolute claims and
 * politically sensitive terms that are right only in their proper context (反对“台独”).
 */
export const SENSITIVE_WORDS: string[] = [
  "内部资料",
  "绝密",
  "机密",
  "秘密级",
  "未经核实",
  "据传",
  "全国第一",
  "最佳",
  "中华民国",
  "台独",
  "藏独",
  "疆独",
  "法轮功",
  "文化大革命",
];

/** Titles only national leaders hold: a national leader given one that is not theirs is serious. */
export const NATIONAL_TITLES: string[] = [
  "中共中央总书记",
  "总书记",
  "国家主席",
  "国家副主席",
  "中央军委主席",
  "国务院总理",
  "国务院副总理",
  "总理",
  "副总理",
  "全国人大常委会委员长",
  "委员长",
  "全国政协主席",
];

/** Titles the leader check recognises next to a name (longest first when matched). */
export const LEADER_TITLES: string[] = [
  ...NATIONAL_TITLES,
  "省委书记",
  "省长",
  "副省长",
  "常务副省长",
  "省政府秘书长",
  "秘书长",
  "副秘书长",
  "厅长",
  "副厅长",
  "局长",
  "副局长",
  "市长",
  "副市长",
  "县长",
  "副县长",
  "区长",
  "副区长",
  "书记",
  "副书记",
];

/**
 * The national leaders and their titles (maintained here as they change). The province's and each
 * site's leaders are not listed here: they are the ones its editors keep in 领导之窗 (see
 * ContentService.checkWords).
 */
export const NATIONAL_LEADERS: { name: string; titles: string[] }[] = [
  { name: "习近平", titles: ["中共中央总书记", "总书记", "国家主席", "中央军委主席"] },
  { name: "李强", titles: ["国务院总理", "总理"] },
  { name: "赵乐际", titles: ["全国人大常委会委员长", "委员长"] },
  { name: "王沪宁", titles: ["全国政协主席"] },
  { name: "韩正", titles: ["国家副主席"] },
  { name: "丁薛祥", titles: ["国务院副总理", "副总理"] },
];
