/**
 * What a question asks for that an entry may not give, whatever the entry's words: a figure (an amount,
 * a rate) the entry does not state, or a place the entry does not cover. Signals for the decision model
 * (see decision-model.ts): a near-topic question such as 百岁老人的长寿补贴一个月多少钱 matches the
 * words of 高龄津贴怎样申领 well, yet the entry cannot answer it.
 */

/** A question asking for an amount of money or a rate (not a duration, an age or a count of things). */
const ASKS_FIGURE = new RegExp(
  [
    "(?:多少|几多|好多)(?:钱|块|元|万)",
    "百分之几|几个点|几成",
    "(?:税率|费率|利率|比例|起付线|分数线)(?:是|为|有)?(?:多少|几多|好多|多高|几)",
    "(?:标准|金额|基数|上限|下限|限额|额度|月供|首付|费用|工本费|手续费|补贴|补助|津贴|罚款)(?:是|为|有)?(?:多少|几多|好多|几)",
    // 交/领/报销/罚… how much (多少天, 多少份 are durations and counts, not figures).
    "(?:报销|交|缴|领|拿|报|补|罚|扣|给|发|涨|退|提|贷|花|收|存|取|减|抵)(?:了|得|到)?(?:多少|几多|好多)(?![天年月日次岁分小时个间工份张本人项周期位名套件])",
  ].join("|"),
);
/** What one looks up rather than is told (还剩多少钱, 余额) and ages (退休年龄上限是多少). */
const NOT_A_FIGURE = /余额|还剩|剩下|还有(?:多少|几多|好多)|有(?:多少|几多|好多)钱|年龄|(?:多少|几多|几)岁/;

/** An amount or a rate written out: 300元, 5%, 百分之五, 两成, 3倍, 1.5万. */
const STATES_FIGURE =
  /[0-9０-９]+(?:\.[0-9]+)?\s*(?:元|块|%|％|万|倍|成)|百分之|[一二三四五六七八九十百千万两半]+(?:元|块钱|万元|成|倍)/;

/**
 * Places outside the province people ask about: other provinces and big cities, Hong Kong and Macao,
 * other countries. (The province's own places are not listed: a knowledge base speaks for them.)
 */
const OTHER_PLACES = [
  ...["北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽"],
  ...["福建", "江西", "山东", "河南", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃"],
  ...["青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "深圳", "广州", "杭州"],
  ...["南京", "苏州", "成都", "长沙", "郑州", "西安", "厦门", "青岛", "大连", "宁波", "东莞", "合肥"],
  ...["美国", "日本", "韩国", "德国", "英国", "法国", "新加坡", "澳大利亚", "澳洲", "加拿大", "俄罗斯"],
  ...["泰国", "马来西亚", "意大利", "新西兰", "越南", "国外", "外国", "海外"],
];
const OTHER_PLACE_WORDS = new Set(OTHER_PLACES);
/** A word naming one of OTHER_PLACES (上海, 上海市, 广东省, 美国人), the place or null. */
function otherPlace(word: string): string | null {
  if (OTHER_PLACE_WORDS.has(word)) return word;
  const base = word.replace(/[市省人的]$/u, "");
  return base !== word && OTHER_PLACE_WORDS.has(base) ? base : null;
}

/** An entry about moving or being served across regions, which speaks for other places in general. */
const CROSS_REGION = /异地|跨省|外省|省外|外地|境外|国外|出国|港澳|关系转移|转移接续|转入|转出/;

/** 1 when the question asks for a figure the entry neither states nor is asked for in its question. */
export function figureNotGiven(question: string, entryQuestion: string, entryAnswer: string): number {
  if (!ASKS_FIGURE.test(question) || NOT_A_FIGURE.test(question)) return 0;
  return ASKS_FIGURE.test(entryQuestion) || STATES_FIGURE.test(entryAnswer) ? 0 : 1;
}

/**
 * 1 when the question names a place outside the province that the entry neither names nor covers.
 * `words` are the question's words as segmented (so 东西安全 is not 西安, nor 周日本人 日本).
 */
export function placeNotCovered(words: readonly string[], entryText: string): number {
  const places = words.map(otherPlace).filter((p) => p !== null);
  if (places.length === 0 || CROSS_REGION.test(entryText)) return 0;
  return places.some((place) => !entryText.includes(place)) ? 1 : 0;
}
