import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";

export interface FormData {
  fields: Record<string, string>;
  files: { fileName: string; bytes: Buffer }[];
}

/** Reads an urlencoded or multipart form: string fields (first value wins) and uploaded files. */
export async function readForm(request: FastifyRequest, maxField = 10_000): Promise<FormData> {
  const fields: Record<string, string> = {};
  const files: FormData["files"] = [];
  if (request.isMultipart()) {
    for await (const part of request.parts()) {
      if (part.type === "file") {
        const bytes = await part.toBuffer();
        if (part.filename && bytes.length > 0) files.push({ fileName: part.filename, bytes });
      } else if (!(part.fieldname in fields)) {
        fields[part.fieldname] = String(part.value ?? "").slice(0, maxField);
      }
    }
    return { fields, files };
  }
  const body = (request.body ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(body)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (typeof value === "string") fields[k] = value.slice(0, maxField);
  }
  return { fields, files };
}

export function newDraftToken(): string {
  return randomBytes(18).toString("base64url");
}

/** Turns an HTML-safe search snippet back into plain text (for JSON and text rendering). */
export function snippetText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
