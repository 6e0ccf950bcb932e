import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import iconv from "iconv-lite";
import { Invalid } from "../../platform/http/errors.ts";
import type { FormSchema } from "../onestop/index.ts";
import { DISTRICTS } from "./validation.ts";

/**
 * Reading a community worker's upload: CSV (UTF-8 with or without BOM, or GBK/GB18030 as Excel
 * saves it on Chinese Windows) or XLSX (first worksheet, streaming reader), into header-mapped rows —
 * streamed from the temporary file the upload was spooled to, a chunk of rows at a time.
 */

/** The largest upload: streamed to a temporary file, never held in memory; larger is refused (413). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const MAX_UPLOAD_ROWS = 100_000;

/** The file cannot be imported at all (wrong type, no usable header, too many rows). */
export class UploadRefused extends Invalid {
  constructor(message: string) {
    super(message, { file: message }, "upload_refused");
  }
}

export type FileFormat = "csv" | "xlsx";

/** What kind of file its first bytes say it is: CSV text, an XLSX (zip) workbook, or null for anything else. */
export function sniffUpload(bytes: Buffer): FileFormat | null {
  if (bytes.length === 0) return null;
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return "xlsx";
  const head = bytes.subarray(0, 8192);
  // NUL bytes: a binary file (old .xls, PDF, images, UTF-16 text) — not a CSV we can read.
  if (head.includes(0)) return null;
  if (/^(%PDF|GIF8|\x89PNG|\xFF\xD8\xFF)/.test(head.subarray(0, 4).toString("latin1"))) return null;
  return "csv";
}

const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

export interface CsvEncoding {
  /** How the batch page names it: "UTF-8", "UTF-8 (BOM)" or "GB18030". */
  label: string;
  gb18030: boolean;
  /** Bytes to skip at the start (a UTF-8 BOM). */
  skip: number;
}

/**
 * The encoding of a CSV file, read as a stream: UTF-8 (a BOM is skipped) when every byte decodes
 * strictly, GB18030 (a GBK superset, as Excel saves CSV on Chinese Windows) otherwise.
 */
export async function csvEncoding(path: string): Promise<CsvEncoding> {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  let bom = false;
  let first = true;
  try {
    for await (const chunk of createReadStream(path, {
      highWaterMark: 256 * 1024,
    }) as AsyncIterable<Buffer>) {
      if (first) bom = chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
      first = false;
      utf8.decode(chunk, { stream: true });
    }
    utf8.decode();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return { label: "GB18030", gb18030: true, skip: 0 };
  }
  return bom
    ? { label: "UTF-8 (BOM)", gb18030: false, skip: 3 }
    : { label: "UTF-8", gb18030: false, skip: 0 };
}

/** One row: its number as the spreadsheet shows it (header = 1) and its cells as text. */
export interface SheetRow {
  no: number;
  cells: string[];
  /**
   * Cells a spreadsheet stored as numbers too long to keep every digit (over 15 digits: an ID number
   * typed into a General-format column is kept as 4.20106198506121E+17, its last digits gone).
   */
  digitsLost?: Set<number>;
}

/** A spreadsheet number that cannot have kept all its digits (doubles hold 15 significant digits). */
const lostDigits = (v: unknown) => typeof v === "number" && Math.abs(v) >= 1e15;

/** What the first pass over a file learns: the header, how many data rows, the encoding. */
export interface SheetInfo {
  header: string[];
  totalRows: number;
  encoding: string;
}

const tooMany = (max: number) =>
  new UploadRefused(`文件超过 ${max.toLocaleString("en-US")} 行数据，请拆分后分批上传`);

/** Every non-empty record of a CSV file, the header first, parsed as the file streams in. */
async function* csvRows(path: string, encoding: CsvEncoding): AsyncGenerator<SheetRow> {
  const file = createReadStream(path, { start: encoding.skip, highWaterMark: 64 * 1024 });
  const text = encoding.gb18030 ? file.pipe(iconv.decodeStream("gb18030")) : file.setEncoding("utf8");
  const parser = parse({ relax_column_count: true, skip_empty_lines: true, info: true, bom: true });
  file.on("error", (e) => parser.destroy(e));
  text.pipe(parser);
  let n = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { no: item.info.lines, cells: item.record };
      // Parsed records arrive as microtasks: give timers and requests a turn now and then.
      if (++n % 1000 === 0) await yieldTurn();
    }
  } catch (error) {
    const line = (error as { lines?: unknown }).lines;
    throw new UploadRefused(
      `CSV 格式有误${typeof line === "number" ? `（约第 ${line} 行）` : ""}：请检查引号是否成对，或用 Excel 另存为 CSV 后重试`,
    );
  } finally {
    file.destroy();
  }
}

/** A cell of the streaming XLSX reader as text; a formula keeps its `=` so it is refused like a CSV one. */
function xlsxText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === "object") {
    const o = v as {
      formula?: string;
      sharedFormula?: string;
      richText?: { text: string }[];
      text?: unknown;
    };
    if (o.formula || o.sharedFormula) return `=${o.formula ?? o.sharedFormula}`;
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join("");
    if (typeof o.text === "string") return o.text;
  }
  return "";
}

/** Every non-empty row of the first worksheet, the header first (exceljs's streaming reader). */
async function* xlsxRows(path: string): AsyncGenerator<SheetRow> {
  // Loaded on the first spreadsheet: exceljs and its zip libraries are large and rarely needed.
  const { default: ExcelJS } = await import("exceljs");
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "ignore",
    worksheets: "emit",
    entries: "emit",
  });
  let n = 0;
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = row.values as unknown[];
        const cells = Array.from({ length: Math.max(0, values.length - 1) }, (_x, i) =>
          xlsxText(values[i + 1]),
        );
        if (cells.every((c) => c.trim() === "")) continue;
        const lost = cells.flatMap((_c, i) => (lostDigits(values[i + 1]) ? [i] : []));
        yield { no: row.number, cells, ...(lost.length > 0 ? { digitsLost: new Set(lost) } : {}) };
        if (++n % 1000 === 0) await yieldTurn();
      }
      break; // the first worksheet only
    }
  } catch (error) {
    if (error instanceof UploadRefused) throw error;
    throw new UploadRefused("无法读取该 XLSX 文件，请用 Excel 或 WPS 打开后另存为 .xlsx 或 CSV 再上传");
  }
}

/** Every row of the file (format from sniffUpload), the header first, streamed from disk. */
export async function* sheetRows(path: string, format: FileFormat, encoding?: CsvEncoding) {
  if (format === "xlsx") yield* xlsxRows(path);
  else yield* csvRows(path, encoding ?? (await csvEncoding(path)));
}

/**
 * The first pass over an upload, before anything is imported: the header, the number of data rows
 * (for the progress bar), the encoding. Refuses an empty or unreadable file and more than `maxRows`
 * data rows, so nothing is half-imported because of the file's shape.
 */
export async function inspectSheet(
  path: string,
  format: FileFormat,
  maxRows = MAX_UPLOAD_ROWS,
): Promise<SheetInfo & { csv?: CsvEncoding }> {
  const csv = format === "csv" ? await csvEncoding(path) : undefined;
  let header: string[] | null = null;
  let totalRows = 0;
  for await (const row of sheetRows(path, format, csv)) {
    if (!header) header = row.cells;
    else if (++totalRows > maxRows) throw tooMany(maxRows);
  }
  if (!header)
    throw new UploadRefused(
      format === "xlsx"
        ? "工作簿的第一个工作表是空的：第一行应为列名"
        : "文件是空的：第一行应为列名（姓名、身份证号、手机号、所在地区…）",
    );
  return { header, totalRows, encoding: csv?.label ?? "XLSX", csv };
}

// ------------------------------------------------------------------ header mapping

export type FixedField = "name" | "idNumber" | "phone" | "district";

const FIXED_HEADERS: Record<string, FixedField> = {
  姓名: "name",
  name: "name",
  身份证号: "idNumber",
  身份证号码: "idNumber",
  公民身份号码: "idNumber",
  idnumber: "idNumber",
  手机号: "phone",
  手机号码: "phone",
  联系电话: "phone",
  phone: "phone",
  所在地区: "district",
  区划代码: "district",
  行政区划代码: "district",
  "所在县(市、区)": "district",
  district: "district",
};

export const FIXED_LABELS: Record<FixedField, string> = {
  name: "姓名",
  idNumber: "身份证号",
  phone: "手机号",
  district: "所在地区",
};

const norm = (h: string) =>
  h
    .replace(/^\uFEFF/, "")
    .replace(/[\s*＊]/g, "")
    .replace(/（/g, "(")
    .replace(/）/g, ")")
    .replace(/：|:$/g, "")
    .toLowerCase();

/** Which column holds which field: the fixed four by their usual Chinese names, questions by label or name. */
export interface ColumnMap {
  fixed: Record<FixedField, number>;
  questions: { name: string; index: number }[];
  ignored: string[];
}

export function mapColumns(header: string[], schema: FormSchema): ColumnMap {
  const fixed: Partial<Record<FixedField, number>> = {};
  const questions: ColumnMap["questions"] = [];
  const ignored: string[] = [];
  const byLabel = new Map<string, string>();
  for (const f of schema.fields) {
    byLabel.set(norm(f.label), f.name);
    byLabel.set(norm(f.name), f.name);
  }
  header.forEach((raw, index) => {
    const h = norm(raw);
    const f = FIXED_HEADERS[h];
    const q = byLabel.get(h);
    if (f && fixed[f] === undefined) fixed[f] = index;
    else if (q && !questions.some((x) => x.name === q)) questions.push({ name: q, index });
    else if (h) ignored.push(raw.trim());
  });
  const missing = (Object.keys(FIXED_LABELS) as FixedField[]).filter((k) => fixed[k] === undefined);
  const missingQuestions = schema.fields.filter(
    (f) => f.required && !questions.some((q) => q.name === f.name),
  );
  if (missing.length > 0 || missingQuestions.length > 0)
    throw new UploadRefused(
      `第一行缺少列：${[...missing.map((k) => FIXED_LABELS[k]), ...missingQuestions.map((f) => f.label)].join("、")}。` +
        `列名应为 姓名、身份证号、手机号、所在地区（或区划代码）${schema.fields.length ? "，以及各题目的题目名称" : ""}`,
    );
  return { fixed: fixed as Record<FixedField, number>, questions, ignored };
}

const DISTRICT_BY_NAME = new Map<string, string>();
for (const d of DISTRICTS) {
  DISTRICT_BY_NAME.set(`${d.city}${d.name}`, d.code);
  // A bare county name only when it is unique in the province (several cities have a 市辖区-like name).
  if (DISTRICTS.filter((x) => x.name === d.name).length === 1) DISTRICT_BY_NAME.set(d.name, d.code);
}

/** A district cell as a 6-digit code: the code itself, or the county's name (with or without its city). */
export function districtCode(cell: string): string {
  const v = cell.trim().replace(/\s/g, "");
  const m = /^(\d{6})(?:\D.*)?$/.exec(v);
  if (m) return m[1];
  return DISTRICT_BY_NAME.get(v.replace(/^湖北省/, "")) ?? v;
}

/** A cell a spreadsheet would run as a formula (`=…`, `@…`): refused, never imported. */
export const looksLikeFormula = (cell: string) => /^\s*[=@]/.test(cell);
