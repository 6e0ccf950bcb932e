import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { looksLikeHtml, sanitizeRichText, textToHtml } from "../../platform/html/sanitize.ts";
import { DomainError } from "../../platform/http/errors.ts";
import { CHINA_ZONE, chinaDate } from "../../platform/time/china-time.ts";
import type { SitesService, Site } from "../sites/index.ts";
import { docNumberProblem, normaliseDocNumberInput } from "./policy-numbers.ts";
import {
  ARTICLE_KINDS,
  type Actor,
  type Article,
  type ArticleInput,
  type ContentService,
} from "./service.ts";

/**
 * Bulk import of articles from JSON Lines (one article per line):
 *   {"id", "column", "type", "title", "docNumber", "issuer", "publishedAt", "body"}
 * `id` is the article's id in the source system (stored as externalId): importing the same id again
 * updates that article instead of adding one, and an unchanged line changes nothing (no new version).
 * `column` names a channel of the site (created when missing); `body` is HTML (sanitised) or plain
 * text (line breaks become paragraphs). Every article is published, so it is public and searchable.
 * A bad line is reported with its line number and skipped; it never stops the run and never touches
 * what is already stored.
 */

export const IMPORT_ACTOR: Actor = { id: null, name: "system:import" };

const MAX_LINE_CHARS = 4_000_000;
const MAX_ID_CHARS = 200;
const MAX_COLUMN_CHARS = 30;
/** YYYY-MM-DD, optionally with a time (YYYY-MM-DD HH:MM[:SS] or ISO 8601 with zone). */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export interface LineProblem {
  line: number;
  /** Chinese message (for people). */
  reason: string;
  /** Short English reason (for logs and scripts). */
  reasonEn: string;
  /** The line's `id`, when it could be read. */
  id?: string;
}

export interface ImportSummary {
  /** Non-empty lines read. */
  lines: number;
  imported: number;
  updated: number;
  unchanged: number;
  bad: number;
  problems: LineProblem[];
  /** Lines imported with a note (e.g. a 发文字号 normalised to the standard form). */
  warnings: LineProblem[];
  /** Channels created for columns that did not exist. */
  channelsCreated: string[];
}

export interface ImportOptions {
  /** Called as the file is read: bytes read so far, file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Called once per bad line, as soon as it is found. */
  onProblem?: (problem: LineProblem) => void;
  /** Called once per imported line that carries a note. */
  onWarning?: (warning: LineProblem) => void;
}

export interface ImportServices {
  sites: SitesService;
  content: ContentService;
}

/** The run itself could not happen (unknown site, unreadable file). */
export class ImportAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportAbort";
  }
}

class LineError extends Error {
  constructor(
    readonly reason: string,
    readonly reasonEn: string,
  ) {
    super(reasonEn);
  }
}

interface ImportLine {
  id: string;
  column: string;
  kind: string;
  title: string;
  docNumber: string | null;
  issuer: string | null;
  publishedAt: string | null;
  body: string;
  siteCode: string | null;
  /** Chinese notes on what was normalised (the line is imported anyway). */
  warnings: string[];
}

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") throw new LineError(`字段“${field}”应为字符串`, `${field} must be a string`);
  return value.trim() || null;
}

/** Words in a type or column that name one of the platform's kinds (the most specific first). */
const KIND_WORDS: [RegExp, string][] = [
  [/解读|interpret/i, "interpretation"],
  [/预决算|预算|决算|budget/i, "budget"],
  [/信息公开.*年度报告|disclosure/i, "disclosure_report"],
  [/网站.*年度报表|website/i, "website_report"],
  [/政府工作报告|report/i, "report"],
  [/政策|文件|法规|规章|policy|regulation|decree/i, "policy"],
  [/通知|公告|公示|通告|notice|announcement/i, "notice"],
  [/动态|要闻|新闻|news/i, "news"],
];
/** A title that ends the way notices end (titles name too many things to be read further). */
const NOTICE_TITLE = /(?:通知|公告|通告|公示)$/;

/** The kind a type names: its key, its Chinese label (通知公告), else what its words or column say. */
function kindNamedBy(type: string, column: string, title: string): { kind: string; known: boolean } {
  if (Object.hasOwn(ARTICLE_KINDS, type)) return { kind: type, known: true };
  const labelled = Object.entries(ARTICLE_KINDS).find(([, label]) => label === type);
  if (labelled) return { kind: labelled[0], known: true };
  for (const text of [type, column])
    for (const [words, kind] of KIND_WORDS) if (words.test(text)) return { kind, known: false };
  return { kind: NOTICE_TITLE.test(title) ? "notice" : "news", known: false };
}

/** Checks one parsed line; throws LineError with the first problem found. */
export function checkLine(value: unknown): ImportLine {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new LineError("每行应为一个 JSON 对象", "line is not a JSON object");
  const o = value as Record<string, unknown>;
  const id = optionalString(o.id, "id");
  if (!id) throw new LineError("缺少 id", "missing id");
  if (id.length > MAX_ID_CHARS) throw new LineError(`id 不能超过${MAX_ID_CHARS}个字符`, "id too long");
  const title = optionalString(o.title, "title");
  if (!title) throw new LineError("缺少标题（title）", "missing title");
  if (title.length > 200) throw new LineError("标题不能超过200字", "title too long");
  const type = optionalString(o.type, "type");
  if (!type) throw new LineError("缺少信息类型（type）", "missing type");
  const column = optionalString(o.column, "column");
  if (!column) throw new LineError("缺少栏目（column）", "missing column");
  // A type this platform does not have (办事指南 as "guide", a partner's own words) still imports,
  // with a warning: as the kind its type or column names (or a title ending like a notice's), else
  // as news. A refused document can never be found.
  const { kind, known } = kindNamedBy(type, column, title);
  const typeWarning = known
    ? null
    : `未知的信息类型“${type}”，已按“${ARTICLE_KINDS[kind]}”导入（可用类型：${Object.entries(ARTICLE_KINDS)
        .map(([key, label]) => `${label}（${key}）`)
        .join("、")}）`;
  if (column.length > MAX_COLUMN_CHARS)
    throw new LineError(`栏目名称不能超过${MAX_COLUMN_CHARS}字`, "column name too long");
  const docNumberRaw = optionalString(o.docNumber, "docNumber");
  // Every real style of 发文字号 is accepted: normalised to the standard form when recognised, kept
  // as written otherwise, with a warning either way. A number's style never refuses a document.
  const docNumber = docNumberRaw ? normaliseDocNumberInput(docNumberRaw) : null;
  if (docNumber && docNumber.length > 100) throw new LineError("发文字号不能超过100字", "docNumber too long");
  const docNumberWarning = docNumberRaw ? docNumberProblem(docNumberRaw) : null;
  const issuer = optionalString(o.issuer, "issuer");
  if (issuer && issuer.length > 100) throw new LineError("发文机关不能超过100字", "issuer too long");
  const publishedAtRaw = optionalString(o.publishedAt, "publishedAt");
  let publishedAt: string | null = null;
  if (publishedAtRaw) {
    publishedAt = parseDate(publishedAtRaw);
    if (!publishedAt)
      throw new LineError(
        `发布日期“${publishedAtRaw}”无效，应为真实日期，如 2024-05-17、2024年5月17日 或 2024-05-17 09:30`,
        "invalid publishedAt",
      );
  }
  const body = o.body === undefined || o.body === null ? "" : o.body;
  if (typeof body !== "string") throw new LineError("正文（body）应为字符串", "body must be a string");
  if (!body.trim() && kind !== "budget") throw new LineError("缺少正文（body）", "missing body");
  if (body.length > 2_000_000) throw new LineError("正文过长", "body too long");
  const siteCode = optionalString(o.site, "site");
  return {
    id,
    column,
    kind,
    title,
    docNumber,
    issuer,
    publishedAt,
    body,
    siteCode,
    warnings: [
      ...(typeWarning ? [typeWarning] : []),
      ...(docNumberWarning ? [`发文字号“${docNumberRaw}”：${docNumberWarning}`] : []),
    ],
  };
}

/**
 * The date styles government sites really publish (2024年5月17日, 2024/5/17, 2024.05.17, 20240517,
 * full-width digits, 2024年05月17日 09:30) in the YYYY-MM-DD[ HH:MM[:SS]] form DATE_TIME reads.
 */
const LOOSE_DATE =
  /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*[分秒]?)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;

function standardDate(text: string): string {
  const t = text.normalize("NFKC").trim();
  const two = (n: string) => n.padStart(2, "0");
  const compact = COMPACT_DATE.exec(t);
  if (compact) return `${compact[1]}-${compact[2]}-${compact[3]}`;
  const m = LOOSE_DATE.exec(t);
  if (!m) return t;
  const [, y, mo, d, h, mi, sec] = m;
  const date = `${y}-${two(mo)}-${two(d)}`;
  return h === undefined ? date : `${date} ${two(h)}:${two(mi)}${sec === undefined ? "" : `:${two(sec)}`}`;
}

/** A real calendar date (and time); China Standard Time when no zone is given. ISO string or null. */
function parseDate(text: string): string | null {
  const m = DATE_TIME.exec(standardDate(text));
  if (!m) return null;
  const [, y, mo, d, h = "00", mi = "00", s = "00", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1949 || year > 2100 || month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${zone ? (zone === "Z" ? "Z" : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2")) : CHINA_ZONE}`;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function bodyInput(body: string): Pick<ArticleInput, "bodyHtml" | "bodyText"> {
  return looksLikeHtml(body) ? { bodyHtml: body } : { bodyText: body };
}

/** The body HTML the content service would store for this body (to detect unchanged lines). */
function storedBodyHtml(body: string): string {
  return looksLikeHtml(body) ? sanitizeRichText(body) : textToHtml(body);
}

function describeError(error: unknown): { reason: string; reasonEn: string } {
  if (error instanceof LineError) return { reason: error.reason, reasonEn: error.reasonEn };
  if (error instanceof DomainError) {
    const fields = Object.values(error.fields);
    return {
      reason: fields.length > 0 ? `${error.message}：${fields.join("；")}` : error.message,
      reasonEn: `rejected: ${Object.keys(error.fields).join(", ") || "input"}`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: `保存失败：${message}`, reasonEn: `storage error: ${message}` };
}

type Outcome = "imported" | "updated" | "unchanged";

export class ArticleImporter {
  private readonly sitesByCode = new Map<string, Site | null>();

  constructor(
    private readonly deps: ImportServices,
    private readonly site: Site,
    private readonly channelsCreated: string[] = [],
  ) {}

  private async siteFor(code: string | null): Promise<Site> {
    if (!code || code === this.site.code) return this.site;
    if (!this.sitesByCode.has(code))
      this.sitesByCode.set(code, (await this.deps.sites.repo.siteByCode(code)) ?? null);
    const site = this.sitesByCode.get(code);
    if (!site) throw new LineError(`网站“${code}”不存在`, `unknown site "${code}"`);
    return site;
  }

  private async channelFor(site: Site, name: string): Promise<number> {
    const known = await this.deps.sites.repo.channelByName(site.id, name);
    if (known) return known.id;
    const channel = await this.deps.sites.ensureChannel(site.id, name, IMPORT_ACTOR.name);
    this.channelsCreated.push(`${site.code}/${channel.path}（${channel.name}）`);
    return channel.id;
  }

  /** Notes on the last line imported (see ImportLine.warnings). */
  lastWarnings: string[] = [];

  /** Imports one parsed line. Validation happens before any write, so a bad line changes nothing. */
  async importLine(value: unknown): Promise<Outcome> {
    const line = checkLine(value);
    this.lastWarnings = line.warnings;
    const { content } = this.deps;
    const site = await this.siteFor(line.siteCode);
    const existing = await content.repo.byExternalId(line.id);
    if (existing && existing.ownerSiteId !== site.id) {
      const owner = this.deps.sites.byId(existing.ownerSiteId)?.code ?? String(existing.ownerSiteId);
      throw new LineError(
        `id“${line.id}”已被网站“${owner}”的信息使用，未修改`,
        `id already belongs to site "${owner}"`,
      );
    }
    const channelId = await this.channelFor(site, line.column);
    if (existing) return this.updateExisting(existing, line, site, channelId);
    const input: ArticleInput = {
      kind: line.kind,
      title: line.title,
      ...bodyInput(line.body),
      ownerSiteId: site.id,
      channelIds: [channelId],
      docNumber: line.docNumber,
      issuer: line.issuer,
      writtenAt: line.kind === "policy" && line.publishedAt ? chinaDate(line.publishedAt) : null,
      externalId: line.id,
      publishedAt: line.publishedAt,
    };
    const article = await content.create(input, IMPORT_ACTOR);
    await content.submit(article.id, IMPORT_ACTOR, { contentCheck: false });
    await content.publish(article.id, IMPORT_ACTOR);
    return "imported";
  }

  private async updateExisting(
    current: Article,
    line: ImportLine,
    site: Site,
    channelId: number,
  ): Promise<Outcome> {
    const { content } = this.deps;
    const links = await content.repo.channelLinks(current.id);
    const inChannel = links.some((l) => l.channelId === channelId);
    const same =
      current.kind === line.kind &&
      current.title === line.title &&
      current.bodyHtml === storedBodyHtml(line.body) &&
      (current.docNumber ?? null) === line.docNumber &&
      (current.issuer ?? null) === line.issuer &&
      (line.publishedAt === null || current.publishedAt === line.publishedAt) &&
      inChannel;
    if (!same) {
      // The import owns the article's place on its own site; links to other sites stay.
      const channelIds = inChannel
        ? undefined
        : [...links.filter((l) => l.siteId !== site.id).map((l) => l.channelId), channelId];
      const customSummary = current.summary !== current.bodyText.slice(0, 120);
      await content.update(
        current.id,
        {
          kind: line.kind,
          title: line.title,
          ...bodyInput(line.body),
          summary: customSummary ? current.summary : undefined,
          source: current.source,
          keywords: current.keywords,
          author: current.author,
          ownerSiteId: current.ownerSiteId,
          channelIds,
          docNumber: line.docNumber,
          issuer: line.issuer,
          writtenAt:
            current.writtenAt ??
            (line.kind === "policy" && line.publishedAt ? chinaDate(line.publishedAt) : null),
          theme: current.theme,
          validity: current.validity,
          policyId: current.policyId,
          externalId: current.externalId,
          publishedAt: line.publishedAt,
        },
        IMPORT_ACTOR,
        "批量导入更新",
      );
    }
    // An article left unpublished by an interrupted earlier run is published now; one that staff
    // withdrew or took down stays as they left it.
    if (current.status === "draft") await content.submit(current.id, IMPORT_ACTOR, { contentCheck: false });
    if (current.status === "draft" || current.status === "submitted")
      await content.publish(current.id, IMPORT_ACTOR);
    return same ? "unchanged" : "updated";
  }
}

/** Imports a JSON Lines file into the site `siteCode`. Throws ImportAbort when the run cannot start. */
export async function importJsonl(
  deps: ImportServices,
  file: string,
  siteCode: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const site = await deps.sites.repo.siteByCode(siteCode);
  if (!site) {
    const known = (await deps.sites.repo.listSites()).map((s) => s.code);
    throw new ImportAbort(
      `网站“${siteCode}”不存在 (unknown site). ${
        known.length > 0
          ? `已有网站：${known.join(", ")}`
          : "数据库中还没有网站：请先启动一次服务（会初始化演示数据）或在后台创建网站"
      }`,
    );
  }
  let totalBytes: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error("not a file");
    totalBytes = stat.size;
  } catch {
    throw new ImportAbort(`找不到文件或无法读取：${file} (cannot read file)`);
  }
  const summary: ImportSummary = {
    lines: 0,
    imported: 0,
    updated: 0,
    unchanged: 0,
    bad: 0,
    problems: [],
    warnings: [],
    channelsCreated: [],
  };
  const importer = new ArticleImporter(deps, site, summary.channelsCreated);
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 256 * 1024 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const text = lineNo === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    if (!text.trim()) continue;
    summary.lines++;
    let id: string | undefined;
    try {
      if (text.length > MAX_LINE_CHARS) throw new LineError("该行过长", "line too long");
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new LineError(
          "不是有效的 JSON",
          `invalid JSON (${error instanceof Error ? error.message : "parse error"})`,
        );
      }
      if (value && typeof value === "object" && "id" in value) {
        const raw = (value as { id: unknown }).id;
        if (typeof raw === "string" || typeof raw === "number") id = String(raw);
      }
      summary[await importer.importLine(value)]++;
      for (const reason of importer.lastWarnings) {
        const warning: LineProblem = { line: lineNo, reason, reasonEn: "normalised", ...(id ? { id } : {}) };
        summary.warnings.push(warning);
        options.onWarning?.(warning);
      }
    } catch (error) {
      const problem: LineProblem = { line: lineNo, ...describeError(error), ...(id ? { id } : {}) };
      summary.bad++;
      summary.problems.push(problem);
      options.onProblem?.(problem);
    }
    options.onProgress?.(Math.min(stream.bytesRead, totalBytes), totalBytes);
  }
  options.onProgress?.(totalBytes, totalBytes);
  return summary;
}
