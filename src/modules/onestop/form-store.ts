import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { Db } from "../../platform/db/database.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import { Invalid } from "../../platform/http/errors.ts";

import type { ServiceItem } from "./catalogue.ts";

import { defaultForm, formSchemaProblems, type FormSchema } from "./forms.ts";

import type { OneStopTables } from "./tables.ts";

export interface FormVersion {
  itemCode: string;
  /** 0 is the generated default form. */
  version: number;
  schema: FormSchema;
  note: string;
  createdBy: string;
  createdAt: string;
}

/** Versioned application forms per service item. */
export class FormStore {
  constructor(
    private readonly store: Db<OneStopTables>,
    private readonly audit: AuditLog,
  ) {}

  async current(item: ServiceItem): Promise<FormVersion> {
    if (item.formVersion) {
      const v = await this.byVersion(item.code, item.formVersion);
      if (v) return v;
    }
    return {
      itemCode: item.code,
      version: 0,
      schema: defaultForm(item),
      note: "系统默认表单",
      createdBy: "system",
      createdAt: item.updatedAt,
    };
  }

  async byVersion(itemCode: string, version: number): Promise<FormVersion | undefined> {
    const row = await this.store.db
      .selectFrom("serviceForms")
      .selectAll()
      .where("itemCode", "=", itemCode)
      .where("version", "=", version)
      .executeTakeFirst();
    return row ? { ...row, schema: JSON.parse(row.schema) as FormSchema } : undefined;
  }

  async history(itemCode: string): Promise<Omit<FormVersion, "schema">[]> {
    return this.store.db
      .selectFrom("serviceForms")
      .select(["itemCode", "version", "note", "createdBy", "createdAt"])
      .where("itemCode", "=", itemCode)
      .orderBy("version", "desc")
      .limit(50)
      .execute();
  }

  /** Saves a new version from JSON text; every problem is reported at once in Chinese. */
  async save(item: ServiceItem, json: string, note: string, actor: string): Promise<FormVersion> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new Invalid("表单定义不是有效的 JSON", {
        schema: `JSON 格式错误：${(error as Error).message}`,
      });
    }
    return this.saveSchema(item, parsed as FormSchema, note, actor);
  }

  /**
   * Saves a checked schema as the item's next version (applications in flight keep theirs); audited.
   * Every problem is refused at once in Chinese (the builder checks first to place them beside fields).
   */
  async saveSchema(
    item: ServiceItem,
    schema: FormSchema,
    note: string,
    actor: string,
    detail: Record<string, unknown> = {},
  ): Promise<FormVersion> {
    const problems = formSchemaProblems(schema);
    if (problems.length)
      throw new Invalid(`表单定义有${problems.length}处问题`, { schema: problems.join("；") });
    const version = await this.store.db.transaction().execute(async (trx) => {
      const last = await trx
        .selectFrom("serviceForms")
        .select((eb) => eb.fn.max("version").as("v"))
        .where("itemCode", "=", item.code)
        .executeTakeFirst();
      const v = Number(last?.v ?? 0) + 1;
      await trx
        .insertInto("serviceForms")
        .values({
          itemCode: item.code,
          version: v,
          schema: JSON.stringify({ fields: schema.fields }),
          note: note.slice(0, 200),
          createdBy: actor,
          createdAt: nowIso(),
        })
        .execute();
      await trx.updateTable("serviceItems").set({ formVersion: v }).where("code", "=", item.code).execute();
      return v;
    });
    await this.audit.record({
      actor,
      action: "service_form.save",
      targetType: "service_item",
      targetId: item.code,
      detail: { ...detail, version, note },
    });
    return (await this.byVersion(item.code, version))!;
  }
}
