/**
 * Input checks that run before retrieval. They decide only what must never reach the knowledge
 * base: empty or oversized input, markup, text without any words, instructions aimed at the
 * assistant itself (prompt injection, questions about the model) and pure small talk. Everything
 * else goes to retrieval, whose confidence decides whether to answer.
 */

export type GuardKind =
  "ok" | "empty" | "too_long" | "no_content" | "unsafe_markup" | "injection" | "chitchat" | "handoff";

export interface GuardResult {
  kind: GuardKind;
  /** The question normalised for retrieval (NFKC, markup removed, whitespace collapsed). */
  text: string;
}

/** Longer questions are almost never real questions (pasted documents, attacks). */
export const MAX_QUESTION_LENGTH = 300;

const SCRIPT_LIKE =
  /<\s*\/?\s*(script|iframe|object|embed|svg|img|style|link|meta)\b|\bon[a-z]+\s*=|javascript:/i;
const TAG = /<[^>]{0,200}>/g;

const INJECTION: RegExp[] = [
  // "忽略/无视/忘掉 以上/之前的 指令/规则/设定"
  /(忽略|无视|忽视|不要理会|别管|抛开)[^。！？!?]{0,12}(指令|指示|命令|规则|设定|提示|要求|限制|约束|以上|上面|之前|前面|所有)/,
  /(忘掉|忘记|跳过|覆盖|取消)[^。！？!?]{0,12}(指令|指示|命令|规则|设定|提示词|限制|约束)/,
  /(系统|system|初始|原始|隐藏)\s*(提示|prompt|指令|设定|消息)/i,
  /提示词|prompt|jailbreak|越狱|开发者模式|developer mode|\bDAN\b/i,
  /ignore\s+(all\s+|the\s+|any\s+)?(previous|prior|above|earlier)|disregard\s+(all|the|previous|prior|above)/i,
  // questions about the assistant itself rather than about government services
  /你是(谁|什么|哪个|哪家|哪里|机器人|人工智能|ai|真人)|你(叫|的名字)|(什么|哪个|谁的|哪家的?|啥)\s*(大)?模型|大模型|语言模型/i,
  /chat\s*gpt|openai|gpt-?\d|\bllm\b|\bclaude\b|文心一言|通义千问|deepseek/i,
  /扮演|假装(你|自己)是|(现在|从现在开始)你(是|就是|扮演)|你现在是|act as|pretend (to be|you are)|role\s*-?play/i,
  // requests to do a different job
  /(翻译|译成|用英文|用英语|写一首|写首|写一篇|写篇|作一首|编一个|讲个?故事|讲个?笑话|说个?笑话|陪我聊)/,
  /(数据库|后台|服务器|管理员|root)(的)?(账号|帐号|密码|口令|地址)/,
];

const SMALL_TALK =
  /^(你好|您好|你们好|hi|hello|hey|哈喽|嗨|在吗|在不在|有人吗|谢谢(你|您|啦)?|多谢|感谢|好的?|好吧|行|嗯+|哦+|噢+|啊+|哈+|呵+|嘿+|ok|okay|再见|拜拜|bye|早上好|晚上好|下午好|晚安|测试|test)+$/i;

/** Asking for a person (帮我转人工, 找人工, 我要人工客服, 转接真人): the hand-off starts. */
const HAND_OFF =
  /^(请|麻烦|帮我|给我|我要|我想|想|能不能|可以|能否)*(转|找|接|转接|联系|要)?(到|给)?(一下)?(人工|真人|人工客服|真人客服|客服人员|工作人员)(客服|服务)?(吧|啊|呀|谢谢)?$/;

const PERSON_WORD = "(人工客服|真人客服|人工服务|客服人员|人工|真人|活人|客服|工作人员)";
/** What may trail a request for a person (吧, 谢谢, 没用, 一下…): removed before the patterns below. */
const TRAILING = /(吧|啊|呀|呢|吗|嘛|哈|谢谢|没用|好吗|行吗|可以吗|一下)+$/;
/**
 * A request for a person, as the whole message (a report or question that merely names staff, such as
 * 工作人员让我明天再来 or 找客服改手机号, is not one): put me through (找人工, 我要人工客服), let me talk
 * (我要和客服说话, 让工作人员跟我说), is someone there (有没有人工客服, 人工客服在吗), get a person (叫个人来).
 */
const REQUESTS = [
  new RegExp(`(转|找|接|接通|叫|要|换|联系|转接)(一下|个|一个|一位|位)?${PERSON_WORD}$`),
  new RegExp(`(和|跟|同)${PERSON_WORD}(说话|说|聊聊|聊|对话|沟通|通话)$`),
  new RegExp(`让${PERSON_WORD}(跟|和|给)我(说话|说|讲|聊|回话|联系)$`),
  new RegExp(`^(有没有|有无)${PERSON_WORD}$`),
  new RegExp(`^${PERSON_WORD}(在不在|在线|在)$`),
  // 人工呢 (its trailing 呢 removed), 人工服务在哪, 请工作人员回复我, 找个工作人员跟我说.
  new RegExp(`^${PERSON_WORD}$`),
  new RegExp(`^${PERSON_WORD}(在哪|在哪里|在哪儿|怎么找|怎么转)$`),
  new RegExp(`^(请|让)?${PERSON_WORD}(尽快)?(回复|答复|联系|回电话给)我$`),
  new RegExp(`(找|叫|请)(个|一个|一位|位)?${PERSON_WORD}(跟|和|给)我(说话|说|讲|聊|回话)$`),
  // 我要留言 (the hand-off files a letter), 我要跟人讲, 找个人帮我问问.
  /^(我要|我想|我想要)?留言$/,
  /(跟|和|找)(个)?(人|真人|活人)(讲|说|聊|说话)$/,
  /(找|叫)(个|一个)人(帮我|给我)(问问|问一下|看看)$/,
  new RegExp(`^(你好|您好)${PERSON_WORD}$`),
  /(叫|找|换)(个|一个)(真)?人(来)?$/,
];
/** Turning down the machine: 我不要机器人, 智能客服听不懂. */
const NOT_THE_ROBOT =
  /(不要|不想要|不想跟|不想和|别用|不用)(机器人|机器|智能客服|自动回复)|(机器人|智能客服)(听不懂|没用|不行|答非所问|太笨|不懂)/;

/** Whether a short message (punctuation removed) asks for a person instead of the assistant. */
function asksForPerson(bare: string): boolean {
  if (HAND_OFF.test(bare)) return true;
  if ([...bare].length > 20) return false;
  if (NOT_THE_ROBOT.test(bare)) return true;
  const core = bare.replace(/^(没用|不行)/, "").replace(TRAILING, "");
  return REQUESTS.some((re) => re.test(core));
}

/** Removes markup and normalises the text; keeps only what a question can contain. */
export function normaliseQuestion(raw: string): string {
  return cleanText(raw.normalize("NFKC"));
}

/**
 * Text as people wrote it, tidied for keeping and showing (tags, control characters and runs of
 * spaces removed, canonical composition): full-width punctuation such as ，；？ stays as typed
 * (normaliseQuestion, for matching, folds it to ASCII).
 */
export function cleanText(raw: string): string {
  return (
    raw
      .normalize("NFC")
      // Full-width letters and digits (１３８…, ＥＴＣ) read as ASCII, so numbers are masked and
      // questions grouped alike; full-width punctuation stays.
      .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) =>
        String.fromCharCode(c.charCodeAt(0) - 0xfee0),
      )
      .replace(/\u3000/g, " ")
      .replace(TAG, " ")
      .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, " ")
      .replace(/\s+/g, " ")
      .trim()
  );
}

export function checkQuestion(raw: unknown): GuardResult {
  if (typeof raw !== "string") return { kind: "empty", text: "" };
  if (raw.trim() === "") return { kind: "empty", text: "" };
  if (raw.length > MAX_QUESTION_LENGTH * 4) return { kind: "too_long", text: "" };
  if (SCRIPT_LIKE.test(raw)) return { kind: "unsafe_markup", text: "" };
  const text = normaliseQuestion(raw);
  if (text.length > MAX_QUESTION_LENGTH) return { kind: "too_long", text: "" };
  if (!/[\p{Script=Han}A-Za-z]/u.test(text)) return { kind: "no_content", text: "" };
  if (INJECTION.some((re) => re.test(text))) return { kind: "injection", text };
  const bare = text.replace(/[\p{P}\p{S}\s]/gu, "");
  if (asksForPerson(bare)) return { kind: "handoff", text };
  if (bare === "" || SMALL_TALK.test(bare)) return { kind: "chitchat", text };
  return { kind: "ok", text };
}
