import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { verifyCsrf } from "../auth/csrf.ts";
import { Invalid } from "./errors.ts";

/** One uploaded file of a multipart form. */
export interface FormUpload {
  field: string;
  fileName: string;
  bytes: Buffer;
  /** Set when the upload passed the size limit (its bytes are cut): with `keepOversized` only. */
  oversized?: boolean;
  /** With `spool`: the file on disk (`bytes` is then empty). */
  spooled?: SpooledFile;
}

/** An upload streamed to a temporary file instead of memory; whoever takes it removes it (`discard`). */
export interface SpooledFile {
  path: string;
  size: number;
  sha256: string;
  /** The first bytes (up to 8 KB), to tell the content type without reading the file again. */
  head: Buffer;
  /** Removes the temporary file (and its directory); safe to call twice. */
  discard(): Promise<void>;
}

export interface ReadOptions {
  /**
   * Keep reading past a file over the size limit, marking it `oversized`, so the form can show itself
   * again with everything else the user typed (instead of a bare 413).
   */
  keepOversized?: boolean;
  /**
   * Stream files to temporary files (hashed with SHA-256 on the way) instead of holding them in
   * memory; a file over `maxBytes` is cut, removed and marked `oversized` (the form answers it).
   */
  spool?: { maxBytes: number };
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

/**
 * The body schema of an urlencoded form: every field one string, or a list when repeated. A missing
 * or extra field still reaches the handler, so the form can show itself again with its messages.
 */
export const FormBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));

/** A form's values as the body schema or the form reader gives them. */
export type FormValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A single text field (first value when repeated), cut to `max` characters; "" when absent. */
export function formText(values: FormValues, key: string, max = 200): string {
  const v = Object.hasOwn(values, key) ? values[key] : undefined;
  const s = Array.isArray(v) ? (v as readonly string[])[0] : v;
  return typeof s === "string" ? s.slice(0, max) : "";
}

/** Every positive database id given under `key` (repeated checkboxes), without duplicates. */
export function formIds(values: FormValues, key: string): number[] {
  const v = Object.hasOwn(values, key) ? values[key] : undefined;
  const list: readonly unknown[] = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return [
    ...new Set(
      list.filter((x): x is string => typeof x === "string" && /^\d{1,9}$/.test(x)).map((x) => Number(x)),
    ),
  ].filter((n) => n > 0);
}

const MULTIPART_LIMITS = { fields: 1000, files: 20 };

/**
 * The one form reader: an urlencoded or multipart body as values and files. When the area guard
 * deferred the CSRF check to here (multipart bodies), the `_csrf` field is verified before returning.
 */
export async function readRawForm(request: FastifyRequest, options: ReadOptions = {}): Promise<RawForm> {
  // No prototype: a field named "__proto__" or "constructor" is a field like any other.
  const values: RawForm["values"] = Object.create(null) as RawForm["values"];
  const files: FormUpload[] = [];
  const add = (key: string, value: string) => {
    const prev = values[key];
    values[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  };
  if (request.isMultipart()) {
    try {
      // The plugin reads `throwFileSizeLimit` per call too; its typings list it on the plugin options only.
      const partOptions = options.spool
        ? { limits: { ...MULTIPART_LIMITS, fileSize: options.spool.maxBytes }, throwFileSizeLimit: false }
        : { limits: MULTIPART_LIMITS, throwFileSizeLimit: !options.keepOversized };
      const parts = request.parts(partOptions as Parameters<FastifyRequest["parts"]>[0]);
      for await (const part of parts) {
        if (part.type === "file" && options.spool) {
          const spooled = await spoolFile(part.file);
          if (part.file.truncated) {
            await spooled.discard();
            files.push({ field: part.fieldname, fileName: part.filename, bytes: EMPTY, oversized: true });
          } else if (spooled.size > 0 || part.filename)
            files.push({ field: part.fieldname, fileName: part.filename, bytes: EMPTY, spooled });
          else await spooled.discard();
        } else if (part.type === "file") {
          const bytes = await part.toBuffer();
          if (part.file.truncated)
            files.push({
              field: part.fieldname,
              fileName: part.filename,
              bytes: Buffer.alloc(0),
              oversized: true,
            });
          else if (bytes.length > 0 || part.filename)
            files.push({ field: part.fieldname, fileName: part.filename, bytes });
        } else if (typeof part.value === "string") add(part.fieldname, part.value);
      }
    } catch (error) {
      await Promise.all(files.map((f) => f.spooled?.discard()));
      // Limits (413) and refused content types keep their status; a body the parser cannot read
      // (cut short, no or a wrong boundary, broken part headers) is the sender's fault, not ours.
      const status = (error as { statusCode?: unknown }).statusCode;
      if (typeof status === "number" && status >= 400 && status < 500) throw error;
      throw new Invalid("提交的表单数据不完整或格式有误，请返回重新提交", {}, "malformed_form");
    }
  } else {
    for (const [key, value] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
      if (typeof value === "string") add(key, value);
      else if (Array.isArray(value)) for (const v of value) if (typeof v === "string") add(key, v);
    }
  }
  if (request.csrfPending) {
    const token = values._csrf;
    try {
      verifyCsrf(request.csrfPending, Array.isArray(token) ? token[0] : token);
    } catch (error) {
      await Promise.all(files.map((f) => f.spooled?.discard()));
      throw error;
    }
    request.csrfPending = null;
  }
  return { values, files };
}

const EMPTY = Buffer.alloc(0);

/** Bytes already in memory as a spooled upload (scripts and benchmarks that feed an importer). */
export function spoolBuffer(bytes: Buffer): Promise<SpooledFile> {
  return spoolFile(Readable.from([bytes]));
}

/** Streams one upload to a new temporary file, hashing it and keeping its first 8 KB. */
async function spoolFile(source: NodeJS.ReadableStream): Promise<SpooledFile> {
  const dir = await mkdtemp(join(tmpdir(), "chuyun-upload-"));
  const path = join(dir, "upload");
  const hash = createHash("sha256");
  const head: Buffer[] = [];
  let size = 0;
  const discard = () => rm(dir, { recursive: true, force: true });
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      if (size < 8192) head.push(chunk.subarray(0, 8192 - size));
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, tap, createWriteStream(path));
  } catch (error) {
    await discard();
    throw error;
  }
  return { path, size, sha256: hash.digest("hex"), head: Buffer.concat(head), discard };
}

/** Reads a form as single string fields (first value wins, cut to `maxField`) and non-empty uploads. */
export async function readForm(
  request: FastifyRequest,
  maxField = 10_000,
  options: ReadOptions = {},
): Promise<FormData> {
  const { values, files } = await readRawForm(request, options);
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(values)) fields[key] = formText(values, key, maxField);
  const kept = files.filter(
    (f) => f.oversized || (f.fileName && (f.bytes.length > 0 || (f.spooled?.size ?? 0) > 0)),
  );
  await Promise.all(files.filter((f) => !kept.includes(f)).map((f) => f.spooled?.discard()));
  return { fields, files: kept };
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
