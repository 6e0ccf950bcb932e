import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { Forbidden, Invalid, isCorrectable, notFound } from "../../platform/http/errors.ts";
import { FormBody, formText, readRawForm, type FormValues } from "../../platform/http/form-input.ts";
import { csvLine, UTF8_BOM } from "../../platform/csv/csv.ts";
import { formProblem } from "../../platform/http/handle-form.ts";
import { idParam, pageParam } from "../../platform/http/params.ts";
import { chinaLocalToIso } from "../../platform/time/china-time.ts";
import { sendPage } from "../../web/console.ts";
import { formSchemaProblems, type FormSchema } from "../onestop/index.ts";
import { adminView, guardStaffArea, hasRole, type StaffPrincipal } from "../staff/index.ts";
import { errorFieldLabel } from "./batch.ts";
import { MAX_UPLOAD_BYTES } from "./batch-file.ts";
import {
  BatchCampaignsPage,
  BatchListPage,
  BatchPage,
  batchProgress,
  NoticesPage,
} from "./views/batches.tsx";
import type { RegistrationDeps } from "./deps.ts";
import type { Campaign, CampaignInput, Threshold } from "./service.ts";
import type { Audience, DedupRule } from "./tables.ts";
import {
  CampaignEditPage,
  CampaignListPage,
  CampaignPage,
  RecordPage,
  type CampaignForm,
  type CampaignPageData,
} from "./views/admin.tsx";

const PER_PAGE = 50;
const CodeParams = Type.Object({ code: Type.String({ maxLength: 40 }) });

/** Operators run campaigns; operators and data officers read records (full view with a reason). */
const mayManage = (s: StaffPrincipal) => s.isOperator;
export const mayReveal = (s: StaffPrincipal) => s.isOperator || hasRole(s, "data_officer");
/** Community workers upload batches: operators, data officers and handlers (承办人). */
export const mayUpload = (s: StaffPrincipal) => s.isOperator || hasRole(s, ["data_officer", "handler"]);

const toLocal = (iso: string | null) =>
  iso ? new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16) : "";

function formOf(c: Campaign): CampaignForm {
  return {
    code: c.code,
    title: c.title,
    summary: c.summary,
    form: JSON.stringify(c.form, null, 2),
    audience: c.audience,
    dedup: c.dedup,
    retentionDays: String(c.retentionDays),
    opensAt: toLocal(c.opensAt),
    closesAt: toLocal(c.closesAt),
    thresholds: c.thresholds
      .map((t) => (t.field ? `${t.field}=${t.value}>=${t.count}` : `*>=${t.count}`))
      .join("\n"),
    office: c.office,
    officeSiteId: c.officeSiteId ? String(c.officeSiteId) : "",
    officePhone: c.officePhone ?? "",
  };
}

const EMPTY_FORM: CampaignForm = {
  code: "",
  title: "",
  summary: "",
  form: JSON.stringify(
    {
      fields: [
        {
          name: "symptoms",
          label: "今天是否有以下症状",
          type: "multiselect",
          options: ["发热", "咳嗽", "无以上症状"],
          required: true,
        },
      ],
    },
    null,
    2,
  ),
  audience: "anyone",
  dedup: "per_id_per_day",
  retentionDays: "28",
  opensAt: toLocal(new Date().toISOString()),
  closesAt: "",
  thresholds: "",
  office: "",
  officeSiteId: "",
  officePhone: "",
};

function readCampaignForm(b: FormValues): CampaignForm {
  return {
    code: formText(b, "code", 40).trim(),
    title: formText(b, "title", 100),
    summary: formText(b, "summary", 1000),
    form: formText(b, "form", 50_000),
    audience: formText(b, "audience", 20),
    dedup: formText(b, "dedup", 20),
    retentionDays: formText(b, "retentionDays", 10).trim(),
    opensAt: formText(b, "opensAt", 30).trim(),
    closesAt: formText(b, "closesAt", 30).trim(),
    thresholds: formText(b, "thresholds", 2000),
    office: formText(b, "office", 100),
    officeSiteId: formText(b, "officeSiteId", 12).trim(),
    officePhone: formText(b, "officePhone", 20).trim(),
  };
}

/** The typed form as a campaign definition; problems of the text itself (JSON, threshold lines) by field. */
function parseCampaignForm(f: CampaignForm): { input: CampaignInput; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  let form: FormSchema = { fields: [] };
  try {
    form = JSON.parse(f.form) as FormSchema;
  } catch {
    errors.form = "表单定义不是有效的 JSON";
  }
  const thresholds: Threshold[] = [];
  for (const line of f.thresholds
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)) {
    const m = /^(?:\*|([a-z][a-zA-Z0-9_]{0,39})=(.{1,60}))\s*>=\s*(\d{1,7})$/.exec(line);
    if (!m) errors.thresholds = `无法识别“${line}”，格式为“题目名=选项>=人数”或“*>=人数”`;
    else thresholds.push({ field: m[1] ?? "", value: m[2] ?? "", count: Number(m[3]) });
  }
  const opensAt = chinaLocalToIso(f.opensAt) ?? "";
  const closesAt = f.closesAt ? chinaLocalToIso(f.closesAt) : null;
  if (f.closesAt && !closesAt) errors.closesAt = "结束时间无效";
  return {
    input: {
      code: f.code,
      title: f.title,
      summary: f.summary,
      form,
      audience: f.audience as Audience,
      dedup: f.dedup as DedupRule,
      retentionDays: /^\d{1,5}$/.test(f.retentionDays) ? Number(f.retentionDays) : NaN,
      opensAt,
      closesAt,
      thresholds,
      office: f.office,
      officeSiteId: /^\d{1,9}$/.test(f.officeSiteId) ? Number(f.officeSiteId) : null,
      officePhone: f.officePhone || null,
    },
    errors,
  };
}

/** The registration console: campaigns (operators), partner keys, records masked by default, audited full views. */
const registrationAdminRoutes: FastifyPluginAsyncTypebox<{ deps: RegistrationDeps }> = async (
  app,
  { deps },
) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { registration } = deps;

  const manager = (request: FastifyRequest) => {
    const s = request.staff.staff;
    if (!mayManage(s)) throw new Forbidden("只有平台运维可以管理应急登记活动");
    return s;
  };
  const reader = (request: FastifyRequest) => {
    const s = request.staff.staff;
    if (!mayReveal(s)) throw new Forbidden("只有平台运维和数据管理员可以查看应急登记");
    return s;
  };

  async function campaignOr404(code: string): Promise<Campaign> {
    const c = await registration.campaign(code);
    if (!c) throw notFound("该登记活动不存在");
    return c;
  }

  app.get("/admin/registration", { schema: { hide: true } }, async (request, reply) => {
    reader(request);
    const campaigns = await registration.campaigns();
    const counts = new Map<number, number>();
    for (const c of campaigns.slice(0, 100)) counts.set(c.id, (await registration.figures(c)).total);
    return sendPage(
      reply,
      <CampaignListPage ctx={adminView(request)} campaigns={campaigns.slice(0, 100)} counts={counts} />,
    );
  });

  function editor(
    request: FastifyRequest,
    reply: FastifyReply,
    p: {
      form: CampaignForm;
      errors: Record<string, string>;
      isNew: boolean;
      preview: FormSchema | null;
      status?: number;
    },
  ) {
    return sendPage(
      reply,
      <CampaignEditPage
        ctx={adminView(request)}
        form={p.form}
        errors={p.errors}
        isNew={p.isNew}
        preview={p.preview}
        sites={deps.sites.list().map((x) => ({ id: x.id, name: x.name }))}
      />,
      p.status ?? 200,
    );
  }

  app.get("/admin/registration/new", { schema: { hide: true } }, async (request, reply) => {
    manager(request);
    return editor(request, reply, { form: EMPTY_FORM, errors: {}, isNew: true, preview: null });
  });

  app.get(
    "/admin/registration/:code/edit",
    { schema: { hide: true, params: CodeParams } },
    async (request, reply) => {
      manager(request);
      const c = await campaignOr404(request.params.code);
      return editor(request, reply, { form: formOf(c), errors: {}, isNew: false, preview: c.form });
    },
  );

  async function save(request: FastifyRequest, reply: FastifyReply, existing: Campaign | null) {
    const s = manager(request);
    const b = request.body as FormValues;
    const form = readCampaignForm(b);
    if (existing) form.code = existing.code;
    const { input, errors } = parseCampaignForm(form);
    const isNew = !existing;
    if (formText(b, "action", 20) === "preview") {
      const problems = errors.form ? [errors.form] : formSchemaProblems(input.form);
      return editor(request, reply, {
        form,
        errors: problems.length ? { form: problems.slice(0, 5).join("；") } : {},
        isNew,
        preview: problems.length ? null : input.form,
      });
    }
    try {
      if (Object.keys(errors).length > 0) throw new Invalid("活动设置有误", errors);
      const saved = await registration.saveCampaign(input, s.username, existing ?? undefined);
      return reply.redirect(`/admin/registration/${saved.code}?done=1`, 303);
    } catch (error) {
      if (!isCorrectable(error)) throw error;
      const problem = formProblem(error);
      return editor(request, reply, {
        form,
        errors: problem.errors,
        isNew,
        preview: null,
        status: problem.status,
      });
    }
  }

  app.post("/admin/registration", { schema: { hide: true, body: FormBody } }, async (request, reply) =>
    save(request, reply, null),
  );
  app.post(
    "/admin/registration/:code",
    { schema: { hide: true, params: CodeParams, body: FormBody } },
    async (request, reply) => save(request, reply, await campaignOr404(request.params.code)),
  );

  async function campaignPage(
    request: FastifyRequest,
    reply: FastifyReply,
    c: Campaign,
    extra: Partial<CampaignPageData> = {},
    status = 200,
  ) {
    const s = reader(request);
    const q = request.query as { page?: string; district?: string; done?: string };
    const district = typeof q.district === "string" && /^\d{6}$/.test(q.district) ? q.district : "";
    const page = pageParam(q.page);
    const data: CampaignPageData = {
      campaign: c,
      figures: await registration.figures(c),
      records: await registration.records(c, { page, perPage: PER_PAGE, district: district || undefined }),
      total: await registration.recordCount(c, district || undefined),
      page,
      perPage: PER_PAGE,
      district,
      keys: await registration.keys(c),
      mayReveal: mayReveal(s),
      notice: q.done === "1" ? "已保存。" : undefined,
      ...extra,
    };
    reply.header("cache-control", "private, no-store");
    return sendPage(reply, <CampaignPage ctx={adminView(request)} data={data} />, status);
  }

  app.get(
    "/admin/registration/:code",
    { schema: { hide: true, params: CodeParams } },
    async (request, reply) => campaignPage(request, reply, await campaignOr404(request.params.code)),
  );

  app.post(
    "/admin/registration/:code/keys",
    { schema: { hide: true, params: CodeParams, body: FormBody } },
    async (request, reply) => {
      const s = manager(request);
      const c = await campaignOr404(request.params.code);
      const name = formText(request.body, "keyName", 100).trim();
      const quotaText = formText(request.body, "dailyQuota", 10).trim();
      const errors: Record<string, string> = {};
      if (!name) errors.keyName = "请填写接入系统名称";
      const quota = Number(quotaText);
      if (!/^\d{1,9}$/.test(quotaText) || quota < 1) errors.dailyQuota = "每日额度应为正整数";
      if (Object.keys(errors).length > 0) return campaignPage(request, reply, c, { errors }, 400);
      const key = await registration.createKey(c, name, quota, s.username);
      return campaignPage(request, reply, c, { newKey: key, notice: "密钥已签发。" });
    },
  );

  app.post(
    "/admin/registration/:code/keys/:id/revoke",
    {
      schema: {
        hide: true,
        params: Type.Object({ code: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 20 }) }),
      },
    },
    async (request, reply) => {
      const s = manager(request);
      const c = await campaignOr404(request.params.code);
      const id = idParam(request.params.id);
      if (id == null) throw notFound("密钥不存在");
      await registration.revokeKey(c, id, s.username);
      return reply.redirect(`/admin/registration/${c.code}?done=1`, 303);
    },
  );

  app.post(
    "/admin/registration/:code/records/:id/reveal",
    {
      schema: {
        hide: true,
        params: Type.Object({ code: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 40 }) }),
        body: FormBody,
      },
    },
    async (request, reply) => {
      const s = reader(request);
      const c = await campaignOr404(request.params.code);
      const reason = formText(request.body, "reason", 200).trim();
      if (reason.length < 4)
        return campaignPage(
          request,
          reply,
          c,
          // Keyed by the record's own reason field, so the error summary leads to it.
          { errors: { [`reason-${request.params.id}`]: "查看完整信息须填写事由（至少4个字）" } },
          400,
        );
      const record = await registration.revealRecord(c, request.params.id, s.username, reason);
      if (!record) throw notFound("该登记不存在");
      reply.header("cache-control", "private, no-store");
      return sendPage(
        reply,
        <RecordPage ctx={adminView(request)} campaign={c} record={record} reason={reason} />,
      );
    },
  );

  // ------------------------------------------------------------------ batch uploads

  const uploader = (request: FastifyRequest) => {
    const s = request.staff.staff;
    if (!mayUpload(s)) throw new Forbidden("只有平台运维、数据管理员和承办人可以批量上传登记");
    return s;
  };
  const BatchParams = Type.Object({
    code: Type.String({ maxLength: 40 }),
    id: Type.String({ maxLength: 20 }),
  });

  async function batchList(
    request: FastifyRequest,
    reply: FastifyReply,
    c: Campaign,
    error?: string,
    status = 200,
  ) {
    const page = pageParam((request.query as { page?: string }).page);
    const { rows, total } = await registration.batches.batches(c, page, PER_PAGE);
    return sendPage(
      reply,
      <BatchListPage
        ctx={adminView(request)}
        campaign={c}
        batches={rows}
        total={total}
        page={page}
        perPage={PER_PAGE}
        error={error}
      />,
      status,
    );
  }

  app.get("/admin/registration-batches", { schema: { hide: true } }, async (request, reply) => {
    uploader(request);
    const now = new Date();
    const open = (await registration.campaigns()).filter((c) => {
      try {
        registration.assertOpen(c, now);
        return true;
      } catch {
        return false;
      }
    });
    return sendPage(reply, <BatchCampaignsPage ctx={adminView(request)} campaigns={open.slice(0, 200)} />);
  });

  app.get(
    "/admin/registration-batches/:code",
    { schema: { hide: true, params: CodeParams } },
    async (request, reply) => {
      uploader(request);
      return batchList(request, reply, await campaignOr404(request.params.code));
    },
  );

  app.post(
    "/admin/registration-batches/:code",
    { schema: { hide: true, params: CodeParams } },
    async (request, reply) => {
      const s = uploader(request);
      const c = await campaignOr404(request.params.code);
      // The file streams to a temporary file (never whole in memory); past the limit it is cut and refused.
      // Read raw (readForm drops empty uploads): a chosen file with nothing in it is told apart.
      const { files } = await readRawForm(request, { spool: { maxBytes: MAX_UPLOAD_BYTES } });
      const file = files.find((f) => f.field === "file" && f.fileName);
      await Promise.all(files.filter((f) => f !== file).map((f) => f.spooled?.discard()));
      if (!file) return batchList(request, reply, c, "请选择要上传的 CSV 或 XLSX 文件", 400);
      if (!file.oversized && (file.spooled?.size ?? 0) === 0) {
        await file.spooled?.discard();
        return batchList(request, reply, c, `文件是空的：${file.fileName} 中没有任何内容`, 400);
      }
      if (file.oversized || !file.spooled)
        return batchList(
          request,
          reply,
          c,
          `文件超过 ${MAX_UPLOAD_BYTES / 1048576} MB，请拆分为几个较小的文件分批上传`,
          413,
        );
      try {
        try {
          registration.assertOpen(c);
        } catch (error) {
          await file.spooled.discard();
          throw error;
        }
        // The importer takes the temporary file over (and removes it when done).
        const r = await registration.batches.upload(
          c,
          { fileName: file.fileName, spooled: file.spooled },
          s.username,
        );
        const note = r.resumed ? "resumed" : r.started ? "started" : "known";
        return reply.redirect(`/admin/registration-batches/${c.code}/${r.batch.id}?n=${note}`, 303);
      } catch (error) {
        if (!isCorrectable(error)) throw error;
        const problem = formProblem(error);
        return batchList(request, reply, c, problem.errors.file ?? problem.message, problem.status);
      }
    },
  );

  async function batchOr404(request: FastifyRequest, params: { code: string; id: string }) {
    const s = uploader(request);
    const c = await campaignOr404(params.code);
    const id = idParam(params.id);
    const b = id == null ? null : await registration.batches.batch(c, id);
    if (!b) throw notFound("该上传批次不存在");
    return { s, c, b };
  }

  const NOTES: Record<string, string> = {
    started: "文件已收到，正在后台导入。",
    resumed: "已从上次中断处继续导入，已导入的行不会重复。",
    known: "同一文件已上传过，以下是该批次的进度。",
  };

  app.get(
    "/admin/registration-batches/:code/:id",
    { schema: { hide: true, params: BatchParams } },
    async (request, reply) => {
      const { c, b } = await batchOr404(request, request.params);
      reply.header("cache-control", "private, no-store");
      const n = (request.query as { n?: string }).n;
      return sendPage(
        reply,
        <BatchPage
          ctx={adminView(request)}
          campaign={c}
          batch={b}
          running={registration.batches.isRunning(b)}
          notice={n && Object.hasOwn(NOTES, n) ? NOTES[n] : undefined}
        />,
      );
    },
  );

  app.get(
    "/admin/registration-batches/:code/:id/progress",
    { schema: { hide: true, params: BatchParams } },
    async (request, reply) => {
      const { b } = await batchOr404(request, request.params);
      reply.header("cache-control", "private, no-store");
      return batchProgress(b, registration.batches.isRunning(b));
    },
  );

  app.get(
    "/admin/registration-batches/:code/:id/errors.csv",
    { schema: { hide: true, params: BatchParams } },
    async (request, reply) => {
      const { c, b } = await batchOr404(request, request.params);
      let body = UTF8_BOM + csvLine(["行号", "列", "问题", "填写内容（个人信息已脱敏）"]);
      for await (const page of registration.batches.errors(b.id))
        for (const e of page)
          body += csvLine([e.rowNo, errorFieldLabel(c.form, e.field), e.message, e.value]);
      reply.header("cache-control", "private, no-store");
      reply.header("content-type", "text/csv; charset=utf-8");
      reply.header("content-disposition", `attachment; filename="batch-${b.id}-errors.csv"`);
      return reply.send(body);
    },
  );

  // ------------------------------------------------------------------ risk notices

  app.get("/admin/registration-notices", { schema: { hide: true } }, async (request, reply) => {
    const s = request.staff.staff;
    const page = pageParam((request.query as { page?: string }).page);
    const sites = s.isOperator ? null : [...new Set(s.roles.map((r) => r.siteId))];
    const { rows, total } = await registration.notices(sites, page, PER_PAGE);
    const campaigns = new Map((await registration.campaigns()).map((c) => [c.id, c]));
    reply.header("cache-control", "private, no-store");
    return sendPage(
      reply,
      <NoticesPage
        ctx={adminView(request)}
        notices={rows}
        campaigns={campaigns}
        total={total}
        page={page}
        perPage={PER_PAGE}
      />,
    );
  });
};

export default registrationAdminRoutes;
