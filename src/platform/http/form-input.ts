import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { verifyCsrf } from "../auth/csrf.ts";

/** One uploaded file of a multipart form. */
export interface FormUpload {
  field: string;
  fileName: string;
  bytes: Buffer;
}

/** Every value of each field in order (one string, or a list when repeated), and the uploaded files. */
export interface RawForm {
  values: Record<string, string | string[]>;
  files: FormUpload[];
}

export interface FormData {
  /** The first value of each field, cut to the reader's maximum length. */
  fields: Record<string, string>;
  files: FormUpload[];
}

const MULTIPART_LIMITS = { fields: 1000, files: 20 };

/**
 * The one form reader: an urlencoded or multipart body as values and files. When the area guard
 * deferred the CSRF check to here (multipart bodies), the `_csrf` field is verified before returning.
 */
export async function readRawForm(request: FastifyRequest): Promise<RawForm> {
  const values: RawForm["values"] = {};
  const files: FormUpload[] = [];
  const add = (key: string, value: string) => {
    const prev = values[key];
    values[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  };
  if (request.isMultipart()) {
    for await (const part of request.parts({ limits: MULTIPART_LIMITS })) {
      if (part.type === "file") {
        const bytes = await part.toBuffer();
        if (bytes.length > 0 || part.filename)
          files.push({ field: part.fieldname, fileName: part.filename, bytes });
      } else if (typeof part.value === "string") add(part.fieldname, part.value);
    }
  } else {
    for (const [key, value] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
      if (typeof value === "string") add(key, value);
      else if (Array.isArray(value)) for (const v of value) if (typeof v === "string") add(key, v);
    }
  }
  if (request.csrfPending) {
    const token = values._csrf;
    verifyCsrf(request.csrfPending, Array.isArray(token) ? token[0] : token);
    request.csrfPending = null;
  }
  return { values, files };
}

/** Reads a form as single string fields (first value wins, cut to `maxField`) and non-empty uploads. */
export async function readForm(request: FastifyRequest, maxField = 10_000): Promise<FormData> {
  const { values, files } = await readRawForm(request);
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(values))
    fields[key] = (Array.isArray(value) ? value[0] : value).slice(0, maxField);
  return { fields, files: files.filter((f) => f.fileName && f.bytes.length > 0) };
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
