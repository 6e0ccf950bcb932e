import { guardStaffArea } from "../../staff/index.ts";
import { consoleRequest } from "../../staff/index.ts";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { SitesDeps } from "../deps.ts";
import { requireRole, sitesWithRight } from "../../staff/index.ts";
import { RIGHTS } from "../../staff/index.ts";
import { nowIso, chinaTime } from "../../../platform/time/china-time.ts";
import { notFound, Invalid } from "../../../platform/http/errors.ts";
import { maskEmail, maskPhone } from "../../../platform/mask/mask.ts";
import { AdminLayout, CsrfField } from "../../../web/admin-layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { FormBody, formText } from "../../../platform/http/form-input.ts";
import { sendPage } from "../../../web/console.ts";
import { IdParams, idParam, pageParam } from "../../../platform/http/params.ts";

const PAGE_SIZE = 20;
/** 3 working days, approximated as 3 calendar days (no holiday calendar here yet). */
export const ANSWER_DAYS = 3;

function maskContact(contact: string): string {
  if (!contact) return "未留";
  return contact.includes("@") ? maskEmail(contact) : maskPhone(contact);
}

const errorReportRoutes: FastifyPluginAsyncTypebox<{ deps: SitesDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const db = deps.store.db;

  app.get(
    "/admin/error-reports",
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          status: Type.Optional(Type.String({ maxLength: 100 })),
          page: Type.Optional(Type.String({ maxLength: 40 })),
          done: Type.Optional(Type.String({ maxLength: 40 })),
        }),
      },
    },
    async (request, reply) => {
      const c = consoleRequest(request);
      const q = request.query;
      const status = q.status === "answered" ? "answered" : "open";
      const page = pageParam(q.page);
      const allowed = sitesWithRight(c.auth.staff, RIGHTS.errorReports);
      let base = db.selectFrom("errorReports").where("status", "=", status);
      if (allowed) base = base.where("siteId", "in", allowed.length ? allowed : [-1]);
      const rows = await base
        .selectAll()
        .orderBy("createdAt", status === "open" ? "asc" : "desc")
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .execute();
      const total = Number(
        (await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
      );
      const names = new Map(deps.sites.list().map((s) => [s.id, s.name]));
      const overdueBefore = new Date(Date.now() - ANSWER_DAYS * 86400_000).toISOString();
      const done = q.done === "1";
      return sendPage(
        reply,
        <AdminLayout ctx={c.view} title="我为政府网站找错">
          <h1>我为政府网站找错</h1>
          {done ? (
            <p class="notice info" role="status">
              已答复。
            </p>
          ) : null}
          <p class="meta">
            网民反馈须在3个工作日内答复；此处按3个自然日近似计算（未扣除节假日），超期的标为“已超期”。联系方式已脱敏。
          </p>
          <p class="actions">
            <a href="/admin/error-reports" aria-current={status === "open" ? "page" : undefined}>
              待答复
            </a>
            <a
              href="/admin/error-reports?status=answered"
              aria-current={status === "answered" ? "page" : undefined}
            >
              已答复
            </a>
          </p>
          {rows.length === 0 ? (
            <p>{status === "open" ? "没有待答复的反馈。" : "暂无已答复的反馈。"}</p>
          ) : null}
          {rows.map((r) => {
            const overdue = r.status === "open" && r.createdAt < overdueBefore;
            return (
              <article class="panel" aria-labelledby={`report-${r.id}`}>
                <h2 id={`report-${r.id}`}>
                  {r.category}（{names.get(r.siteId) ?? ""}）
                  {overdue ? <span class="overdue"> 已超期</span> : null}
                </h2>
                <p class="meta">
                  编号 {r.id} · 提交于 {chinaTime(r.createdAt)} · 联系方式 {maskContact(r.contact)}
                </p>
                <p>
                  页面：<code class="break">{r.url || "未填写"}</code>
                </p>
                <p>{r.description}</p>
                {r.status === "answered" ? (
                  <p>
                    答复（{chinaTime(r.answeredAt)}）：{r.reply}
                  </p>
                ) : (
                  <form method="post" action={`/admin/error-reports/${r.id}/answer`}>
                    <CsrfField token={c.view.csrf} />
                    <div class="field">
                      <label for={`reply-${r.id}`}>答复内容</label>
                      <textarea
                        id={`reply-${r.id}`}
                        name="reply"
                        rows={3}
                        maxLength={1000}
                        required
                      ></textarea>
                    </div>
                    <button type="submit" class="button">
                      答复
                    </button>
                  </form>
                )}
              </article>
            );
          })}
          <Pagination
            base="/admin/error-reports"
            params={{ status: status === "open" ? "" : status }}
            page={page}
            pageSize={PAGE_SIZE}
            total={total}
          />
        </AdminLayout>,
      );
    },
  );

  app.post(
    "/admin/error-reports/:id/answer",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const id = idParam(request.params.id);
      const report = id
        ? await db.selectFrom("errorReports").selectAll().where("id", "=", id).executeTakeFirst()
        : undefined;
      if (!report) throw notFound("反馈不存在");
      requireRole(c.auth, RIGHTS.errorReports.roles, report.siteId);
      const answer = formText(request.body, "reply", 2000).trim();
      if (!answer) throw new Invalid("请填写答复内容", { reply: "请填写答复内容" });
      if (answer.length > 1000) throw new Invalid("答复内容不能超过1000字", { reply: "答复过长" });
      if (report.status !== "open") throw new Invalid("该反馈已答复");
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("errorReports")
          .set({ status: "answered", reply: answer, answeredBy: c.auth.staff.id, answeredAt: nowIso() })
          .where("id", "=", report.id)
          .execute();
        await deps.audit.record(
          {
            actor: c.auth.staff.username,
            action: "error-report.answer",
            targetType: "error-report",
            targetId: report.id,
            detail: { siteId: report.siteId },
          },
          trx,
        );
      });
      return reply.redirect("/admin/error-reports?done=1", 303);
    },
  );
};
export default errorReportRoutes;
