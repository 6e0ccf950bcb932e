import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { consoleRequest, type ConsoleRequest } from "../../staff/index.ts";
import { formIds, formText, readRawForm, type FormValues } from "../../../platform/http/form-input.ts";
import type { ArticleInput, ContentService } from "../service.ts";
import type { Article } from "../service.ts";
import { NotFound } from "../../../platform/http/errors.ts";
import { idParam } from "../../../platform/http/params.ts";

/** The article lists' filters (信息管理, 审核队列): odd values are ignored, never refused. */
export const ArticleListQuery = Type.Object({
  site: Type.Optional(Type.String({ maxLength: 40 })),
  status: Type.Optional(Type.String({ maxLength: 100 })),
  q: Type.Optional(Type.String({ maxLength: 500 })),
  page: Type.Optional(Type.String({ maxLength: 40 })),
  /** "1": only the articles the viewer created. */
  mine: Type.Optional(Type.String({ maxLength: 10 })),
  /** The review queue's stage (1 初审, 2 复审, 3 终审 of a three-stage article). */
  stage: Type.Optional(Type.String({ maxLength: 40 })),
});

/** What the article form shows and posts back (strings, so typed input survives a failed save). */
export interface ArticleFormValues {
  kind: string;
  title: string;
  summary: string;
  bodyHtml: string;
  source: string;
  keywords: string;
  author: string;
  ownerSiteId: string;
  channelIds: number[];
  docNumber: string;
  issuer: string;
  writtenAt: string;
  theme: string;
  validity: string;
  policyId: string;
  tableCsv: string;
}

export function emptyValues(ownerSiteId: number | null): ArticleFormValues {
  return {
    kind: "news",
    title: "",
    summary: "",
    bodyHtml: "",
    source: "",
    keywords: "",
    author: "",
    ownerSiteId: ownerSiteId ? String(ownerSiteId) : "",
    channelIds: [],
    docNumber: "",
    issuer: "",
    writtenAt: "",
    theme: "",
    validity: "有效",
    policyId: "",
    tableCsv: "",
  };
}

export function valuesOfArticle(a: Article, channelIds: number[]): ArticleFormValues {
  return {
    kind: a.kind,
    title: a.title,
    summary: a.summary,
    bodyHtml: a.bodyHtml,
    source: a.source,
    keywords: a.keywords,
    author: a.author,
    ownerSiteId: String(a.ownerSiteId),
    channelIds,
    docNumber: a.docNumber ?? "",
    issuer: a.issuer ?? "",
    writtenAt: a.writtenAt ?? "",
    theme: a.theme ?? "",
    validity: a.validity ?? "有效",
    policyId: a.policyId ? String(a.policyId) : "",
    tableCsv: a.tableJson
      ? tableToCsv(JSON.parse(a.tableJson) as { columns: string[]; rows: string[][] })
      : "",
  };
}

const lineFeeds = (text: string) => text.replace(/\r\n?/g, "\n");

export function valuesOfForm(form: FormValues): ArticleFormValues {
  return {
    kind: formText(form, "kind", 20),
    title: formText(form, "title", 300),
    // Browsers send a textarea's line breaks as CRLF: kept as stored (LF), so an unchanged save is
    // no change (it would start a review again).
    summary: lineFeeds(formText(form, "summary", 1000)),
    bodyHtml: lineFeeds(formText(form, "bodyHtml", 2_000_001)),
    source: formText(form, "source", 100),
    keywords: formText(form, "keywords", 200),
    author: formText(form, "author", 60),
    ownerSiteId: formText(form, "ownerSiteId", 12),
    channelIds: formIds(form, "channelIds"),
    docNumber: formText(form, "docNumber", 60),
    issuer: formText(form, "issuer", 100),
    writtenAt: formText(form, "writtenAt", 20),
    theme: formText(form, "theme", 60),
    validity: formText(form, "validity", 10),
    policyId: formText(form, "policyId", 12),
    tableCsv: lineFeeds(formText(form, "tableCsv", 200_000)),
  };
}

/** Budget tables typed as lines of comma- or tab-separated cells; the first line is the header. */
export function parseTable(csv: string): { columns: string[]; rows: string[][] } | null {
  // Tabs are kept at the ends of a line: a last empty cell is a cell.
  const lines = csv
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l) => l.replace(/^[ \u3000]+|[ \u3000]+$/g, ""));
  if (lines.length === 0) return null;
  const split = (line: string) =>
    (line.includes("\t") ? line.split("\t") : line.split(/[,，]/)).map((c) => c.trim());
  return { columns: split(lines[0]), rows: lines.slice(1).map(split) };
}

/**
 * The table as the form shows it: cells joined by ", ", or by tabs when a cell holds a comma (read
 * back by parseTable, a saved table keeps its cells).
 */
export function tableToCsv(table: { columns: string[]; rows: string[][] }): string {
  const lines = [table.columns, ...table.rows];
  const separator = lines.some((r) => r.some((c) => /[,，]/.test(c))) ? "\t" : ", ";
  return lines.map((r) => r.join(separator)).join("\n");
}

export function toInput(v: ArticleFormValues, channelIds: number[]): ArticleInput {
  const policy = v.kind === "policy";
  return {
    kind: v.kind,
    title: v.title,
    bodyHtml: v.bodyHtml,
    summary: v.summary,
    source: v.source,
    keywords: v.keywords,
    author: v.author,
    ownerSiteId: Number(v.ownerSiteId),
    channelIds,
    docNumber: policy ? v.docNumber.trim() || null : null,
    issuer: policy ? v.issuer.trim() || null : null,
    writtenAt: policy ? v.writtenAt.trim() || null : null,
    theme: policy ? v.theme.trim() || null : null,
    validity: policy ? v.validity || "有效" : null,
    policyId: v.kind === "interpretation" && /^\d+$/.test(v.policyId) ? Number(v.policyId) : null,
    table: v.kind === "budget" ? parseTable(v.tableCsv) : null,
  };
}

export interface Upload {
  fileName: string;
  bytes: Buffer;
}

/**
 * Console forms that carry files: signed-in staff, the multipart fields collected into a form
 * (repeated names become arrays), uploads buffered, then the CSRF token checked (by the form reader).
 */
export async function multipartForm(
  request: FastifyRequest,
): Promise<{ c: ConsoleRequest; form: FormValues; uploads: Upload[] }> {
  const { values, files } = await readRawForm(request);
  const uploads = files.filter((f) => f.fileName).map((f) => ({ fileName: f.fileName, bytes: f.bytes }));
  return { c: consoleRequest(request), form: values, uploads };
}

/** The article a console path names; 404 for a non-id or an unknown one. */
export async function articleOf(content: ContentService, rawId: string): Promise<Article> {
  const id = idParam(rawId);
  if (!id) throw new NotFound("信息不存在");
  return content.get(id);
}
