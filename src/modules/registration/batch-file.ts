import { Readable } from "node:stream";
import { parse } from "csv-parse";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { Invalid } from "../../platform/http/errors.ts";
import type { FormSchema } from "../onestop/index.ts";
import { DISTRICTS } from "./validation.ts";

/**
 * Reading a community worker's upload: CSV (UTF-8 with or without BOM, or GBK/GB18030 as Excel
 * saves it on Chinese Windows) or XLSX (first worksheet, streaming reader), into header-mapped rows.
 */

export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const MAX_UPLOAD_ROWS = 100_000;

/** The file cannot be imported at all (wrong type, no usable header, too many rows). */
export class UploadRefused extends Invalid {
  constructor(message: string) {
    super(message, { file: message }, "upload_refused");
  }
}

export type FileFormat = "csv" | "xlsx";

/** What kind of file the bytes are: CSV text, an XLSX (zip) workbook, or null for anything else. */
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

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The text of a CSV: UTF-8 (a BOM is dropped) when it decodes strictly, GB18030 (a GBK superset) otherwise. */
export function decodeCsv(bytes: Buffer): { text: string; encoding: string } {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  try {
    return { text: UTF8.decode(body), encoding: bom ? "UTF-8 (BOM)" : "UTF-8" };
  } catch {
    return { text: iconv.decode(body, "gb18030"), encoding: "GB18030" };
  }
}

/** One data row: its number as the spreadsheet shows it (header = 1) and its cells as text. */
export interface SheetRow {
  no: number;
  cells: string[];
}

export interface SheetData {
  header: string[];
  rows: SheetRow[];
}

const tooMany = (max: number) =>
  new UploadRefused(`文件超过 ${max.toLocaleString("en-US")} 行数据，请拆分后分批上传`);

async function readCsv(text: string, maxRows: number): Promise<SheetData> {
  // Fed in slices, so parsing a large file gives the event loop back between them.
  const slices = function* () {
    for (let i = 0; i < text.length; i += 32_768) yield text.slice(i, i + 32_768);
  };
  const parser = Readable.from(slices()).pipe(
    parse({ relax_column_count: true, skip_empty_lines: true, info: true, bom: true }),
  );
  let header: string[] | null = null;
  const rows: SheetRow[] = [];
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) header = item.record;
      else {
        if (rows.length >= maxRows) throw tooMany(maxRows);
        rows.push({ no: item.info.lines, cells: item.record });
        // Buffered records arrive as microtasks: give timers and requests a turn now and then.
        if (rows.length % 1000 === 0) await yieldTurn();
      }
    }
  } catch (error) {
    if (error instanceof UploadRefused) throw error;
    const line = (error as { lines?: unknown }).lines;
    throw new UploadRefused(
      `CSV 格式有误${typeof line === "number" ? `（约第 ${line} 行）` : ""}：请检查引号是否成对，或用 Excel 另存为 CSV 后重试`,
    );
  }
  if (!header) throw new UploadRefused("文件是空的：第一行应为列名（姓名、身份证号、手机号、所在地区…）");
  return { header, rows };
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

async function readXlsx(bytes: Buffer, maxRows: number): Promise<SheetData> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([bytes]), {
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "ignore",
    worksheets: "emit",
    entries: "emit",
  });
  let header: string[] | null = null;
  const rows: SheetRow[] = [];
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = row.values as unknown[];
        const cells = Array.from({ length: Math.max(0, values.length - 1) }, (_x, i) =>
          xlsxText(values[i + 1]),
        );
        if (cells.every((c) => c.trim() === "")) continue;
        if (!header) header = cells;
        else {
          if (rows.length >= maxRows) throw tooMany(maxRows);
          rows.push({ no: row.number, cells });
          if (rows.length % 1000 === 0) await yieldTurn();
        }
      }
      break; // the first worksheet only
    }
  } catch (error) {
    if (error instanceof UploadRefused) throw error;
    throw new UploadRefused("无法读取该 XLSX 文件，请用 Excel 或 WPS 打开后另存为 .xlsx 或 CSV 再上传");
  }
  if (!header) throw new UploadRefused("工作簿的第一个工作表是空的：第一行应为列名");
  return { header, rows };
}

/** Reads the upload's rows (format known from sniffUpload); more than `maxRows` data rows are refused. */
export async function readSheet(
  bytes: Buffer,
  format: FileFormat,
  maxRows = MAX_UPLOAD_ROWS,
): Promise<SheetData & { encoding: string }> {
  if (format === "xlsx") return { ...(await readXlsx(bytes, maxRows)), encoding: "XLSX" };
  const { text, encoding } = decodeCsv(bytes);
  return { ...(await readCsv(text, maxRows)), encoding };
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
