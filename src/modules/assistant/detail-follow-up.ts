/**
 * A follow-up that asks only for a detail of the matter just answered (要钱吗, 多久能好, 在哪办, 要带什么,
 * 网上能办吗, 可以代办吗), and whether an answer gives that detail: then the answer just given is the
 * answer again, rather than "not sure" or another entry that happens to mention the detail.
 */

interface DetailKind {
  /** The follow-up asks for this detail. */
  asks: RegExp;
  /** An answer that gives it. */
  gives: RegExp;
}

const DETAIL_KINDS: DetailKind[] = [
  {
    asks: /钱|费|收费|免费|多少/,
    gives: /[0-9０-９]+(?:\.[0-9]+)?\s*元|免费|不收费|不收取|收费|工本费|费用/,
  },
  {
    asks: /多久|多长时间|几天|多少天|什么时候|何时|拿到|领到|办好|能好/,
    gives: /[0-9０-９一二三四五六七八九十]+\s*(?:个)?(?:工作日|日|天|个月|小时)|当场|当天|即时|立即|随到随办/,
  },
  {
    asks: /哪里|哪儿|在哪|去哪|哪个|什么地方/,
    gives:
      /窗口|大厅|服务厅|中心|派出所|车管所|机关|网点|政务服务网|电子税务局|网上|APP|App|app|小程序|社区|医院|银行|[^\s，。、]{1,6}局/,
  },
  { asks: /材料|资料|带什么|带啥|要带|证件/, gives: /材料|身份证|证明|户口簿|照片|合同|证件/ },
  {
    asks: /代办|代领|本人|别人|家属|家里人|家人|亲属|委托/,
    // 亲自 answers it too (no).
    gives: /代办|代领|委托|代理|家属|监护人|亲自/,
  },
  {
    asks: /网上|线上|手机|在线|APP|app/,
    gives: /网上|线上|在线|网办|一网通办|政务服务网|电子税务局|APP|App|app|小程序|掌上/,
  },
];

/** Each kind's question pattern, to remove every occurrence (compiled once). */
const ASKS_ALL = new Map(DETAIL_KINDS.map((k) => [k, new RegExp(k.asks.source, "gu")]));

/** Words a detail question is made of besides the detail itself (要钱吗 = 要 + 钱 + 吗). */
const FILLER =
  /[那要能可以得需是不吗呢吧啊呀么嘛了的我你还再也就去办理弄搞到在有没多少什么怎样怎么如何用哪个儿里上好帮]/gu;

/**
 * The kinds of detail a short question asks for, or null when it asks for something else too (那户口本呢,
 * 要交什么税: a matter of its own).
 */
function askedDetails(text: string): DetailKind[] | null {
  const bare = text.replace(/[\p{P}\p{S}\s]/gu, "");
  if ([...bare].length > 8) return null;
  const kinds = DETAIL_KINDS.filter((k) => k.asks.test(bare));
  if (kinds.length === 0) return null;
  let rest = bare;
  for (const k of kinds) rest = rest.replace(ASKS_ALL.get(k)!, "");
  return rest.replace(FILLER, "").length === 0 ? kinds : null;
}

/** True when `text` asks only for details of a matter it does not name (网上能办吗, 家里人能帮我办吗). */
export function asksOnlyDetails(text: string): boolean {
  return askedDetails(text) !== null;
}

/** True when `text` asks only for details of the matter at hand, and `answer` gives every one. */
export function answerGivesAskedDetail(text: string, answer: string): boolean {
  const kinds = askedDetails(text);
  return kinds !== null && kinds.every((k) => k.gives.test(answer));
}
