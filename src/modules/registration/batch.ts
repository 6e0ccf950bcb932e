import type { Selectable } from "kysely";
import type { AuditLog } from "../../platform/audit/audit-log.ts";
import type { Db } from "../../platform/db/database.ts";
import type { SpooledFile } from "../../platform/http/form-input.ts";
import { QueueFull } from "../../platform/db/group-commit.ts";
import { maskIdNumber, maskName, maskPhone } from "../../platform/mask/mask.ts";
import { nowIso } from "../../platform/time/china-time.ts";
import type { FormSchema } from "../onestop/index.ts";
import {
  districtCode,
  FIXED_LABELS,
  inspectSheet,
  looksLikeFormula,
  mapColumns,
  sheetRows,
  sniffUpload,
  UploadRefused,
  type FileFormat,
  type FixedField,
  type SheetRow,
} from "./batch-file.ts";
import type { BatchErrorRow, BatchRow, RegistrationTables } from "./tables.ts";
import { answersToRaw, checkSubmission, type CheckedSubmission } from "./validation.ts";
import type { WriteResult } from "./writer.ts";

export type Batch = Selectable<BatchRow>;

/** What the importer needs of a campaign (the service's Campaign). */
export interface BatchCampaign {
  id: number;
  code: string;
  form: FormSchema;
}

/** What the importer needs of the service: the one acceptance path every channel uses. */
export interface Acceptor<C extends BatchCampaign> {
  accept(c: C, value: CheckedSubmission, channel: "upload", idSeed?: string): Promise<WriteResult>;
}

/** Rows handled between two progress commits (the writer's batch size: one commit each). */
const CHUNK = 500;
/** A running batch not updated for this long belongs to a stopped process: a re-upload resumes it. */
const STALE_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cellFor = (field: string, value: string) =>
  field === "idNumber"
    ? maskIdNumber(value)
    : field === "phone"
      ? maskPhone(value)
      : field === "name"
        ? maskName(value)
        : value.slice(0, 200);

/**
 * Batch uploads of a campaign's records by community workers. A batch is one file (by SHA-256):
 * it is read and imported in the background in chunks; each chunk's rows go through the durable
 * writer and then the batch's progress (next row, accepted, rejected, per-row errors) is committed.
 * If the import stops (a failed write, a stopped process), uploading the same file again continues
 * from the row it reached; rows of the interrupted chunk are written again under the same record
 * ids, so they replace themselves instead of being counted twice.
 */
export class BatchImporter<Campaign extends BatchCampaign> {
  private readonly active = new Map<number, Promise<void>>();

  constructor(
    private readonly store: Db<RegistrationTables>,
    private readonly audit: AuditLog,
    private readonly acceptor: Acceptor<Campaign>,
  ) {}

  private get db() {
    return this.store.db;
  }

  /**
   * Takes an upload (spooled to a temporary file, which this takes over and removes): refuses what is
   * not CSV/XLSX, finds the batch of the same file (resuming it when it stopped) or creates one, and
   * starts the import in the background, reading the file from disk. Returns the batch.
   */
  async upload(
    c: Campaign,
    file: { fileName: string; spooled: SpooledFile },
    actor: string,
  ): Promise<{ batch: Batch; resumed: boolean; started: boolean }> {
    let handedOver = false;
    try {
      const r = await this.take(c, file.fileName, file.spooled, actor);
      handedOver = r.started;
      return r;
    } finally {
      if (!handedOver) await file.spooled.discard();
    }
  }

  private async take(
    c: Campaign,
    fileName: string,
    file: SpooledFile,
    actor: string,
  ): Promise<{ batch: Batch; resumed: boolean; started: boolean }> {
    const format = sniffUpload(file.head);
    if (!format)
      throw new UploadRefused("只能上传 CSV 或 XLSX 文件（.xls 请在 Excel 或 WPS 中另存为 .xlsx 或 CSV）");
    const sha256 = file.sha256;
    const now = nowIso();
    await this.db
      .insertInto("registrationBatches")
      .values({
        campaignId: c.id,
        sha256,
        fileName: fileName.slice(0, 200),
        format,
        encoding: "",
        status: "queued",
        totalRows: 0,
        nextRow: 0,
        accepted: 0,
        rejected: 0,
        message: "",
        createdBy: actor,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
      })
      .onConflict((oc) => oc.columns(["campaignId", "sha256"]).doNothing())
      .execute();
    const batch = await this.db
      .selectFrom("registrationBatches")
      .selectAll()
      .where("campaignId", "=", c.id)
      .where("sha256", "=", sha256)
      .executeTakeFirstOrThrow();
    const fresh = batch.createdAt === now && batch.status === "queued" && batch.nextRow === 0;
    const stale = batch.status !== "done" && (batch.status === "failed" || this.isStale(batch));
    const start = !this.active.has(batch.id) && (fresh || stale);
    if (start) {
      // Claim it atomically: two uploads of one file at once start one import.
      const claimed = await this.db
        .updateTable("registrationBatches")
        .set({ status: "running", message: "", updatedAt: nowIso(), finishedAt: null })
        .where("id", "=", batch.id)
        .where("updatedAt", "=", batch.updatedAt)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) {
        await this.audit.record({
          actor,
          action: fresh ? "registration.batch.upload" : "registration.batch.resume",
          targetType: "registration_batch",
          targetId: String(batch.id),
          detail: { campaign: c.code, file: batch.fileName, sha256, fromRow: batch.nextRow },
        });
        const run = this.run(c, batch.id, file.path, format, actor).finally(() => {
          this.active.delete(batch.id);
          return file.discard();
        });
        this.active.set(batch.id, run);
        return { batch: (await this.batch(c, batch.id))!, resumed: !fresh, started: true };
      }
    }
    return { batch, resumed: false, started: false };
  }

  private isStale(b: Batch): boolean {
    return !this.active.has(b.id) && Date.now() - Date.parse(b.updatedAt) > STALE_MS;
  }

  /** Resolves when the batch's background import (if running here) has ended. */
  async settled(id: number): Promise<void> {
    await this.active.get(id);
  }

  async batch(c: Campaign, id: number): Promise<Batch | null> {
    return (
      (await this.db
        .selectFrom("registrationBatches")
        .selectAll()
        .where("campaignId", "=", c.id)
        .where("id", "=", id)
        .executeTakeFirst()) ?? null
    );
  }

  /** Whether the batch is being imported by some instance right now. */
  isRunning(b: Batch): boolean {
    return (b.status === "running" || b.status === "queued") && !this.isStale(b);
  }

  async batches(c: Campaign, page: number, perPage: number): Promise<{ rows: Batch[]; total: number }> {
    const rows = await this.db
      .selectFrom("registrationBatches")
      .selectAll()
      .where("campaignId", "=", c.id)
      .orderBy("id", "desc")
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute();
    const { n } = await this.db
      .selectFrom("registrationBatches")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("campaignId", "=", c.id)
      .executeTakeFirstOrThrow();
    return { rows, total: Number(n) };
  }

  /** The batch's per-row errors in row order, in pages (the CSV report streams them). */
  async *errors(batchId: number, pageSize = 5000): AsyncGenerator<Selectable<BatchErrorRow>[]> {
    let after = { rowNo: -1, field: "" };
    for (;;) {
      const a = after;
      const rows = await this.db
        .selectFrom("registrationBatchErrors")
        .selectAll()
        .where("batchId", "=", batchId)
        .where((eb) =>
          eb.or([eb("rowNo", ">", a.rowNo), eb.and([eb("rowNo", "=", a.rowNo), eb("field", ">", a.field)])]),
        )
        .orderBy("rowNo")
        .orderBy("field")
        .limit(pageSize)
        .execute();
      if (rows.length === 0) return;
      after = { rowNo: rows[rows.length - 1].rowNo, field: rows[rows.length - 1].field };
      yield rows;
    }
  }

  /** Marks running batches of this process as failed (shutdown): a re-upload continues them. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.active.values()]);
  }

  // ------------------------------------------------------------------ the import

  private async run(c: Campaign, id: number, path: string, format: FileFormat, actor: string): Promise<void> {
    try {
      // First pass: header, row count and encoding (a malformed or oversized file is refused here,
      // before any row is imported); second pass: the rows, CHUNK at a time — never the whole file.
      const sheet = await inspectSheet(path, format);
      const columns = mapColumns(sheet.header, c.form);
      const before = (await this.db
        .updateTable("registrationBatches")
        .set({
          totalRows: sheet.totalRows,
          encoding: sheet.encoding,
          message: columns.ignored.length
            ? `已忽略无法识别的列：${columns.ignored.slice(0, 10).join("、")}`
            : "",
          updatedAt: nowIso(),
        })
        .where("id", "=", id)
        .returning(["nextRow"])
        .executeTakeFirstOrThrow()) as { nextRow: number };
      const seen = new Map<string, number>();
      let i = 0;
      let chunk: SheetRow[] = [];
      let header = true;
      for await (const row of sheetRows(path, format, sheet.csv)) {
        if (header) {
          header = false;
          continue;
        }
        chunk.push(row);
        if (chunk.length < CHUNK) continue;
        await this.importChunk(c, id, columns, seen, before.nextRow, i, chunk);
        i += chunk.length;
        chunk = [];
      }
      if (chunk.length > 0) await this.importChunk(c, id, columns, seen, before.nextRow, i, chunk);
      const done = await this.db
        .updateTable("registrationBatches")
        .set({ status: "done", updatedAt: nowIso(), finishedAt: nowIso() })
        .where("id", "=", id)
        .returning(["accepted", "rejected", "totalRows"])
        .executeTakeFirstOrThrow();
      await this.audit.record({
        actor,
        action: "registration.batch.done",
        targetType: "registration_batch",
        targetId: String(id),
        detail: { campaign: c.code, rows: done.totalRows, accepted: done.accepted, rejected: done.rejected },
      });
    } catch (error) {
      const message =
        error instanceof UploadRefused
          ? error.message
          : "导入中断：部分行尚未处理。请重新上传同一文件，将从中断处继续，已导入的行不会重复。";
      await this.db
        .updateTable("registrationBatches")
        .set({ status: "failed", message, updatedAt: nowIso() })
        .where("id", "=", id)
        .execute()
        .catch(() => {});
    }
  }

  /**
   * Checks one chunk of rows (data rows i … i + chunk.length - 1) and, past the resume point, writes
   * its good rows durably, then commits its errors and the batch's progress in one transaction.
   */
  private async importChunk(
    c: Campaign,
    id: number,
    columns: ReturnType<typeof mapColumns>,
    seen: Map<string, number>,
    resumeAt: number,
    i: number,
    chunk: SheetRow[],
  ): Promise<void> {
    const errors: BatchErrorRow[] = [];
    const good: { value: CheckedSubmission; row: SheetRow }[] = [];
    let rejectedRows = 0;
    for (const [k, row] of chunk.entries()) {
      // Checking is CPU work: give the event loop back every 100 rows so requests keep flowing.
      if (k % 100 === 99) await new Promise((r) => setImmediate(r));
      const problems = this.checkRow(c.form, columns, row, seen);
      if (problems.errors.length === 0) {
        good.push({ value: problems.value, row });
        seen.set(problems.value.idNumber, row.no);
      } else {
        rejectedRows++;
        for (const e of problems.errors) errors.push({ batchId: id, rowNo: row.no, ...e });
      }
    }
    // Rows before the resume point were handled by an earlier run: only the in-file
    // duplicate check needed to see them again.
    if (i + chunk.length <= resumeAt) return;
    if (i < resumeAt) throw new Error("registration batch: resume point inside a chunk");
    await Promise.all(good.map(({ value, row }) => this.acceptRetrying(c, value, `${id}:${row.no}`)));
    await this.db.transaction().execute(async (trx) => {
      if (errors.length > 0)
        for (let j = 0; j < errors.length; j += 200)
          await trx
            .insertInto("registrationBatchErrors")
            .values(errors.slice(j, j + 200))
            .onConflict((oc) => oc.columns(["batchId", "rowNo", "field"]).doNothing())
            .execute();
      await trx
        .updateTable("registrationBatches")
        .set((eb) => ({
          nextRow: i + chunk.length,
          accepted: eb("accepted", "+", good.length),
          rejected: eb("rejected", "+", rejectedRows),
          updatedAt: nowIso(),
        }))
        .where("id", "=", id)
        .execute();
    });
    await new Promise((r) => setImmediate(r));
  }

  /** Accepts one row through the durable writer, waiting while its burst queue is full. */
  private async acceptRetrying(c: Campaign, value: CheckedSubmission, seed: string): Promise<WriteResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.acceptor.accept(c, value, "upload", seed);
      } catch (error) {
        if (!(error instanceof QueueFull) || attempt >= 100) throw error;
        await sleep(100);
      }
    }
  }

  private checkRow(
    schema: FormSchema,
    columns: ReturnType<typeof mapColumns>,
    row: SheetRow,
    seen: Map<string, number>,
  ): { value: CheckedSubmission; errors: { field: string; message: string; value: string }[] } {
    const cell = (i: number) => (row.cells[i] ?? "").trim();
    const errors: { field: string; message: string; value: string }[] = [];
    const fixed = {} as Record<FixedField, string>;
    for (const k of Object.keys(FIXED_LABELS) as FixedField[]) fixed[k] = cell(columns.fixed[k]);
    const answers: Record<string, string | string[]> = {};
    const formulas = new Set<string>();
    for (const [k, v] of Object.entries(fixed)) if (looksLikeFormula(v)) formulas.add(k);
    for (const q of columns.questions) {
      const v = cell(q.index);
      if (looksLikeFormula(v)) formulas.add(q.name);
      const f = schema.fields.find((x) => x.name === q.name);
      answers[q.name] =
        f?.type === "multiselect"
          ? v
              .split(/[、,，;；|/]/)
              .map((x) => x.trim())
              .filter(Boolean)
          : v;
    }
    const { value, errors: problems } = checkSubmission(
      schema,
      { ...fixed, district: districtCode(fixed.district) },
      answersToRaw(schema, answers),
    );
    const raw = (field: string) => {
      if (field in fixed) return fixed[field as FixedField];
      const a = answers[field];
      return Array.isArray(a) ? a.join("、") : (a ?? "");
    };
    for (const field of formulas)
      errors.push({
        field,
        message: "单元格以 = 或 @ 开头，可能是电子表格公式，已拒绝该行；请改为纯文本",
        value: cellFor(field, raw(field)),
      });
    // Refused even when what is left passes the check digit: it may be another person's number.
    if (row.digitsLost?.has(columns.fixed.idNumber))
      problems.idNumber =
        "身份证号码在表格中被存成了数字，后几位已丢失：请把该列设为“文本”格式，重新填写号码后再上传";
    for (const [field, message] of Object.entries(problems))
      if (!formulas.has(field)) errors.push({ field, message, value: cellFor(field, raw(field)) });
    if (errors.length === 0) {
      const first = seen.get(value.idNumber);
      if (first !== undefined)
        errors.push({
          field: "idNumber",
          message: `与第 ${first} 行是同一人（身份证号相同），本行未导入`,
          value: cellFor("idNumber", value.idNumber),
        });
    }
    return { value, errors };
  }
}

/** The label of a field of a batch error (fixed fields, or a question's label). */
export function errorFieldLabel(schema: FormSchema, field: string): string {
  if (field in FIXED_LABELS) return FIXED_LABELS[field as FixedField];
  return schema.fields.find((f) => f.name === field)?.label ?? field;
}
