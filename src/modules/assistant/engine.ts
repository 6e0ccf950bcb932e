/**
 * The assistant's retrieval engine: pure and in memory, built once from the FAQ entries.
 *
 * A question becomes a list of "concepts": each word of the question (jieba, canonical synonyms)
 * with the other ways to say it (colloquial expansions, sub-words, homophones found through pinyin).
 * Entries are ranked by BM25F over words plus BM25F over character uni/bigrams, with field weights
 * (question and alternative phrasings count most, the answer least). Whether to answer is decided by
 * a logistic model (decision-model.ts, weights learned from labelled questions by
 * `npm run train:assistant`) over signals of how well the best entry explains the question:
 * IDF-weighted coverage of the question's concepts (words unknown to the knowledge base count
 * against it), what is missing, shared characters, the lead over the next entry, and rule flags.
 *
 * Unknown words weigh by part of speech (an adverb or time word frames the question, a noun names a
 * topic). The rule flags say when the entry shares no real word with the question (only 证 or 吃),
 * when the question's topic noun or its most informative noun is missing from the entry (unless the
 * question also names the entry's own topic: 营业执照原件), when a missing specific noun modifies a
 * noun the entry has (退役军人优待证 is not the entry's 老年人优待证), when the specific subject noun
 * of a one-clause question is nowhere in the entry (高速公路收费标准), and when the actions asked for
 * (丢了…补, 取钱) are nowhere in the entry; the model weighs each as the data says.
 *
 * Colloquial words (colloquial.ts) add their standard words as alternatives, also when jieba splits
 * them (拿+钱, 不+干+了); two place names mean a move between regions (异地/跨省); in a question of
 * several clauses the scene-setting clauses weigh half, except nouns the knowledge base uses.
 */
import { idf as jiebaIdf } from "@node-rs/jieba/dict.js";
import { pinyin } from "pinyin-pro";
import { indexTokens, posTags, queryTokens, segment } from "../../platform/search/segmenter.ts";
import { canonicalWord, surfaceForms } from "../../platform/search/synonyms.ts";
import { colloquialExpansions, FILLER_WORDS } from "./colloquial.ts";
import type { FaqEntry } from "./faq-file.ts";
import {
  decide,
  loadDecisionModel,
  vetoed,
  type DecisionModel,
  type DecisionSignals,
} from "./decision-model.ts";
import { checkQuestion, type GuardKind } from "./guard.ts";
import { figureNotGiven, placeNotCovered } from "./answer-kind.ts";
import { answerGivesAskedDetail, asksOnlyDetails } from "./detail-follow-up.ts";

export type { FaqEntry } from "./faq-file.ts";

/** What the previous turn of a conversation leaves for the next one. Plain data: store it as JSON. */
export interface AssistantContext {
  /** The entry answered in the previous turn. */
  faqId: string | null;
  /** Canonical topic words of the previous turn (its question's matched words and the entry's category). */
  topicTokens: string[];
}

export interface Suggestion {
  faqId: string;
  question: string;
}

export type AnswerReason = "answered" | "low_confidence" | "off_topic" | Exclude<GuardKind, "ok">;

export interface AssistantAnswer {
  answered: boolean;
  faqId: string | null;
  answer: string;
  confidence: number;
  suggestions: Suggestion[];
  /** Why the assistant answered or not (for logs, the editor queue and the UI). */
  reason: AnswerReason;
  /** Pass this back as `context` with the next question of the same conversation. */
  context: AssistantContext | null;
  /** True when the previous turn's topic was merged into this (elliptical) question. */
  usedContext: boolean;
}

export interface AssistantEngineOptions {
  /** Confidence at or above which the best entry is given as the answer. */
  threshold?: number;
  /** How many "您是不是想问" suggestions to offer when not answering (2–3). */
  maxSuggestions?: number;
  /** Whether to answer (default: the shipped decision-model.json). */
  decisionModel?: DecisionModel;
}

let shippedModel: DecisionModel | undefined;

/**
 * The shipped decision model (decision-model.json), read once. The server reads it before it listens
 * (server.ts), so a broken file stops start-up instead of failing every question.
 */
export function shippedDecisionModel(): DecisionModel {
  return (shippedModel ??= loadDecisionModel());
}

export const DEFAULT_THRESHOLD = 0.5;

export const MESSAGES = {
  empty: "请输入您要咨询的问题，例如“租房怎么提取公积金”。",
  too_long: "您的问题有点长，请用一两句话描述要办理的事项，例如“身份证丢了怎么补办”。",
  no_content: "没有识别到您的问题，请用文字描述要咨询的事项。",
  unsafe_markup: "您的输入包含无法处理的内容，请用文字描述要咨询的事项。",
  injection:
    "我是政务服务智能客服（自动回复），只解答政务服务相关的问题；需要人工服务请说“转人工”。请问您要办理什么事项？",
  chitchat:
    "您好！我是政务服务智能客服，可以解答社保、医保、公积金、户籍、税务等办事问题。请问您要办理什么事项？",
  handoff:
    "好的，为您转人工客服。请在下方填写留言并验证手机号码，您的问题和对话记录会一并交给工作人员，按时限答复您。",
  off_topic:
    "抱歉，我不确定您是不是在接着问上一个问题。请把要办的事项说完整一些，例如“开发票要带什么材料”，或者转人工客服。",
  low_confidence:
    "抱歉，这个问题我还不能准确回答。您可以看看下面的相关问题，或者转人工客服，我们会尽快答复您。",
  low_confidence_no_suggestions:
    "抱歉，这个问题不在我目前的知识范围内。您可以转人工客服留言，我们会尽快答复您。",
} as const;

// ---- index structures ----

type FieldName = "question" | "alternatives" | "keywords" | "category" | "department" | "answer";

const FIELDS: readonly FieldName[] = [
  "question",
  "alternatives",
  "keywords",
  "category",
  "department",
  "answer",
];

/** BM25F field weights: how much a match in each field counts for ranking. */
const FIELD_WEIGHT: Record<FieldName, number> = {
  question: 3,
  alternatives: 3,
  keywords: 2.5,
  category: 1.2,
  department: 0.8,
  answer: 0.5,
};

/** How well a match in a field "explains" a question word (for coverage). */
const FIELD_STRENGTH: Record<FieldName, number> = {
  question: 1,
  alternatives: 1,
  keywords: 1,
  category: 0.8,
  department: 0.7,
  answer: 0.45,
};

const K1 = 1.2;
const B = 0.6;
const CHAR_K1 = 1.2;
const CHAR_B = 0.5;
/** Weight of the character n-gram score relative to the word score. */
const CHAR_LAMBDA = 0.35;
/** Weight of character unigrams relative to bigrams. */
const UNIGRAM_WEIGHT = 0.25;

interface Posting {
  /** Term frequency per field (index = FIELDS index). */
  tf: Float64Array;
}

interface TermIndex {
  postings: Map<string, Map<number, Posting>>;
  /** Field lengths per document (docs × fields). */
  lengths: Float64Array[];
  avgLength: Float64Array;
}

function emptyIndex(docCount: number): TermIndex {
  return {
    postings: new Map(),
    lengths: Array.from({ length: docCount }, () => new Float64Array(FIELDS.length)),
    avgLength: new Float64Array(FIELDS.length),
  };
}

function addTerms(index: TermIndex, doc: number, field: number, terms: readonly string[]): void {
  index.lengths[doc][field] += terms.length;
  for (const term of terms) {
    let byDoc = index.postings.get(term);
    if (!byDoc) index.postings.set(term, (byDoc = new Map()));
    let posting = byDoc.get(doc);
    if (!posting) byDoc.set(doc, (posting = { tf: new Float64Array(FIELDS.length) }));
    posting.tf[field] += 1;
  }
}

function finishIndex(index: TermIndex): void {
  const n = index.lengths.length || 1;
  for (let f = 0; f < FIELDS.length; f++) {
    let sum = 0;
    for (const lengths of index.lengths) sum += lengths[f];
    index.avgLength[f] = sum / n || 1;
  }
}

function idf(docCount: number, df: number): number {
  return Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
}

const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
const ALNUM_RUN = /[a-z0-9]+/g;

/** Characters that never carry a topic (function words, question words). */
const FILLER_CHARS = new Set(
  "的了吗呢吧啊呀么嘛呗哦嗯我你您他她它们这那哪些个是在有要想能会可以怎么样如何什啥咋谁吧去来到给把被让和与及或都也就还又很太再一下上里中之其".split(
    "",
  ),
);

/** Character unigrams and bigrams of a text (Han runs; latin/digit runs as whole tokens). */
function charGrams(text: string): { unigrams: string[]; bigrams: string[] } {
  const lower = text.toLowerCase();
  const unigrams: string[] = [];
  const bigrams: string[] = [];
  for (const match of lower.matchAll(HAN_RUN)) {
    const run = [...match[0]];
    for (let i = 0; i < run.length; i++) {
      if (!FILLER_CHARS.has(run[i])) unigrams.push(run[i]);
      if (i + 1 < run.length && !(FILLER_CHARS.has(run[i]) && FILLER_CHARS.has(run[i + 1])))
        bigrams.push(run[i] + run[i + 1]);
    }
  }
  for (const match of lower.matchAll(ALNUM_RUN)) unigrams.push(match[0]);
  return { unigrams, bigrams };
}

let generalIdf: Map<string, number> | undefined;

/**
 * IDF of words in general Chinese (jieba's idf table, shipped with @node-rs/jieba). It tells how
 * informative a word that the knowledge base has never seen is: 真的/回来 say little, 护照/工伤 say
 * a lot (a topic we do not cover).
 */
function generalWordIdf(word: string): number {
  if (!generalIdf) {
    generalIdf = new Map();
    const text = Buffer.from(jiebaIdf).toString("utf8");
    for (const line of text.split("\n")) {
      const space = line.indexOf(" ");
      if (space > 0) generalIdf.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
  }
  const known = generalIdf.get(word);
  if (known !== undefined) return known;
  // A word jieba's table lacks (often a segmentation artefact like 卡上): the mean of its characters.
  const chars = [...word];
  let sum = 0;
  for (const c of chars) sum += generalIdf.get(c) ?? GENERAL_IDF_HIGH;
  return sum / chars.length;
}

/** Whether jieba's general dictionary knows the word (a real word is not read as a typo). */
function isGeneralWord(word: string): boolean {
  generalWordIdf(word);
  return generalIdf!.has(word);
}

/** General IDF from which a noun counts as specific enough to name a topic. */
const TOPIC_NOUN_GENERAL_IDF = 8;
/** A topic noun matched below this strength in the best entry means the entry is about something else. */
const TOPIC_NOUN_MATCH = 0.5;

/** General IDF at or below which an unknown word is ordinary language. */
const GENERAL_IDF_LOW = 4;
/** General IDF at or above which an unknown word is a full topic word. */
const GENERAL_IDF_HIGH = 8.5;

function pinyinSyllables(text: string): string[] {
  return pinyin(text, { toneType: "none", type: "array" });
}

// ---- query representation ----

interface Alt {
  word: string;
  /** How fully a match of this word stands for the concept (1: same meaning; less: part of it). */
  factor: number;
}

interface Concept {
  /** Canonical words, any of which counts as a match. */
  alts: Alt[];
  /** Informativeness of the concept (corpus IDF, or general IDF for words the FAQ never uses). */
  idf: number;
  /** Weight of the concept in score and coverage. */
  weight: number;
  /** The word as typed (for topic tracking). */
  surface: string;
  /**
   * A specific noun of general Chinese (护照, 水费, 高速公路): if the best entry does not contain it,
   * the question is about something else that merely shares generic words (过期, 收费, 怎么换).
   */
  topicNoun?: boolean;
  /** The word is a noun (jieba) that the knowledge base's questions, phrasings or keywords use. */
  knownNoun?: boolean;
  /** The word is a noun (jieba) as typed, not a colloquial word standing for another (孩子 → 子女). */
  plainNoun?: boolean;
  /** Character offsets of the word in the question and its part of speech (jieba), when known. */
  start?: number;
  end?: number;
  tag?: string;
}

interface DocScore {
  doc: number;
  score: number;
}

interface Evaluation {
  ranked: DocScore[];
  confidence: number;
  concepts: Concept[];
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export class AssistantEngine {
  readonly threshold: number;
  private readonly maxSuggestions: number;
  private readonly entries: FaqEntry[];
  private readonly byId = new Map<string, number>();
  private readonly words: TermIndex;
  private readonly chars: TermIndex;
  /** Toneless pinyin of known words → the canonical words that sound like that. */
  private readonly pinyinVocabulary = new Map<string, Set<string>>();
  /** Words of questions, alternatives, keywords, categories and departments (not answers). */
  private readonly headWords = new Set<string>();
  /** Canonical topic words per entry (category and department). */
  private readonly topicWords: string[][];
  private readonly maxIdf: number;
  private readonly model: DecisionModel;

  constructor(entries: readonly FaqEntry[], options: AssistantEngineOptions = {}) {
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.model = options.decisionModel ?? shippedDecisionModel();
    this.maxSuggestions = Math.min(3, Math.max(2, options.maxSuggestions ?? 3));
    this.entries = entries.map((e) => ({
      ...e,
      keywords: [...e.keywords],
      alternatives: e.alternatives && [...e.alternatives],
    }));
    this.words = emptyIndex(this.entries.length);
    this.chars = emptyIndex(this.entries.length);
    this.topicWords = [];
    this.entries.forEach((entry, doc) => {
      this.byId.set(entry.id, doc);
      const texts: Record<FieldName, string[]> = {
        question: [entry.question],
        alternatives: entry.alternatives ?? [],
        keywords: entry.keywords,
        category: [entry.category],
        department: [entry.department],
        answer: [entry.answer],
      };
      FIELDS.forEach((field, f) => {
        for (const shown of texts[field]) {
          // Entries keep their text as written (，；？); matching reads it as questions are read.
          const text = shown.normalize("NFKC");
          const tokens = indexTokens(text);
          addTerms(this.words, doc, f, tokens);
          const grams = charGrams(text);
          addTerms(this.chars, doc, f, grams.bigrams);
          addTerms(this.chars, doc, f, grams.unigrams);
          if (field !== "answer")
            for (const token of tokens) {
              this.headWords.add(token);
              this.addPinyin(token);
            }
        }
      });
      this.topicWords.push([...new Set([...queryTokens(entry.category), ...queryTokens(entry.department)])]);
    });
    finishIndex(this.words);
    finishIndex(this.chars);
    this.maxIdf = idf(this.entries.length, 0);
    generalWordIdf("的"); // load the general IDF table now, not during the first question
  }

  private addPinyin(canonical: string): void {
    for (const form of surfaceForms(canonical)) {
      if ([...form].length < 2 || ![...form].every((c) => HAN.test(c))) continue;
      const key = pinyinSyllables(form).join(" ");
      let set = this.pinyinVocabulary.get(key);
      if (!set) this.pinyinVocabulary.set(key, (set = new Set()));
      set.add(canonical);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  entry(id: string): FaqEntry | undefined {
    const doc = this.byId.get(id);
    return doc === undefined ? undefined : this.entries[doc];
  }

  private known(word: string): boolean {
    return this.words.postings.has(word);
  }

  private wordIdf(word: string): number {
    const postings = this.words.postings.get(word);
    return idf(this.entries.length, postings ? postings.size : 0);
  }

  // ---- query analysis ----

  private concepts(text: string): Concept[] {
    const lower = text.toLowerCase();
    const tokens = mergeColloquial(
      segment(lower)
        .map((t) => t.replace(/[^\p{L}\p{N}]/gu, ""))
        .filter(Boolean),
      lower,
    );
    const concepts: Concept[] = [];
    const seen = new Set<string>();
    // Character offsets of each token, for the homophone pass below.
    const offsets: number[] = [];
    let cursor = 0;
    for (const token of tokens) {
      const at = lower.indexOf(token, cursor);
      offsets.push(at);
      if (at >= 0) cursor = at + token.length;
    }
    const tags = posTags(lower);
    const nouns = new Set(tags.filter((t) => t.tag.startsWith("n") && t.tag !== "nr").map((t) => t.word));
    const tagOf = new Map<string, string>();
    for (const t of tags) if (!tagOf.has(t.word)) tagOf.set(t.word, t.tag);
    const oovSpans: [number, number, Concept][] = [];
    /** Character ranges of tokens a homophone may rewrite: unknown words and single characters. */
    const loose: [number, number][] = [];
    const push = (concept: Concept) => {
      const key = concept.alts
        .map((a) => a.word)
        .sort()
        .join("|");
      if (seen.has(key)) return;
      seen.add(key);
      concepts.push(concept);
    };
    tokens.forEach((token, i) => {
      const at = offsets[i];
      const isHan = HAN.test(token);
      if (isHan && at >= 0 && [...token].length === 1 && !FILLER_WORDS.has(token)) loose.push([at, at + 1]);
      if (FILLER_WORDS.has(token)) return;
      // A one-character word used as an adverb or preposition (还没, 给我) is not the verb it can be (还钱, 给付).
      // (At the end of the question it is the verb: 助学贷款怎么还.)
      if (
        [...token].length === 1 &&
        FUNCTION_TAG.test(tagOf.get(token) ?? "") &&
        !this.headWords.has(token) &&
        /\p{Script=Han}/u.test(lower.slice(at + 1))
      )
        return;
      const { alts, meaningKnown } = this.alternativesOf(token);
      if (!meaningKnown && isHan) {
        const parts = this.decompose(token);
        if (parts) {
          parts.forEach(push);
          return;
        }
      }
      const length = [...token].length;
      let weight = length >= 2 || !isHan || colloquialExpansions(token) ? 1 : 0.5;
      if (QUANTITY_QUESTION.test(token)) weight = 0.3;
      const conceptIdf = meaningKnown
        ? Math.max(
            ...alts.filter((a) => a.factor === 1 && this.known(a.word)).map((a) => this.wordIdf(a.word)),
          )
        : this.unknownIdf(token);
      // Words the FAQ's questions never use weigh by their part of speech: an unknown adverb,
      // pronoun or time word (一定, 下来, 上个月) frames the question, an unknown verb (找不着, 办完)
      // is often a colloquial way to say a known action, an unknown noun names a topic.
      const headWord = alts.some((a) => a.factor === 1 && this.headWords.has(a.word));
      if (!headWord && isHan) weight *= posWeight(tagOf.get(token), token);
      const concept: Concept = { alts, idf: conceptIdf, weight, surface: token };
      const tag = tagOf.get(token) ?? "";
      if (at >= 0) Object.assign(concept, { start: at, end: at + token.length, tag });
      if (isHan && length >= 2 && tag.startsWith("n") && tag !== "nr" && !colloquialExpansions(token))
        concept.plainNoun = true;
      if (
        headWord &&
        isHan &&
        length >= 2 &&
        tag.startsWith("n") &&
        tag !== "nr" &&
        !colloquialExpansions(token)
      )
        concept.knownNoun = true;
      if (
        isHan &&
        !meaningKnown &&
        length >= 2 &&
        nouns.has(token) &&
        generalWordIdf(token) >= TOPIC_NOUN_GENERAL_IDF
      )
        concept.topicNoun = true;
      // Words the FAQ uses only in answers (or never) may be misspelt head words: 公基金 → 公/基金.
      if (!headWord && isHan && at >= 0) {
        oovSpans.push([at, at + token.length, concept]);
        loose.push([at, at + token.length]);
      }
      push(concept);
    });
    // Homophones: a run of characters containing an unknown word that sounds like a known word
    // (公基金 → 公积金) is read as that word.
    const replaced = new Set<Concept>();
    for (const match of lower.matchAll(HAN_RUN)) {
      const start = match.index ?? 0;
      const run = match[0];
      const syllables = pinyinSyllables(run);
      if (syllables.length !== run.length) continue;
      for (let n = 4; n >= 2; n--) {
        for (let i = 0; i + n <= run.length; i++) {
          const span = run.slice(i, i + n);
          const spanStart = start + i;
          const spanEnd = spanStart + n;
          const overlapped = oovSpans.filter(([s, e]) => s < spanEnd && e > spanStart);
          if (overlapped.length === 0) continue;
          if (this.known(canonicalWord(span))) continue;
          if (isGeneralWord(span)) continue; // 水费 is water, not a misspelt 税费
          // Only characters of unknown (or answer-only) words or loose single characters may be misspelt.
          let inside = true;
          for (let c = spanStart; c < spanEnd && inside; c++)
            inside = loose.some(([s, e]) => s <= c && c < e);
          if (!inside) continue;
          const candidates = this.pinyinVocabulary.get(syllables.slice(i, i + n).join(" "));
          if (!candidates) continue;
          // A typo keeps some characters right (公基金 → 公积金): at most half of them may differ.
          const words = [...candidates].filter((word) =>
            surfaceForms(word).some((form) => {
              if ([...form].length !== n) return false;
              let differ = 0;
              for (let c = 0; c < n; c++) if ([...form][c] !== span[c]) differ++;
              return differ <= Math.max(1, Math.floor(n / 2));
            }),
          );
          if (words.length === 0) continue;
          const alts = words.map((word) => ({ word, factor: HOMOPHONE_FACTOR }));
          // Unknown tokens inside the span are explained by the homophone.
          for (const [s, e, c] of overlapped) if (s >= spanStart && e <= spanEnd) replaced.add(c);
          const conceptIdf = Math.max(...words.map((w) => this.wordIdf(w)));
          push({ alts, idf: conceptIdf, weight: 1, surface: span });
        }
      }
    }
    const result = concepts.filter((c) => !replaced.has(c));
    // A long question tells a story around its point: words the FAQ never uses are then more likely
    // narrative (回老家, 好几年) than a missing topic, so they weigh less the longer the question.
    const unknown = result.filter((c) => !c.alts.some((a) => this.known(a.word)));
    if (result.length > LONG_QUESTION_CONCEPTS)
      for (const c of unknown) c.weight *= LONG_QUESTION_CONCEPTS / result.length;
    // Two places in one question (从深圳回老家, 在上海交的…回武汉) mean a move between regions, which
    // the knowledge base calls 异地/跨省/跨城市; a single place name stays itself (去香港).
    const places = result.filter(
      (c) => PLACE_WORDS.has(c.surface) || (c.tag === "ns" && !c.alts.some((a) => this.known(a.word))),
    );
    if (places.length >= 2)
      for (const c of places) {
        const between = CROSS_REGION_WORDS.filter((w) => this.known(w));
        c.alts = [
          ...c.alts.filter((a) => !between.includes(a.word)),
          ...between.map((word) => ({ word, factor: CROSS_REGION_FACTOR })),
        ];
      }
    // A question told in several clauses asks in its last one (…，公积金能全部提出来吗): the earlier
    // clauses set the scene. Their words weigh less, except nouns naming what the question is about.
    const lastClause = lastClauseStart(lower);
    if (lastClause > 0 && result.length >= NARRATIVE_MIN_CONCEPTS)
      for (const c of result)
        if (c.start !== undefined && c.end !== undefined && c.end <= lastClause && !isSalient(c))
          c.weight *= NARRATIVE_WEIGHT;
    return result;
  }

  /**
   * Splits an unknown compound into known words when they account for all of it (大学毕业 → 大学 +
   * 毕业, 自由职业者 → 自由职业 + 者); filler characters are free, one stray character is allowed in
   * long compounds. Returns null when the compound holds something the knowledge base lacks.
   */
  private decompose(token: string): Concept[] | null {
    const chars = [...token];
    const n = chars.length;
    if (n < 2 || n > 12) return null;
    type Piece = { text: string; concept: Concept | null };
    // best[i]: fewest uncovered characters for chars[i..], with its pieces.
    const best: { miss: number; pieces: Piece[] }[] = new Array(n + 1);
    best[n] = { miss: 0, pieces: [] };
    for (let i = n - 1; i >= 0; i--) {
      let choice = {
        miss: best[i + 1].miss + 1,
        pieces: [{ text: chars[i], concept: null }, ...best[i + 1].pieces],
      };
      for (let j = i + 1; j <= n; j++) {
        if (j - i === n) continue; // the whole token is what we are splitting
        const text = chars.slice(i, j).join("");
        let concept: Concept | null = null;
        let free = false;
        if (FILLER_WORDS.has(text)) free = true;
        else {
          const canonical = canonicalWord(text);
          const expansions = (colloquialExpansions(text) ?? [])
            .map(canonicalWord)
            .filter((w) => this.known(w));
          const words = [
            ...new Set([...(j - i >= 2 && this.known(canonical) ? [canonical] : []), ...expansions]),
          ];
          if (words.length > 0)
            concept = {
              alts: words.map((word) => ({ word, factor: 1 })),
              idf: Math.max(...words.map((w) => this.wordIdf(w))),
              weight: 1,
              surface: text,
            };
        }
        if (!free && !concept) continue;
        const rest = best[j];
        if (rest.miss < choice.miss || (rest.miss === choice.miss && concept && j - i > 1))
          choice = { miss: rest.miss, pieces: [{ text, concept }, ...rest.pieces] };
      }
      best[i] = choice;
    }
    const allowed = n >= 4 ? 1 : 0;
    const result = best[0];
    const concepts = result.pieces.flatMap((p) => (p.concept ? [p.concept] : []));
    if (result.miss > allowed || concepts.length === 0) return null;
    return concepts;
  }

  /** How much an unknown word says: 真的/回来 little, 护照/工伤 a lot (a topic the FAQ lacks). */
  private unknownIdf(token: string): number {
    const general = generalWordIdf(token);
    const scale = (general - GENERAL_IDF_LOW) / (GENERAL_IDF_HIGH - GENERAL_IDF_LOW);
    return this.maxIdf * Math.min(1, Math.max(0.1, scale));
  }

  /**
   * Ways the knowledge base may say a word: its canonical form and colloquial expansions (same
   * meaning), and, weaker, its known sub-words and the known parts of an unknown compound (咋取 → 取
   * → 提取). `meaningKnown` says whether the word itself (or a same-meaning word) is in the FAQ.
   */
  private alternativesOf(token: string): { alts: Alt[]; meaningKnown: boolean } {
    const alts = new Map<string, number>();
    const add = (word: string, factor: number) => alts.set(word, Math.max(alts.get(word) ?? 0, factor));
    add(canonicalWord(token), 1);
    for (const e of colloquialExpansions(token) ?? []) add(canonicalWord(e), 1);
    const meaningKnown = [...alts.keys()].some((w) => this.known(w));
    // A word the knowledge base uses only in answers (开个 in 开个体户) may still be a colloquial
    // compound of the question's own: its colloquial parts are read too.
    const headKnown = [...alts.keys()].some((w) => this.headWords.has(w));
    for (const sub of indexTokens(token)) add(sub, SUBWORD_FACTOR);
    const chars = [...token];
    // Colloquial single characters count only next to a filler (咋取, 能交), not inside words (打工);
    // such a pair (哪查, 能领) is read as its verb even when the knowledge base happens to use it.
    const shortCompound = chars.length === 2;
    if ((!headKnown || shortCompound) && chars.length >= 2) {
      for (let n = Math.min(4, chars.length - 1); n >= 1; n--) {
        for (let i = 0; i + n <= chars.length; i++) {
          const part = chars.slice(i, i + n).join("");
          if (FILLER_WORDS.has(part)) continue;
          const canonical = canonicalWord(part);
          if (n >= 2 && !headKnown) add(canonical, SUBWORD_FACTOR);
          const rest = chars.filter((_, k) => k < i || k >= i + n).join("");
          if ((n >= 2 && !headKnown) || (shortCompound && FILLER_WORDS.has(rest)))
            for (const e of colloquialExpansions(part) ?? []) add(canonicalWord(e), PART_EXPANSION_FACTOR);
        }
      }
    }
    const known = [...alts].filter(([w]) => this.known(w)).map(([word, factor]) => ({ word, factor }));
    return { alts: known.length > 0 ? known : [{ word: canonicalWord(token), factor: 1 }], meaningKnown };
  }

  // ---- scoring ----

  private bm25(
    index: TermIndex,
    term: string,
    k1: number,
    b: number,
    out: Map<number, number>,
    weight: number,
  ) {
    const postings = index.postings.get(term);
    if (!postings) return;
    const termIdf = idf(this.entries.length, postings.size);
    for (const [doc, posting] of postings) {
      let tf = 0;
      for (let f = 0; f < FIELDS.length; f++) {
        if (posting.tf[f] === 0) continue;
        const norm = 1 - b + (b * index.lengths[doc][f]) / index.avgLength[f];
        tf += (FIELD_WEIGHT[FIELDS[f]] * posting.tf[f]) / norm;
      }
      const value = (termIdf * tf) / (k1 + tf);
      out.set(doc, Math.max(out.get(doc) ?? 0, value * weight));
    }
  }

  /** Strength (0..1) with which a document's fields contain a term. */
  private strength(index: TermIndex, term: string, doc: number): number {
    const posting = index.postings.get(term)?.get(doc);
    if (!posting) return 0;
    let best = 0;
    for (let f = 0; f < FIELDS.length; f++)
      if (posting.tf[f] > 0) best = Math.max(best, FIELD_STRENGTH[FIELDS[f]]);
    return best;
  }

  private evaluate(concepts: Concept[], text: string): Evaluation {
    const scores = new Map<number, number>();
    for (const concept of concepts) {
      const best = new Map<number, number>();
      for (const alt of concept.alts) this.bm25(this.words, alt.word, K1, B, best, alt.factor);
      for (const [doc, value] of best) scores.set(doc, (scores.get(doc) ?? 0) + concept.weight * value);
    }
    const grams = charGrams(text);
    const bigrams = [...new Set(grams.bigrams)];
    const unigrams = [...new Set(grams.unigrams)];
    const charScores = new Map<number, number>();
    for (const gram of bigrams) {
      const one = new Map<number, number>();
      this.bm25(this.chars, gram, CHAR_K1, CHAR_B, one, 1);
      for (const [doc, value] of one) charScores.set(doc, (charScores.get(doc) ?? 0) + value);
    }
    for (const gram of unigrams) {
      const one = new Map<number, number>();
      this.bm25(this.chars, gram, CHAR_K1, CHAR_B, one, UNIGRAM_WEIGHT);
      for (const [doc, value] of one) charScores.set(doc, (charScores.get(doc) ?? 0) + value);
    }
    for (const [doc, value] of charScores) scores.set(doc, (scores.get(doc) ?? 0) + CHAR_LAMBDA * value);
    const ranked = [...scores]
      .map(([doc, score]) => ({ doc, score }))
      .sort((a, b) => b.score - a.score || a.doc - b.doc);
    const confidence = ranked.length > 0 ? this.confidence(concepts, ranked, text.toLowerCase()) : 0;
    return { ranked, confidence, concepts };
  }

  /** How strongly a document contains a concept (0..1, the best of its alternatives). */
  private conceptStrength(concept: Concept, doc: number): number {
    let strength = 0;
    for (const alt of concept.alts)
      strength = Math.max(strength, alt.factor * this.strength(this.words, alt.word, doc));
    return strength;
  }

  private wordCoverage(concepts: Concept[], doc: number): number {
    let total = 0;
    let covered = 0;
    for (const concept of concepts) {
      const weight = concept.weight * concept.idf;
      total += weight;
      let strength = 0;
      for (const alt of concept.alts)
        strength = Math.max(strength, alt.factor * this.strength(this.words, alt.word, doc));
      if (strength === 0 && !concept.alts.some((a) => this.known(a.word)))
        strength = this.sharedCharStrength(concept.surface, doc);
      else if (strength === 0 && [...concept.surface].length === 1 && !colloquialExpansions(concept.surface))
        // A single character the entry has inside its words (税 in 退税, 退 in 退税).
        strength = this.sharedCharStrength(concept.surface, doc);
      covered += weight * strength;
    }
    return total > 0 ? covered / total : 0;
  }

  /**
   * Partial credit for a word the knowledge base never uses that shares its meaningful characters
   * with the entry's question, phrasings or keywords: colloquial verbs often keep one character of
   * the standard word (停学 / 休学, 扣光 / 扣满, 能免 / 减免).
   */
  private sharedCharStrength(word: string, doc: number): number {
    const chars = [...word].filter((c) => HAN.test(c) && !FILLER_CHARS.has(c));
    if (chars.length === 0) return 0;
    let shared = 0;
    for (const c of chars) if (this.strength(this.chars, c, doc) >= 1) shared++;
    return (SHARED_CHAR_FACTOR * shared) / chars.length;
  }

  /**
   * Confidence that the best entry answers the question: the decision model's probability
   * (decision-model.ts) over the signals below, held below the threshold when a veto applies.
   */
  private confidence(concepts: Concept[], ranked: DocScore[], text: string): number {
    const top = ranked[0];
    if (concepts.length === 0 || top.score <= 0) return 0;
    const signals = this.decisionSignals(concepts, ranked, text);
    const probability = decide(this.model, signals);
    return vetoed(signals) ? Math.min(probability, this.threshold * VETOED_SHARE) : probability;
  }

  /**
   * Confidence in an entry picked for a follow-up from the conversation's topic (a ranking reordered
   * by topic, a question merged with the previous turn's words): the model was never fitted on such
   * questions, so they keep the coverage rule: the share of the question the entry explains, held
   * just below the decision point when any rule flag is raised, through a logistic curve.
   */
  private followUpConfidence(concepts: Concept[], ranked: DocScore[], text: string): number {
    const top = ranked[0];
    if (concepts.length === 0 || top.score <= 0) return 0;
    const s = this.decisionSignals(concepts, ranked, text);
    const flagged =
      s.rivals ||
      s.noAnchor ||
      s.missesTopicNoun ||
      s.missesMainConcept ||
      s.missesModifier ||
      s.missesActions ||
      s.missesSubject;
    const effective = flagged ? Math.min(s.coverage, FLAGGED_COVERAGE) : s.coverage;
    const curve = 1 / (1 + Math.exp(-CONFIDENCE_SLOPE * (effective - COVERAGE_DECISION_POINT)));
    // Flagged: below the threshold whatever it is (the curve alone would answer at a low one).
    return flagged ? Math.min(curve, this.threshold * VETOED_SHARE) : curve;
  }

  /**
   * What the decision model weighs for the best entry: IDF-weighted coverage of the question's
   * concepts (all fields, and question/phrasings/keywords only), what is missing (the largest and the
   * share, nouns), character bigrams and characters of the question found in the entry and in the
   * knowledge base at all, the lead over the next entry, the question's size, and the flags of the
   * rules below (another topic noun, main concept, modifier, action or subject than the entry's; no
   * anchor word; several entries as good).
   */
  private decisionSignals(concepts: Concept[], ranked: DocScore[], text: string): DecisionSignals {
    const top = ranked[0];
    const doc = top.doc;
    const coverage = this.wordCoverage(concepts, doc);
    // Ambiguous: several entries explain the question just as well and score about the same.
    let rivals = 0;
    for (const other of ranked.slice(1, 5))
      if (
        other.score >= top.score * AMBIGUOUS_SCORE_RATIO &&
        this.wordCoverage(concepts, other.doc) >= coverage - 0.01
      )
        rivals++;
    const second = ranked[1];
    let total = 0;
    let head = 0;
    let largestMiss = 0;
    let missed = 0;
    let missedNouns = 0;
    for (const c of concepts) {
      const weight = c.weight * c.idf;
      total += weight;
      let headStrength = 0;
      for (const alt of c.alts)
        if (this.strength(this.words, alt.word, doc) >= FIELD_STRENGTH.question)
          headStrength = Math.max(headStrength, alt.factor);
      head += weight * headStrength;
      if (this.conceptStrength(c, doc) === 0) {
        largestMiss = Math.max(largestMiss, weight / this.maxIdf);
        missed += weight;
        if (c.topicNoun || c.plainNoun) missedNouns++;
      }
    }
    const bigrams = [...new Set(charGrams(text).bigrams)];
    const chars = [...new Set([...text].filter((c) => HAN.test(c) && !FILLER_CHARS.has(c)))];
    const inEntry = (gram: string) => this.chars.postings.get(gram)?.has(doc) ?? false;
    const inHead = (gram: string) => {
      const posting = this.chars.postings.get(gram)?.get(doc);
      return posting !== undefined && posting.tf[0] + posting.tf[1] + posting.tf[2] > 0;
    };
    const share = (grams: string[], test: (gram: string) => boolean) =>
      grams.length > 0 ? grams.filter(test).length / grams.length : 0;
    const namesTopic = this.namesEntryTopic(concepts, doc);
    const entry = this.entries[doc];
    return {
      coverage,
      rivals: rivals >= 2 ? 1 : 0,
      noAnchor: this.hasAnchor(concepts, doc) ? 0 : 1,
      noSharedWord: this.hasAnchor(concepts, doc, 0) ? 0 : 1,
      onlySingleCharacters: concepts.every((c) => [...c.surface].length === 1) ? 1 : 0,
      missesTopicNoun: this.missesTopicNoun(concepts, doc) && !namesTopic ? 1 : 0,
      missesMainConcept: this.missesMainConcept(concepts, doc) && !namesTopic ? 1 : 0,
      missesModifier: this.missesModifier(concepts, doc, text) ? 1 : 0,
      missesActions: this.missesActions(concepts, doc) ? 1 : 0,
      missesSubject: this.missesSubject(concepts, doc, text) ? 1 : 0,
      logMargin: Math.log(second && second.score > 0 ? Math.min(top.score / second.score, 5) : 5),
      headCoverage: total > 0 ? head / total : 0,
      largestMiss,
      missedShare: total > 0 ? missed / total : 0,
      missedNouns,
      bigramsInEntry: share(bigrams, inEntry),
      bigramsInKnowledgeBase: share(bigrams, (gram) => this.chars.postings.has(gram)),
      logConcepts: Math.log1p(concepts.length),
      coverageLead: coverage - (second ? this.wordCoverage(concepts, second.doc) : 0),
      bigramsInHead: share(bigrams, inHead),
      charsInHead: share(chars, inHead),
      charsInEntry: share(chars, inEntry),
      logLength: Math.log1p([...text].length),
      figureNotGiven: figureNotGiven(text, entry.question, entry.answer),
      placeNotCovered: placeNotCovered(
        concepts.map((c) => c.surface),
        this.entryText(doc),
      ),
    };
  }

  /** An entry's question, phrasings, keywords and answer, as one text (for the answer-kind signals). */
  private entryText(doc: number): string {
    const e = this.entries[doc];
    return [e.question, ...(e.alternatives ?? []), ...e.keywords, e.answer].join("\n");
  }

  /**
   * The decision model's signals for a question's best entry, as a first question (for training the
   * model: see train-cli.ts), or null when ask() refuses it without the model or no entry shares
   * anything with it.
   */
  signalsFor(question: string): { faqId: string; signals: DecisionSignals } | null {
    const guard = checkQuestion(question);
    // What ask() refuses before any entry is weighed (chit-chat, injection, hand-off, a follow-up with
    // nothing to follow) is not the model's decision.
    if (guard.kind !== "ok") return null;
    const concepts = this.concepts(guard.text);
    const { ranked } = this.evaluate(concepts, guard.text);
    if (concepts.length === 0 || !ranked[0] || ranked[0].score <= 0) return null;
    if (this.isLoneFollowUp(guard.text, concepts, ranked[0].doc)) return null;
    return {
      faqId: this.entries[ranked[0].doc].id,
      signals: this.decisionSignals(concepts, ranked, guard.text.toLowerCase()),
    };
  }

  /**
   * Whether the entry contains a real word of the question (two or more characters) in its question,
   * phrasings or keywords; with `minWeight`, a word weighing that much (not a framing word or a word of
   * a scene-setting clause). A match on single characters (吃, 房) alone is never a reason to answer.
   */
  private hasAnchor(concepts: Concept[], doc: number, minWeight = 0.75): boolean {
    return concepts.some(
      (c) =>
        c.weight >= minWeight && [...c.surface].length >= 2 && this.conceptStrength(c, doc) >= ANCHOR_MATCH,
    );
  }

  /**
   * Whether the question names the entry's own topic with a specific noun (营业执照, 食品经营许可证):
   * then an unknown noun beside it (原件, 零食) is a detail of the same matter, not another matter.
   */
  private namesEntryTopic(concepts: Concept[], doc: number): boolean {
    return concepts.some(
      (c) =>
        c.knownNoun &&
        c.weight >= 0.75 &&
        c.idf >= ENTRY_TOPIC_IDF &&
        this.conceptStrength(c, doc) >= ANCHOR_MATCH,
    );
  }

  /**
   * Whether a noun of the question that the entry lacks (not a place: 从广东回湖北工作) modifies a noun the entry has: 退役军人优待证
   * is a kind of 优待证 other than the entry's 老年人优待证, 生育津贴 another 津贴 than 高龄津贴. (A noun
   * after the matched one is a part of the same thing: 营业执照原件, 驾驶证电子版.)
   */
  private missesModifier(concepts: Concept[], doc: number, text: string): boolean {
    return concepts.some((c) => {
      if (c.end === undefined || c.weight < NOUN_RULE_WEIGHT || !isNounish(c.tag) || c.tag === "ns")
        return false;
      if ([...c.surface].length < 2 || !HAN.test(c.surface) || colloquialExpansions(c.surface)) return false;
      // Only a specific noun names another kind of thing (退役军人, 生育); 陌生公司, 企业账户 do not.
      if (generalWordIdf(c.surface) < TOPIC_NOUN_GENERAL_IDF) return false;
      // Mentioned anywhere in the entry, even its answer (重度残疾), it is not another matter.
      if (this.conceptStrength(c, doc) >= FIELD_STRENGTH.answer || this.headCharMatches(c, doc)) return false;
      const next = text[c.end] === "的" ? c.end + 1 : c.end;
      return concepts.some(
        (d) =>
          d.start === next &&
          d !== c &&
          isNounish(d.tag) &&
          !colloquialExpansions(d.surface) &&
          this.conceptStrength(d, doc) >= ANCHOR_MATCH,
      );
    });
  }

  /**
   * Whether the subject of a one-clause question (its first word, a noun as typed: 高速公路 in
   * 高速公路收费标准, 股票 in 股票分红要交个税吗, 企业 in 企业所得税…) is absent from the entry, even
   * its answer (a sub-word alone does not count): then the entry answers the same kind of question
   * (收费标准, 交个税) about something else. (In a question of several clauses the first noun of the
   * last one is often a detail: 能在手机上办吗, 旧卡要去换吗; measured worse.)
   */
  private missesSubject(concepts: Concept[], doc: number, text: string): boolean {
    if (lastClauseStart(text) > 0) return false;
    let subject: Concept | undefined;
    for (const c of concepts)
      if (c.start !== undefined && (subject?.start === undefined || c.start < subject.start)) subject = c;
    if (!subject || !subject.plainNoun || subject.tag === "ns" || subject.weight < 0.75) return false;
    // An ordinary word the knowledge base uses elsewhere (企业银行账户) is a detail, not another matter.
    if (subject.knownNoun && generalWordIdf(subject.surface) < TOPIC_NOUN_GENERAL_IDF) return false;
    if (this.conceptStrength(subject, doc) >= FIELD_STRENGTH.answer) return false;
    return !this.headCharMatches(subject, doc);
  }

  /**
   * Whether the question asks for specific things to be done to its subject (丢了怎么补, 撤掉, 换新)
   * that the entry nowhere mentions, not even in its answer: then the entry is about the same
   * document or benefit but another matter (how to get it, not how to replace it).
   */
  private missesActions(concepts: Concept[], doc: number): boolean {
    let missing = 0;
    for (const c of concepts) {
      if (c.weight < 0.75 || !c.alts.some((a) => ACTION_WORDS.has(a.word))) continue;
      if (this.conceptStrength(c, doc) > 0) return false;
      missing++;
    }
    // In a two-word question (银行卡怎么取钱) the action is half of what is asked: one is enough.
    return missing >= (concepts.length <= 2 ? 1 : 2);
  }

  /**
   * Whether the question's most informative word (weight × IDF) is absent from the entry: 生育 in
   * 生育津贴怎么领 against an entry on 高龄津贴. The word that says most is usually what is asked about.
   */
  private missesMainConcept(concepts: Concept[], doc: number): boolean {
    let main: Concept | undefined;
    for (const c of concepts) if (!main || c.weight * c.idf > main.weight * main.idf) main = c;
    if (!main || !main.plainNoun || main.weight < NOUN_RULE_WEIGHT) return false;
    // A sub-word match (自由职业者 → 灵活就业) counts as partly present.
    if (this.conceptStrength(main, doc) >= SUBWORD_FACTOR) return false;
    return !this.headCharMatches(main, doc);
  }

  /**
   * Chinese compounds are right-headed: 私家车 is a kind of 车, 自建房 a kind of 房. A three-character
   * noun whose head character the entry contains is on topic (longer ones like 工伤保险 are two words:
   * their own modifier 工伤 must match).
   */
  private headCharMatches(concept: Concept, doc: number): boolean {
    const chars = [...concept.surface];
    return chars.length === 3 && this.strength(this.chars, chars[2], doc) >= 1;
  }

  /** Whether a specific noun of the question (its topic) is absent from the entry. */
  private missesTopicNoun(concepts: Concept[], doc: number): boolean {
    return concepts.some((concept) => {
      if (!concept.topicNoun || concept.weight < 0.75) return false;
      let strength = 0;
      for (const alt of concept.alts)
        strength = Math.max(strength, alt.factor * this.strength(this.words, alt.word, doc));
      if (strength >= TOPIC_NOUN_MATCH) return false;
      return !this.headCharMatches(concept, doc);
    });
  }

  // ---- public API ----

  /** Diagnostic view of how a question is read (concepts, their IDF and match in the best entries). */
  explain(question: string): {
    concepts: { surface: string; alts: string[]; weight: number; idf: number; matched: number }[];
    top: { id: string; score: number; coverage: number }[];
    confidence: number;
  } {
    const text = checkQuestion(question).text;
    const concepts = this.concepts(text);
    const result = this.evaluate(concepts, text);
    return {
      concepts: concepts.map((c) => ({
        surface: c.surface,
        alts: c.alts.map((a) => (a.factor === 1 ? a.word : `${a.word}×${round(a.factor)}`)),
        weight: c.weight,
        idf: round(c.idf),
        matched: result.ranked[0] ? round(this.conceptStrength(c, result.ranked[0].doc)) : 0,
      })),
      confidence: round(result.confidence),
      top: result.ranked.slice(0, 3).map((r) => ({
        id: this.entries[r.doc].id,
        score: round(r.score),
        coverage: round(this.wordCoverage(concepts, r.doc)),
      })),
    };
  }

  /** Ids of the entries closest to a question, best first, whatever the confidence (for editors). */
  nearest(question: string, count: number): string[] {
    const guard = checkQuestion(question);
    if (!guard.text) return [];
    const result = this.evaluate(this.concepts(guard.text), guard.text);
    return result.ranked.slice(0, count).map((r) => this.entries[r.doc].id);
  }

  /** Answers one question; never throws for any input. */
  ask(question: unknown, context?: AssistantContext | null): AssistantAnswer {
    const guard = checkQuestion(question);
    if (guard.kind !== "ok") {
      return {
        answered: false,
        faqId: null,
        answer: MESSAGES[guard.kind],
        confidence: 0,
        suggestions: [],
        reason: guard.kind,
        context: context ?? null,
        usedContext: false,
      };
    }
    const own = this.concepts(guard.text);
    let result = this.evaluate(own, guard.text);
    const ownResult = result;
    let usedContext = false;
    if (context && context.topicTokens.length > 0 && this.isElliptical(guard.text, own)) {
      const ownAlts = new Set(own.flatMap((c) => c.alts.map((a) => a.word)));
      const topic: Concept[] = context.topicTokens
        .filter((t) => typeof t === "string" && !ownAlts.has(t) && this.known(t))
        .map((t) => ({
          alts: [{ word: t, factor: 1 }],
          idf: this.wordIdf(t),
          weight: TOPIC_WEIGHT,
          surface: t,
        }));
      if (topic.length > 0) {
        const merged = this.evaluate([...own, ...topic], guard.text);
        // The follow-up's own words must be explained by the entry; the topic only picks among them.
        const fitting = merged.ranked.filter(
          (r, i) => i < 10 && this.wordCoverage(own, r.doc) >= COVERAGE_DECISION_POINT,
        );
        if (fitting.length > 0) {
          const reranked = [...fitting, ...merged.ranked.filter((r) => !fitting.includes(r))];
          const confidence = this.followUpConfidence(merged.concepts, reranked, guard.text.toLowerCase());
          if (confidence >= this.threshold || confidence > result.confidence) {
            result = { ranked: reranked, confidence, concepts: merged.concepts };
            usedContext = true;
          }
        }
      }
    }
    // A follow-up stays on the conversation's topic or says it is unsure: "那要带什么材料" after a
    // question about invoices must not jump to another matter that also lists materials.
    const previous = context?.faqId ? this.byId.get(context.faqId) : undefined;
    // 要钱吗 after 身份证补领, whose answer gives the fee: that answer again.
    if (previous !== undefined && answerGivesAskedDetail(guard.text, this.entries[previous].answer))
      return {
        ...this.answerWith(previous, { ranked: [], concepts: [] }, this.threshold, true),
        context: context ?? null,
      };
    // …and one the answer does not give is not answered from another entry that happens to mention
    // it (手机上能弄吗 after 新生儿上户口 is not a question about the pension check done by phone).
    if (previous !== undefined && asksOnlyDetails(guard.text))
      return {
        answered: false,
        faqId: null,
        answer: MESSAGES.low_confidence,
        confidence: 0,
        suggestions: [{ faqId: this.entries[previous].id, question: this.entries[previous].question }],
        reason: "low_confidence",
        context: context ?? null,
        usedContext: false,
      };
    if (previous !== undefined && this.isElliptical(guard.text, own) && result.ranked[0]) {
      // On topic: the same entry or category, or the follow-up names a matter of its own that the
      // entry has (那户口本呢 after 身份证丢了 is a question about 户口本).
      const namesOwnMatter = (doc: number) => this.namesOwnMatter(own, doc);
      const onTopic = (doc: number) =>
        doc === previous || this.entries[doc].category === this.entries[previous].category;
      const ownTop = ownResult.ranked[0];
      const standsAlone =
        ownTop !== undefined &&
        ownResult.confidence >= this.threshold &&
        !placeAndDetailsOnly(own) &&
        namesOwnMatter(ownTop.doc);
      if (standsAlone && !onTopic(result.ranked[0].doc)) {
        result = ownResult;
        usedContext = false;
      } else if (!onTopic(result.ranked[0].doc)) {
        const fitting = result.ranked.slice(0, 10).filter((r) => onTopic(r.doc));
        const reranked = [...fitting, ...result.ranked.filter((r) => !fitting.includes(r))];
        const confidence =
          fitting.length > 0
            ? this.followUpConfidence(result.concepts, reranked, guard.text.toLowerCase())
            : 0;
        if (fitting.length > 0 && confidence >= this.threshold) {
          result = { ranked: reranked, confidence, concepts: result.concepts };
          usedContext = true;
        } else {
          return {
            answered: false,
            faqId: null,
            answer: MESSAGES.off_topic,
            confidence: round(confidence),
            suggestions: fitting.length > 0 ? this.suggestionsFrom(fitting, fitting[0].score, 0.5) : [],
            reason: "off_topic",
            context: context ?? null,
            usedContext: false,
          };
        }
      }
    }
    // A question phrased as a follow-up (那要带什么材料) with nothing before it to follow is answered
    // only when it names a matter of its own (那户口本呢 can stand alone, 那要带什么材料 cannot).
    if (
      previous === undefined &&
      result.ranked[0] &&
      this.isLoneFollowUp(guard.text, own, result.ranked[0].doc)
    ) {
      return {
        answered: false,
        faqId: null,
        answer: MESSAGES.off_topic,
        confidence: 0,
        suggestions: [],
        reason: "off_topic",
        context: context ?? null,
        usedContext: false,
      };
    }
    const { ranked, confidence } = result;
    const top = ranked[0];
    if (top && confidence >= this.threshold) return this.answerWith(top.doc, result, confidence, usedContext);
    const suggestions = top ? this.suggestionsFrom(ranked, top.score, 0.5) : [];
    return {
      answered: false,
      faqId: null,
      answer: suggestions.length > 0 ? MESSAGES.low_confidence : MESSAGES.low_confidence_no_suggestions,
      confidence: round(confidence),
      suggestions,
      reason: "low_confidence",
      context: context ?? null,
      usedContext,
    };
  }

  /** The answer of entry `doc` for a question evaluated as `result`. */
  private answerWith(
    doc: number,
    result: { ranked: DocScore[]; concepts: Concept[] },
    confidence: number,
    usedContext: boolean,
  ): AssistantAnswer {
    const entry = this.entries[doc];
    const rest = result.ranked.filter((r) => r.doc !== doc);
    const topScore = result.ranked.find((r) => r.doc === doc)?.score ?? rest[0]?.score ?? 0;
    return {
      answered: true,
      faqId: entry.id,
      answer: entry.answer,
      confidence: round(confidence),
      suggestions: this.suggestionsFrom(rest, topScore, 0.6),
      reason: "answered",
      context: { faqId: entry.id, topicTokens: this.topicOf(result.concepts, doc) },
      usedContext,
    };
  }

  private suggestionsFrom(ranked: DocScore[], topScore: number, ratio: number): Suggestion[] {
    if (topScore < MIN_SUGGESTION_SCORE) return [];
    return ranked
      .filter((r) => r.score >= topScore * ratio)
      .slice(0, this.maxSuggestions)
      .map((r) => ({ faqId: this.entries[r.doc].id, question: this.entries[r.doc].question }));
  }

  /** Topic of an answered turn: the question's words found in the entry, plus its category. */
  private topicOf(concepts: Concept[], doc: number): string[] {
    const words = new Set<string>();
    for (const concept of concepts) {
      for (const alt of concept.alts) {
        if (alt.factor === 1 && this.strength(this.words, alt.word, doc) >= FIELD_STRENGTH.category) {
          words.add(alt.word);
          break;
        }
      }
    }
    for (const word of this.topicWords[doc]) words.add(word);
    return [...words];
  }

  /**
   * Whether the question names a matter of its own that the entry has: a specific noun (户口本, general
   * IDF as high as a topic noun) rather than a detail every matter has (材料, 收费, 时间).
   */
  private namesOwnMatter(own: Concept[], doc: number): boolean {
    return own.some(
      (c) =>
        c.weight >= 0.75 &&
        [...c.surface].length >= 2 &&
        isNounish(c.tag) &&
        c.idf >= OWN_MATTER_IDF &&
        generalWordIdf(c.surface) >= TOPIC_NOUN_GENERAL_IDF &&
        this.conceptStrength(c, doc) >= ANCHOR_MATCH,
    );
  }

  /**
   * A question phrased as a follow-up (那要带什么材料) that names no matter of its own the entry has
   * (那户口本呢 does): with nothing before it to follow, it is not answered.
   */
  private isLoneFollowUp(text: string, own: Concept[], doc: number): boolean {
    const detailsOnly = own.length > 0 && own.every((c) => DETAIL_WORD.test(c.surface));
    return (
      asksOnlyDetails(text) || ((isFollowUpPhrase(text) || detailsOnly) && !this.namesOwnMatter(own, doc))
    );
  }

  /** A follow-up that leans on the previous turn: short, or phrased like "那…呢". */
  private isElliptical(text: string, concepts: Concept[]): boolean {
    const bare = text.replace(/[\p{P}\p{S}\s]/gu, "");
    if (isFollowUpPhrase(bare)) return true;
    const content = concepts.reduce((sum, c) => sum + c.weight, 0);
    if (content <= 1.5 || [...bare].length <= 5) return true;
    // A place with details alone (可以异地办吗, 在外地能换吗) leans on the turn before as 要带什么 does;
    // a place with a matter of its own (异地能报销吗, 跨省医保) does not.
    return placeAndDetailsOnly(concepts);
  }
}

/**
 * The details every matter has (how long, where, how much, who, what to bring) and the verbs of
 * getting it done: a short question of these alone (多久能拿到, 去哪儿领, 一个月多少钱) asks about a
 * matter named before, and with nothing before it there is no matter to answer about.
 */
const DETAIL_WORD =
  /^(多久能?|多长时间|几天|多少天|什么时候|何时|哪里|哪儿|在哪|去哪|哪个|多少钱|多少|钱|费用|收费|要钱|一个月|每个月|每月|材料|资料|本人|代办|拿到|领到|领|领取|办|能办|办理|办好|换|能换|去|交|带|需要|可以|能|要|怎么|怎样|如何)$/;

/** A place with details alone (可以异地办吗, 在外地能换吗): where to do the matter at hand, not a matter. */
function placeAndDetailsOnly(concepts: Concept[]): boolean {
  return (
    concepts.some((c) => isPlaceWord(c.surface)) &&
    concepts.every((c) => isPlaceWord(c.surface) || DETAIL_WORD.test(c.surface))
  );
}

/** Phrased as a follow-up: starts with 那/还有/如果… or ends with 呢. */
function isFollowUpPhrase(text: string): boolean {
  const bare = text.replace(/[\p{P}\p{S}\s]/gu, "");
  // 那 as "then", not as a demonstrative (那张卡, 那个证).
  return /^(那(?![张个些种份本件位])|那么|如果|要是|还有|另外)/.test(bare) || /呢$/.test(bare);
}

/**
 * Weight from which a noun the entry lacks can make it another matter (modifier and main-word rules):
 * below 1 so that a topic noun in a long question (生育津贴 after 生了二胎，产假也休完了) still counts.
 */
const NOUN_RULE_WEIGHT = 0.6;

/**
 * The knowledge-base IDF from which a noun in a follow-up names a matter of its own (户口本) rather
 * than a detail every entry has (材料, IDF ≈ 1.1 in the demo knowledge base).
 */
const OWN_MATTER_IDF = 1.5;

/** Words for "another place" that count as a place name. */
const PLACE_WORDS = new Set(["老家", "回老家", "外地", "外省", "省外", "本地", "当地", "原籍"]);
const isPlaceWord = (word: string) => PLACE_WORDS.has(word) || CROSS_REGION_WORDS.includes(word);
/** How the knowledge base says "between two places". */
const CROSS_REGION_WORDS = ["异地", "跨省", "跨城市", "跨地区"];
/** Match factor of those words for a place name. */
const CROSS_REGION_FACTOR = 0.8;

/** Standard words for what a citizen wants done with a document, account or benefit. */
const ACTION_WORDS = new Set(
  "丢失 遗失 损坏 补办 补领 换领 换证 换发 注销 撤销 挂失 提取 转移 迁移 变更 更正 续期".split(" "),
);

/** Clause breaks of a question (punctuation, or spaces between words). */
const CLAUSE_BREAK = /[，,。．.？?！!；;：:、\s]+/gu;
/** Questions with at least this many concepts have their scene-setting clauses weighed down... */
const NARRATIVE_MIN_CONCEPTS = 4;
/** ...by this factor. */
const NARRATIVE_WEIGHT = 0.5;

/** Offset at which the last clause with any Han text starts (0 for a one-clause question). */
function lastClauseStart(text: string): number {
  let start = 0;
  for (const match of text.matchAll(CLAUSE_BREAK)) {
    const end = (match.index ?? 0) + match[0].length;
    if (HAN.test(text.slice(end))) start = end;
  }
  return start;
}

/**
 * A word that names what a question is about wherever it stands: a noun the knowledge base's
 * questions use (公积金, 出生证明). (Keeping every noun, 医院 or 工作 too, measured worse.)
 */
function isSalient(concept: Concept): boolean {
  return !!concept.knownNoun;
}

/**
 * Joins neighbouring tokens that together are a colloquial expression jieba splits (拿+钱, 被+偷+了,
 * 不+干+了), so that the expression's standard words are looked up; the tokens must be adjacent in the text.
 */
function mergeColloquial(tokens: string[], text: string): string[] {
  const out: string[] = [];
  let cursor = 0;
  for (let i = 0; i < tokens.length;) {
    let taken = 1;
    // A question word (多少+钱) keeps its own reading: the merge starts at a content token.
    for (let n = FILLER_WORDS.has(tokens[i]) ? 1 : Math.min(3, tokens.length - i); n >= 2; n--) {
      const joined = tokens.slice(i, i + n).join("");
      if (!colloquialExpansions(joined)) continue;
      const at = text.indexOf(joined, cursor);
      if (at >= 0 && at === text.indexOf(tokens[i], cursor)) {
        taken = n;
        break;
      }
    }
    const token = tokens.slice(i, i + taken).join("");
    const at = text.indexOf(token, cursor);
    if (at >= 0) cursor = at + token.length;
    out.push(token);
    i += taken;
  }
  return out;
}

/** Part-of-speech tags (jieba) of words that frame a question rather than name its topic. */
const FUNCTION_TAG = /^(d|dg|r|rr|rz|c|p|u[a-z]?|y|e|o|m|mq|q|f|t|tg|z)$/;
/** Weight of a word unknown to the FAQ's questions that frames the question (adverb, pronoun, time...). */
const FUNCTION_WORD_WEIGHT = 0.25;
/** Weight of a verb unknown to the FAQ's questions. */
const UNKNOWN_VERB_WEIGHT = 0.6;

/**
 * Whether jieba's tag says noun. Its tags for words it half knows are rough (养老院/nr, 退役军人/l), so
 * person names and fixed phrases count too; place names (ns) are told apart by the callers.
 */
function isNounish(tag: string | undefined): boolean {
  return !!tag && /^(n|vn|l)/.test(tag);
}

function posWeight(tag: string | undefined, word: string): number {
  if (!tag) return 1;
  // jieba tags words it does not know as x: a fragment of fillers (上要) frames, a new word (狗证) does not.
  if (tag === "x") {
    const chars = [...word];
    return chars.filter((c) => FILLER_CHARS.has(c)).length * 2 >= chars.length ? FUNCTION_WORD_WEIGHT : 1;
  }
  if (FUNCTION_TAG.test(tag)) return FUNCTION_WORD_WEIGHT;
  if (tag.startsWith("v") && tag !== "vn") return UNKNOWN_VERB_WEIGHT;
  return 1;
}

/** Strength of an unknown word whose every meaningful character the entry's head fields contain. */
const SHARED_CHAR_FACTOR = 0.5;
/** Match strength (question, phrasings, keywords) at which a word anchors the answer. */
const ANCHOR_MATCH = 0.9;
/** IDF from which a known noun matched by the entry names the entry's topic. */
const ENTRY_TOPIC_IDF = 2.2;

/** Question words about quantities (几岁, 几年, 多大): they ask, they do not name a topic. */
const QUANTITY_QUESTION = /^(几|多少|多大|多长|多久|多高)\p{Script=Han}{0,2}$/u;
/** Match factor of a homophone (公基金 read as 公积金). */
const HOMOPHONE_FACTOR = 0.9;
/** Match factor of a known sub-word of a word (保险 in 工伤保险). */
const SUBWORD_FACTOR = 0.4;
/** Match factor of a colloquial character inside an unknown compound (取 in 咋取). */
const PART_EXPANSION_FACTOR = 0.8;
/** Above this many concepts a question counts as long (its unknown words weigh less). */
const LONG_QUESTION_CONCEPTS = 6;
/** Weight of a previous turn's topic word in a follow-up question. */
const TOPIC_WEIGHT = 0.35;
/**
 * Coverage of a follow-up's own words an entry needs to be a candidate for it, and the coverage at
 * which a follow-up's confidence is 0.5 (see followUpConfidence).
 */
const COVERAGE_DECISION_POINT = 0.5;
/** A follow-up's coverage is held to this when a rule flag is raised (just below the decision point). */
const FLAGGED_COVERAGE = 0.45;
/** Steepness of a follow-up's coverage → confidence curve. */
const CONFIDENCE_SLOPE = 10;
/** A vetoed question's confidence stays below this share of the threshold. */
const VETOED_SHARE = 0.9;
/** A rival entry scoring at least this share of the best one (two of them: the question is ambiguous). */
const AMBIGUOUS_SCORE_RATIO = 0.75;
/** Below this best score nothing is similar enough to suggest. */
const MIN_SUGGESTION_SCORE = 1.5;
