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

export function allSynonymWords(): string[] {
  return [...canonicalByWord.keys()];
}
