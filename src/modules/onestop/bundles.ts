import type { Selectable } from "kysely";

import type { Db } from "../../platform/db/database.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import { notFound, Invalid } from "../../platform/http/errors.ts";

import type { OneStopTables, ServiceBundleRow } from "./tables.ts";

import type { Account } from "../accounts/index.ts";

import {
  assertItemForAccount,
  lockIdentity,
  newTrackingNo,
  type Application,
  type ApplicationService,
} from "./applications.ts";

import type { CatalogueService, ServiceItem } from "./catalogue.ts";

import type { FormStore, FormVersion } from "./form-store.ts";

import {
  fileProblem,
  readValues,
  validateValues,
  type FormField,
  type FormSchema,
  type RawInput,
  type UploadedFile,
} from "./forms.ts";

import { onceOnlyMaterials, ownRecordQuery, sparedKey, type OnceOnlyMaterial } from "./once-only.ts";

/**
 * The bundle form's key of a once-only material: one per material name across the items (the same
 * 居民身份证 is uploaded, or fetched, once for every item that needs it): spared-m1, spared-m2, …
 */
const bundleSparedKey = (n: number) => `spared-m${n + 1}`;

/** A once-only material of one item of a bundle, as the bundle form asks for it. */
export interface BundleOnceOnly extends OnceOnlyMaterial {
  part: number;
  itemName: string;
  key: string;
  /** The account may have it fetched (a verified applicant's own record) instead of uploading it. */
  fetchable: boolean;
}

export interface Bundle {
  code: string;
  name: string;
  description: string;
  itemCodes: string[];
  lifeEvent: string;
  audience: string;
}

export interface MergedForm {
  schema: FormSchema;
  /** For each item: its form, and which merged field feeds each of its fields. */
  parts: { item: ServiceItem; form: FormVersion; map: Record<string, string> }[];
}

const toBundle = (r: Selectable<ServiceBundleRow>): Bundle => ({
  ...r,
  itemCodes: JSON.parse(r.itemCodes) as string[],
});

/** 一件事一次办: one life event, several items, one merged form, linked applications. */
export class BundleService {
  constructor(
    private readonly store: Db<OneStopTables>,
    private readonly catalogue: CatalogueService,
    private readonly forms: FormStore,
    private readonly applications: ApplicationService,
  ) {}

  async list(): Promise<Bundle[]> {
    const rows = await this.store.read
      .selectFrom("serviceBundles")
      .selectAll()
      .orderBy("sort")
      .orderBy("id")
      .execute();
    return rows.map(toBundle);
  }

  async byCode(code: string): Promise<Bundle> {
    const row = await this.store.db
      .selectFrom("serviceBundles")
      .selectAll()
      .where("code", "=", code.slice(0, 40))
      .executeTakeFirst();
    if (!row) throw notFound("该“一件事”不存在");
    return toBundle(row);
  }

  async create(b: Bundle, sort = 0): Promise<void> {
    const items = await this.catalogue.byCodes(b.itemCodes);
    if (items.length !== b.itemCodes.length || items.length < 2)
      throw new Invalid("“一件事”须包含至少两个有效事项");
    await this.store.db
      .insertInto("serviceBundles")
      .values({ ...b, itemCodes: JSON.stringify(b.itemCodes), sort, createdAt: nowIso() })
      .execute();
  }

  async items(b: Bundle): Promise<ServiceItem[]> {
    return this.catalogue.byCodes(b.itemCodes);
  }

  /** Fields with the same name are asked once; file fields with the same label (the same material) once. */
  async mergedForm(b: Bundle): Promise<MergedForm> {
    const fields: FormField[] = [];
    const byName = new Map<string, string>();
    const byMaterial = new Map<string, string>();
    const parts: MergedForm["parts"] = [];
    for (const item of await this.items(b)) {
      const form = await this.forms.current(item);
      const map: Record<string, string> = {};
      for (const f of form.schema.fields) {
        if (f.type === "file") {
          const existing = byMaterial.get(f.label);
          if (existing) map[f.name] = existing;
          else {
            const name = `file${byMaterial.size + 1}`;
            byMaterial.set(f.label, name);
            fields.push({ ...f, name });
            map[f.name] = name;
          }
        } else if (byName.has(f.name)) {
          map[f.name] = f.name;
          const prev = fields.find((x) => x.name === f.name)!;
          if (f.required && !f.when) prev.required = true;
        } else {
          byName.set(f.name, f.name);
          fields.push({ ...f, when: f.when ? { ...f.when } : undefined });
          map[f.name] = f.name;
        }
      }
      parts.push({ item, form, map });
    }
    return { schema: { fields }, parts };
  }

  /** Each item's once-only materials, fetchable for the account or to be uploaded. */
  onceOnly(items: ServiceItem[], account: Account | null): BundleOnceOnly[] {
    const keys = new Map<string, string>();
    return items.flatMap((item, part) =>
      onceOnlyMaterials(item.guide).map((o) => {
        let key = keys.get(o.material.name);
        if (key === undefined) keys.set(o.material.name, (key = bundleSparedKey(keys.size)));
        return {
          ...o,
          part,
          itemName: item.name,
          key,
          fetchable: Boolean(account?.verified && ownRecordQuery(o.source, account)),
        };
      }),
    );
  }

  /**
   * Once-only materials uploaded in a wrong format, and required ones neither uploaded nor fetchable
   * with consent, by their form key.
   */
  private async onceOnlyGaps(
    onceOnly: BundleOnceOnly[],
    raw: RawInput,
    files: UploadedFile[],
  ): Promise<Record<string, string>> {
    const consent = [raw.onceOnlyConsent].flat()[0] === "1";
    const errors: Record<string, string> = {};
    for (const o of onceOnly) {
      if (errors[o.key]) continue;
      const upload = files.find((f) => f.field === o.key && f.bytes.length > 0);
      if (upload) {
        // The check the item's application makes of it (see storeFilingFiles), before any item is filed.
        const field = { name: o.key, label: o.material.name, type: "file" as const };
        const { problem } = await fileProblem(field, upload.bytes);
        if (problem) errors[o.key] = `${o.material.name}：${problem}`;
        continue;
      }
      if (!o.material.required) continue;
      if (o.fetchable && consent) continue;
      errors[o.key] = o.fetchable
        ? `请上传${o.material.name}，或勾选同意由${o.source.provider}提供（免提交）`
        : `请上传${o.material.name}（${o.itemName}需要）`;
    }
    return errors;
  }

  /**
   * Submits the merged form: checks everything first (every item's account kind, the fields, the
   * uploads and every item's once-only materials), then files one linked application per item.
   * Posting again with the same key returns the same bundle application; an item refused after
   * others were filed (a registry that did not answer) is filed then, with what was posted this time.
   */
  async submit(
    account: Account,
    b: Bundle,
    raw: RawInput,
    files: UploadedFile[],
    idem: string,
  ): Promise<{ trackingNo: string; errors: Record<string, string>; duplicate: boolean }> {
    if (!/^[A-Za-z0-9_-]{16,60}$/.test(idem))
      throw new Invalid("页面已过期，请重新打开申请页面", {}, "bad_idempotency_key");
    const merged = await this.mergedForm(b);
    for (const part of merged.parts) assertItemForAccount(part.item, account);
    const existing = await this.bundleRow(account.id, idem);
    if (existing && (await this.filedItems(existing.id)) >= merged.parts.length)
      return { trackingNo: existing.trackingNo, errors: {}, duplicate: true };
    const onceOnly = this.onceOnly(
      merged.parts.map((p) => p.item),
      account,
    );
    const errors = await this.problems(merged, onceOnly, account, raw, files);
    if (Object.keys(errors).length) return { trackingNo: "", errors, duplicate: false };
    const opened = existing ?? (await this.open(b, account, idem));
    if (opened.duplicate) return { trackingNo: opened.trackingNo, errors: {}, duplicate: true };
    const itemErrors = await this.fileItems(merged, onceOnly, account, raw, files, idem, opened.id);
    if (Object.keys(itemErrors).length) return { trackingNo: "", errors: itemErrors, duplicate: false };
    return { trackingNo: opened.trackingNo, errors: {}, duplicate: false };
  }

  private async bundleRow(
    accountId: number,
    idem: string,
  ): Promise<{ id: number; trackingNo: string; duplicate: boolean } | undefined> {
    const row = await this.store.db
      .selectFrom("bundleApplications")
      .select(["id", "trackingNo"])
      .where("accountId", "=", accountId)
      .where("idempotencyKey", "=", idem)
      .executeTakeFirst();
    return row && { ...row, duplicate: false };
  }

  /** What is wrong with the posted form, by its field: nothing is filed while anything is. */
  private async problems(
    merged: MergedForm,
    onceOnly: BundleOnceOnly[],
    account: Account,
    raw: RawInput,
    files: UploadedFile[],
  ): Promise<Record<string, string>> {
    const values = readValues(merged.schema, raw);
    // A person files for themselves: name, ID number and phone are the account's, as on each item.
    lockIdentity(merged.schema, values, account, null);
    const errors: Record<string, string> = {};
    for (const up of files) {
      const f = merged.schema.fields.find((x) => x.name === up.field && x.type === "file");
      if (!f) continue;
      const { problem } = await fileProblem(f, up.bytes);
      if (problem) errors[f.name] = problem;
      else values[f.name] = { fileId: 0, name: up.fileName, size: up.bytes.length, mime: "" };
    }
    Object.assign(errors, validateValues(merged.schema, values), { ...errors });
    // Once-only materials are fetched (with consent) or uploaded per item: checked for every item
    // before any is filed, so a bundle is not left half submitted for a missing material.
    Object.assign(errors, await this.onceOnlyGaps(onceOnly, raw, files));
    return errors;
  }

  /** The bundle application's row, new; or the one another post with the same key made meanwhile. */
  private async open(
    b: Bundle,
    account: Account,
    idem: string,
  ): Promise<{ id: number; trackingNo: string; duplicate: boolean }> {
    const trackingNo = newTrackingNo("YJ");
    try {
      const row = await this.store.db
        .insertInto("bundleApplications")
        .values({
          trackingNo,
          bundleCode: b.code,
          accountId: account.id,
          idempotencyKey: idem,
          createdAt: nowIso(),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return { id: row.id, trackingNo, duplicate: false };
    } catch (error) {
      const again = await this.bundleRow(account.id, idem);
      if (again) return { ...again, duplicate: true };
      throw error;
    }
  }

  /**
   * Files each item's application from the merged form's values (its own field names) and files,
   * the once-only uploads under each item's own material keys. Returns what an item refused, shown
   * on the bundle's form against its own fields; the items filed stay filed.
   */
  private async fileItems(
    merged: MergedForm,
    onceOnly: BundleOnceOnly[],
    account: Account,
    raw: RawInput,
    files: UploadedFile[],
    idem: string,
    bundleAppId: number,
  ): Promise<Record<string, string>> {
    const itemErrors: Record<string, string> = {};
    for (const [i, part] of merged.parts.entries()) {
      // Filed by the applicant for themselves; the one consent covers every item's fetch.
      const itemRaw: RawInput = {
        filingMode: "self",
        onceOnlyConsent: [raw.onceOnlyConsent].flat()[0] ?? "",
      };
      for (const [own, m] of Object.entries(part.map)) {
        for (const [k, v] of Object.entries(raw)) {
          if (k === m) itemRaw[own] = v;
          else if (k.startsWith(`${m}.`)) itemRaw[own + k.slice(m.length)] = v;
        }
      }
      const itemFiles = files
        .map((f) => {
          const own = Object.entries(part.map).find(
            ([o, m]) =>
              m === f.field && part.form.schema.fields.some((x) => x.name === o && x.type === "file"),
          )?.[0];
          return own ? { ...f, field: own } : null;
        })
        .filter((x): x is UploadedFile => !!x);
      for (const o of onceOnly)
        for (const f of files)
          if (o.part === i && f.field === o.key) itemFiles.push({ ...f, field: sparedKey(o.index) });
      const r = await this.applications.save({
        account,
        item: part.item,
        form: part.form,
        raw: itemRaw,
        files: itemFiles,
        idempotencyKey: `${idem}-${i}`,
        submit: true,
        filing: true,
        bundleApplicationId: bundleAppId,
      });
      for (const [key, message] of Object.entries(r.errors)) {
        const spared = /^spared(\d+)$/.exec(key);
        const formKey = spared
          ? (onceOnly.find((o) => o.part === i && o.index === Number(spared[1]) - 1)?.key ?? key)
          : (part.map[key] ?? key);
        itemErrors[formKey] = `${part.item.name}：${message}`;
      }
    }
    return itemErrors;
  }

  /** The 一件事 numbers of bundle applications, by id (for the items' rows on 我的办件). */
  async trackingNos(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.store.db
      .selectFrom("bundleApplications")
      .select(["id", "trackingNo"])
      .where("id", "in", [...new Set(ids)])
      .execute();
    return new Map(rows.map((r) => [r.id, r.trackingNo]));
  }

  /** How many of a bundle application's items are filed (an item refused stays a draft). */
  private async filedItems(bundleAppId: number): Promise<number> {
    const row = await this.store.db
      .selectFrom("applications")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("bundleApplicationId", "=", bundleAppId)
      .where("status", "!=", "draft")
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async bundleApplication(
    accountId: number,
    trackingNo: string,
  ): Promise<{ trackingNo: string; bundle: Bundle; applications: Application[]; complete: boolean }> {
    const row = await this.store.db
      .selectFrom("bundleApplications")
      .selectAll()
      .where("trackingNo", "=", trackingNo.slice(0, 30))
      .executeTakeFirst();
    if (!row || row.accountId !== accountId) throw notFound("该办件不存在");
    const ids = await this.store.db
      .selectFrom("applications")
      .select("id")
      .where("bundleApplicationId", "=", row.id)
      .orderBy("id")
      .execute();
    const applications = (await Promise.all(ids.map((x) => this.applications.byId(x.id)))).filter(
      (x): x is Application => !!x,
    );
    return {
      trackingNo: row.trackingNo,
      bundle: await this.byCode(row.bundleCode),
      applications,
      complete: applications.length > 0 && applications.every((a) => a.status === "closed"),
    };
  }
}
