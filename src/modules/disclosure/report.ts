import { sql } from "kysely";
import type { Db } from "../../platform/db/database.ts";
import type { WorkingDayCalendar } from "../../platform/calendar/platform-working-days.ts";
import { chinaDayStart } from "../../platform/time/china-time.ts";
import { proactiveLate } from "./clock.ts";
import { OUTCOMES, ORG_TYPES } from "./model.ts";
import type { DisclosureTables } from "./tables.ts";

/**
 * 政府信息公开工作年度报告 in the national table format (国办公开办函〔2021〕30号). Figures are one flat map
 * of numbers (`t3.new.person` …) so staff can edit any cell before publishing; the layout below names them.
 */
export type Figures = Record<string, number>;

export interface ReportTexts {
  overview: string;
  problems: string;
  other: string;
}

/** Table 三's columns: 自然人, the five kinds of 法人或其他组织, 总计. */
export const T3_COLUMNS: { key: string; label: string }[] = [
  { key: "person", label: "自然人" },
  ...Object.entries(ORG_TYPES).map(([key, label]) => ({ key, label })),
  { key: "total", label: "总计" },
];

/** Table 三's rows in the national order. */
export const T3_ROWS: { key: string; label: string; level: number }[] = [
  { key: "new", label: "一、本年新收政府信息公开申请数量", level: 0 },
  { key: "carried", label: "二、上年结转政府信息公开申请数量", level: 0 },
  ...Object.entries(OUTCOMES).flatMap(([cat, c], i) => {
    const num = ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）"][i];
    const head = { key: Object.keys(c.reasons).length ? `${cat}` : cat, label: `${num}${c.label}`, level: 1 };
    const subs = Object.entries(c.reasons).map(([r, label], j) => ({
      key: `${cat}_${r}`,
      label: `${j + 1}．${label}`,
      level: 2,
    }));
    return [head, ...subs];
  }),
  { key: "total", label: "（七）总计", level: 1 },
  { key: "carry_next", label: "四、结转下年度继续办理", level: 0 },
];

/** Table 四 (行政复议、行政诉讼), entered by staff. */
export const T4_GROUPS = [
  { key: "reconsideration", label: "行政复议" },
  { key: "litigation_direct", label: "行政诉讼（未经复议直接起诉）" },
  { key: "litigation_after", label: "行政诉讼（复议后起诉）" },
];
export const T4_CELLS = [
  { key: "upheld", label: "结果维持" },
  { key: "corrected", label: "结果纠正" },
  { key: "other", label: "其他结果" },
  { key: "pending", label: "尚未审结" },
  { key: "total", label: "总计" },
];

/** Table 二 (主动公开): rows and their cells; 规章, 许可, 处罚, 强制, 收费 are entered by staff. */
export const T2_ROWS = [
  { key: "rules", label: "规章", cells: ["issued", "repealed", "valid"] },
  { key: "normative", label: "行政规范性文件", cells: ["issued", "repealed", "valid"] },
  { key: "licensing", label: "行政许可", cells: ["decisions"] },
  { key: "penalty", label: "行政处罚", cells: ["decisions"] },
  { key: "enforcement", label: "行政强制", cells: ["decisions"] },
  { key: "fees", label: "行政事业性收费（万元）", cells: ["amount"] },
];
export const T2_CELL_LABELS: Record<string, string> = {
  issued: "本年制发件数",
  repealed: "本年废止件数",
  valid: "现行有效件数",
  decisions: "本年处理决定数量",
  amount: "本年收费金额",
};

/** Every key staff enter by hand (kept when the report is generated again). */
export function manualKeys(): string[] {
  const keys = [
    "t2.rules.issued",
    "t2.rules.repealed",
    "t2.rules.valid",
    "t2.licensing.decisions",
    "t2.penalty.decisions",
    "t2.enforcement.decisions",
    "t2.fees.amount",
  ];
  for (const g of T4_GROUPS) for (const c of T4_CELLS) keys.push(`t4.${g.key}.${c.key}`);
  return keys;
}

export function allKeys(): string[] {
  const keys: string[] = [];
  for (const r of T2_ROWS) for (const c of r.cells) keys.push(`t2.${r.key}.${c}`);
  for (const r of T3_ROWS) for (const c of T3_COLUMNS) keys.push(`t3.${r.key}.${c.key}`);
  for (const g of T4_GROUPS) for (const c of T4_CELLS) keys.push(`t4.${g.key}.${c.key}`);
  keys.push("x.published", "x.proactive_late");
  return keys;
}

/** The China-time bounds of a year as ISO instants [since, until). */
export function yearBounds(year: number): { since: string; until: string } {
  return {
    since: chinaDayStart(`${year}-01-01`)!.toISOString(),
    until: chinaDayStart(`${year + 1}-01-01`)!.toISOString(),
  };
}

interface Grouped {
  applicantKind: string;
  orgType: string | null;
  outcome: string | null;
  outcomeReason: string | null;
  n: number | string;
}

/** The request figures of table 三 for some departments (null: the province) and a year, in three grouped queries. */
export async function requestFigures(
  store: Db<DisclosureTables>,
  ownerSiteIds: number[] | null,
  year: number,
): Promise<Figures> {
  const { since, until } = yearBounds(year);
  const db = store.db;
  const scoped = () => {
    let q = db.selectFrom("disclosureRequests");
    if (ownerSiteIds) q = q.where("ownerSiteId", "in", ownerSiteIds.length ? ownerSiteIds : [-1]);
    return q;
  };
  const grouped = (q: ReturnType<typeof scoped>, byOutcome: boolean) =>
    q
      .select((eb) => [
        "applicantKind",
        "orgType",
        (byOutcome ? sql<string | null>`outcome` : sql<string | null>`NULL`).as("outcome"),
        (byOutcome ? sql<string | null>`outcome_reason` : sql<string | null>`NULL`).as("outcomeReason"),
        eb.fn.countAll<number>().as("n"),
      ])
      .groupBy(
        byOutcome ? ["applicantKind", "orgType", "outcome", "outcomeReason"] : ["applicantKind", "orgType"],
      )
      .execute() as Promise<Grouped[]>;
  const [received, carried, decided, carryNext] = await Promise.all([
    grouped(scoped().where("receivedAt", ">=", since).where("receivedAt", "<", until), false),
    grouped(
      scoped()
        .where("receivedAt", "<", since)
        .where((eb) => eb.or([eb("decidedAt", "is", null), eb("decidedAt", ">=", since)])),
      false,
    ),
    grouped(scoped().where("decidedAt", ">=", since).where("decidedAt", "<", until), true),
    grouped(
      scoped()
        .where("receivedAt", "<", until)
        .where((eb) => eb.or([eb("decidedAt", "is", null), eb("decidedAt", ">=", until)])),
      false,
    ),
  ]);
  const f: Figures = {};
  const add = (row: string, g: Grouped) => {
    const col =
      g.applicantKind === "organisation"
        ? g.orgType && Object.hasOwn(ORG_TYPES, g.orgType)
          ? g.orgType
          : "other"
        : "person";
    const n = Number(g.n);
    for (const c of [col, "total"]) f[`t3.${row}.${c}`] = (f[`t3.${row}.${c}`] ?? 0) + n;
  };
  for (const g of received) add("new", g);
  for (const g of carried) add("carried", g);
  for (const g of carryNext) add("carry_next", g);
  for (const g of decided) {
    if (!g.outcome || !OUTCOMES[g.outcome]) continue;
    add(g.outcome, g);
    if (g.outcomeReason && Object.hasOwn(OUTCOMES[g.outcome].reasons, g.outcomeReason))
      add(`${g.outcome}_${g.outcomeReason}`, g);
    add("total", g);
  }
  for (const k of allKeys()) if (k.startsWith("t3.")) f[k] ??= 0;
  return f;
}

/** Proactively disclosed items of the year that were published more than 20 working days after being formed. */
export function lateItems<T extends { writtenAt: string; publishedAt: string }>(
  calendar: WorkingDayCalendar,
  items: T[],
): (T & { lateDays: number })[] {
  const out: (T & { lateDays: number })[] = [];
  for (const it of items) {
    const formed = chinaDayStart(it.writtenAt.slice(0, 10));
    if (!formed) continue;
    const days = proactiveLate(calendar, formed, new Date(it.publishedAt));
    if (days > 0) out.push({ ...it, lateDays: days });
  }
  return out;
}

/** Merges edited cells (non-negative numbers) over figures; returns per-cell problems. */
export function mergeEdits(
  figures: Figures,
  edits: Record<string, string>,
  keys: string[] = allKeys(),
): { figures: Figures; errors: Record<string, string> } {
  const next = { ...figures };
  const errors: Record<string, string> = {};
  const known = new Set(keys);
  for (const [key, raw] of Object.entries(edits)) {
    if (!known.has(key)) continue;
    const v = raw.trim();
    if (v === "") continue;
    const n = Number(v);
    if (
      !Number.isFinite(n) ||
      n < 0 ||
      n > 1e9 ||
      (!key.startsWith("t2.fees") && key !== "w.letters_days" && !Number.isInteger(n))
    ) {
      errors[key] = "请填写非负整数";
      continue;
    }
    next[key] = n;
  }
  return { figures: next, errors };
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function paragraphs(text: string): string {
  return text
    .split(/\n+/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${esc(p)}</p>`)
    .join("\n");
}

/** The report as article HTML (tables in the national layout; the content library sanitises it again). */
export function reportHtml(f: Figures, texts: ReportTexts): string {
  const v = (k: string) => String(f[k] ?? 0);
  const t2 = T2_ROWS.map(
    (r) =>
      `<tr><th scope="row">${esc(r.label)}</th>${r.cells.map((c) => `<td>${esc(T2_CELL_LABELS[c])}：${v(`t2.${r.key}.${c}`)}</td>`).join("")}</tr>`,
  ).join("\n");
  const t3head = `<tr><th scope="col">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th>${T3_COLUMNS.map((c) => `<th scope="col">${esc(c.label)}</th>`).join("")}</tr>`;
  const t3 = T3_ROWS.map(
    (r) =>
      `<tr><th scope="row">${esc(r.label)}</th>${T3_COLUMNS.map((c) => `<td>${v(`t3.${r.key}.${c.key}`)}</td>`).join("")}</tr>`,
  ).join("\n");
  const t4head = `<tr>${T4_GROUPS.map((g) => T4_CELLS.map((c) => `<th scope="col">${esc(g.label)}：${esc(c.label)}</th>`).join("")).join("")}</tr>`;
  const t4 = `<tr>${T4_GROUPS.map((g) => T4_CELLS.map((c) => `<td>${v(`t4.${g.key}.${c.key}`)}</td>`).join("")).join("")}</tr>`;
  return [
    "<h2>一、总体情况</h2>",
    paragraphs(texts.overview),
    "<h2>二、主动公开政府信息情况</h2>",
    `<table><tbody>${t2}</tbody></table>`,
    "<h2>三、收到和处理政府信息公开申请情况</h2>",
    `<table><thead>${t3head}</thead><tbody>${t3}</tbody></table>`,
    "<h2>四、政府信息公开行政复议、行政诉讼情况</h2>",
    `<table><thead>${t4head}</thead><tbody>${t4}</tbody></table>`,
    "<h2>五、存在的主要问题及改进情况</h2>",
    paragraphs(texts.problems),
    "<h2>六、其他需要报告的事项</h2>",
    paragraphs(texts.other),
  ].join("\n");
}

/** The generated 总体情况 paragraph, from the figures. */
export function overviewText(name: string, year: number, f: Figures): string {
  const n = (k: string) => f[k] ?? 0;
  return [
    `${year}年，${name}认真贯彻落实《中华人民共和国政府信息公开条例》，通过政府网站主动公开政府信息${n("x.published")}条，其中行政规范性文件${n("t2.normative.issued")}件；成文后超过20个工作日才公开的${n("x.proactive_late")}条，已督促整改。`,
    `全年新收政府信息公开申请${n("t3.new.total")}件，上年结转${n("t3.carried.total")}件，办结${n("t3.total.total")}件（予以公开${n("t3.granted.total")}件、部分公开${n("t3.partial.total")}件、不予公开${n("t3.refused.total")}件、无法提供${n("t3.unavailable.total")}件、不予处理${n("t3.not_processed.total")}件、其他处理${n("t3.other.total")}件），结转下年度${n("t3.carry_next.total")}件。`,
  ].join("\n");
}
