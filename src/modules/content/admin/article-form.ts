import type { FastifyReply, FastifyRequest } from "fastify";
import type { ContentDeps } from "../deps.ts";
import { checkCsrf, currentStaff } from "../../../platform/auth/staff-auth.ts";
import type { ArticleInput } from "../service.ts";
import type { Article } from "../service.ts";
import type { ConsoleRequest, Form } from "../../../web/console.ts";
import { ids, text } from "../../../web/console.ts";

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

export function valuesOfForm(form: Form): ArticleFormValues {
  return {
    kind: text(form, "kind", 20),
    title: text(form, "title", 300),
    summary: text(form, "summary", 1000),
    bodyHtml: text(form, "bodyHtml", 2_000_001),
    source: text(form, "source", 100),
    keywords: text(form, "keywords", 200),
    author: text(form, "author", 60),
    ownerSiteId: text(form, "ownerSiteId", 12),
    channelIds: ids(form, "channelIds"),
    docNumber: text(form, "docNumber", 60),
    issuer: text(form, "issuer", 100),
    writtenAt: text(form, "writtenAt", 20),
    theme: text(form, "theme", 60),
    validity: text(form, "validity", 10),
    policyId: text(form, "policyId", 12),
    tableCsv: text(form, "tableCsv", 200_000),
  };
}

/** Budget tables typed as lines of comma- or tab-separated cells; the first line is the header. */
export function parseTable(csv: string): { columns: string[]; rows: string[][] } | null {
  const lines = csv
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return null;
  const split = (line: string) =>
    (line.includes("\t") ? line.split("\t") : line.split(/[,，]/)).map((c) => c.trim());
  return { columns: split(lines[0]), rows: lines.slice(1).map(split) };
}

export function tableToCsv(table: { columns: string[]; rows: string[][] }): string {
  return [table.columns, ...table.rows].map((r) => r.join(", ")).join("\n");
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
 * (repeated names become arrays), uploads buffered, then the CSRF token checked.
 */
export async function multipartForm(
  deps: ContentDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ c: ConsoleRequest; form: Form; uploads: Upload[] } | null> {
  const auth = await currentStaff({ staff: deps.staff, sessions: deps.sessions }, request);
  if (!auth) {
    await reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303);
    return null;
  }
  const form: Record<string, string | string[]> = {};
  const uploads: Upload[] = [];
  if (request.isMultipart()) {
    for await (const part of request.parts()) {
      if (part.type === "file") {
        const bytes = await part.toBuffer();
        if (part.filename) uploads.push({ fileName: part.filename, bytes });
      } else if (typeof part.value === "string") {
        const prev = form[part.fieldname];
        form[part.fieldname] =
          prev === undefined ? part.value : Array.isArray(prev) ? [...prev, part.value] : [prev, part.value];
      }
    }
  } else if (request.body && typeof request.body === "object") {
    Object.assign(form, request.body);
  }
  request.body = form;
  checkCsrf(auth.session, request);
  return {
    c: { auth, view: { staff: auth.staff, csrf: auth.session.csrf, path: request.url.split("?")[0] } },
    form,
    uploads,
  };
}
