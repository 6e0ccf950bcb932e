/**
 * Synonym groups for government Chinese. The first word of a group is its canonical form: both the
 * index and queries store canonical forms, so 社保 finds 社会保险 and the other way round.
 */
export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ["社会保险", "社保"],
  ["社会保障卡", "社保卡"],
  ["住房公积金", "公积金"],
  ["营业执照", "执照"],
  ["医疗保险", "医保"],
  ["养老保险", "养老保险金"],
  ["失业保险", "失业险"],
  ["工伤保险", "工伤险"],
  ["居民身份证", "身份证"],
  ["个人所得税", "个税"],
  ["增值税发票", "发票"],
  ["不动产登记", "房产登记", "房产证登记"],
  ["不动产权证书", "房产证", "房本"],
  ["机动车驾驶证", "驾驶证", "驾照"],
  ["户口", "户籍"],
  ["出入境", "出国境"],
  ["退役军人", "复员军人", "转业军人"],
  ["新型冠状病毒", "新冠"],
  ["最低生活保障", "低保"],
  ["义务教育", "九年义务教育"],
  ["市场监督管理局", "市场监管局"],
  ["人力资源和社会保障厅", "人社厅"],
  ["人力资源和社会保障局", "人社局"],
  ["政府信息公开", "信息公开", "政务公开"],
  ["一网通办", "网上办事"],
  ["企业开办", "开办企业"],
  ["灵活就业", "自由职业"],
  ["异地就医", "跨省就医", "异地看病"],
  ["小微企业", "小型微型企业"],
  ["高新技术企业", "高企"],
  ["专精特新", "专精特新企业"],
  ["丢失", "遗失"],
  ["补办", "补领", "补发"],
  ["增值税专用发票", "专用发票", "专票"],
  ["个体工商户", "个体户"],
  ["户口簿", "户口本"],
  ["交通违法", "违章"],
  ["号牌", "车牌", "牌照"],
  ["养老金", "退休金"],
  ["失业保险金", "失业金"],
  ["商业贷款", "商贷"],
  ["毕业证书", "毕业证"],
  ["手机号码", "手机号"],
  ["二手房", "存量房"],
  ["结婚证", "结婚证书"],
  ["残疾人证", "残疾证"],
];

/**
 * How citizens name things that government documents name otherwise, applied at query time only: a
 * query word (or phrase) also matches its official partner, and the other way round. The index is not
 * touched, so the list grows without a re-index (unlike SYNONYM_GROUPS). General vocabulary of
 * government services, not rules for single documents; editors add more in the console (approved
 * pairs mined from the platform's text take the same path: learned-synonyms.ts). Words with a second
 * common meaning stay out (电动车 is also an electric car, 农保 also farmland protection, 滴滴 in 点点滴滴).
 */
export const QUERY_SYNONYMS: readonly (readonly [colloquial: string, official: string])[] = [
  // pensions and social insurance
  ["退休工资", "养老金"],
  ["退休费", "养老金"],
  ["养老钱", "养老金"],
  ["新农保", "城乡居民基本养老保险"],
  ["居民养老保险", "城乡居民基本养老保险"],
  ["新农合", "城乡居民基本医疗保险"],
  ["农村医保", "城乡居民基本医疗保险"],
  ["居民医保", "城乡居民基本医疗保险"],
  ["职工医保", "职工基本医疗保险"],
  ["医保卡", "社会保障卡"],
  ["失业补助", "失业保险金"],
  ["稳岗补贴", "稳岗返还"],
  ["欠薪", "拖欠工资"],
  ["讨薪", "拖欠工资"],
  ["工钱", "工资"],
  ["产假工资", "生育津贴"],
  // families, the elderly and people in need
  ["生娃", "生育"],
  ["生孩子", "生育"],
  ["带娃补贴", "育儿补贴"],
  ["生娃补贴", "育儿补贴"],
  ["老年证", "老年人优待证"],
  ["高龄补贴", "高龄津贴"],
  ["低保户", "最低生活保障"],
  ["五保户", "特困人员"],
  ["残疾补助", "残疾人两项补贴"],
  // housing and transport
  ["公租房", "公共租赁住房"],
  ["廉租房", "公共租赁住房"],
  ["房贷", "住房贷款"],
  ["电瓶车", "电动自行车"],
  ["网约车", "网络预约出租汽车"],
  // veterans, schools, business
  ["退伍兵", "退役士兵"],
  ["老兵", "退役军人"],
  ["中专", "中等职业教育"],
  ["职高", "中等职业教育"],
  ["开公司", "企业开办"],
];

const canonicalByWord = new Map<string, string>();
const groupByCanonical = new Map<string, readonly string[]>();
for (const group of SYNONYM_GROUPS) {
  const canonical = group[0];
  groupByCanonical.set(canonical, group);
  for (const word of group) canonicalByWord.set(word, canonical);
}

export function canonicalWord(word: string): string {
  return canonicalByWord.get(word) ?? word;
}

/** Every surface form of a canonical word (itself when it has no synonyms). */
export function surfaceForms(canonical: string): readonly string[] {
  return groupByCanonical.get(canonical) ?? [canonical];
}

/** Whether two words are already joined by a built-in synonym (index-time group or query-time pair). */
export function builtInPair(a: string, b: string): boolean {
  const [ca, cb] = [canonicalWord(a), canonicalWord(b)];
  if (ca === cb) return true;
  return QUERY_SYNONYMS.some(([x, y]) => {
    const [cx, cy] = [canonicalWord(x), canonicalWord(y)];
    return (cx === ca && cy === cb) || (cx === cb && cy === ca);
  });
}

export function allSynonymWords(): string[] {
  return [...canonicalByWord.keys()];
}
