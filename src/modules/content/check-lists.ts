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
  "盲流",
];

/** Wording to check before publishing (warning). */
export const SENSITIVE_WORDS: string[] = ["内部资料", "绝密", "机密", "秘密级", "未经核实", "据传"];

/** Titles the leader check recognises next to a name. */
export const LEADER_TITLES: string[] = [
  "省委书记",
  "省长",
  "副省长",
  "常务副省长",
  "秘书长",
  "副秘书长",
  "厅长",
  "副厅长",
  "局长",
  "副局长",
  "市长",
  "副市长",
  "书记",
  "副书记",
];

/** The province's leaders and their titles (the demo's; kept by the portal's editors with 领导之窗). */
export const LEADERS: { name: string; titles: string[] }[] = [
  { name: "林振华", titles: ["省长"] },
  { name: "陈思远", titles: ["常务副省长"] },
  { name: "王晓梅", titles: ["副省长"] },
  { name: "赵立新", titles: ["秘书长"] },
  { name: "周建国", titles: ["厅长"] },
];
