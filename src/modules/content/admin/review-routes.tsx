import { guardStaffArea } from "../../staff/index.ts";
import { consoleRequest, type ConsoleRequest } from "../../staff/index.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ContentDeps } from "../deps.ts";
import { sitesWithRole } from "../../staff/index.ts";
import { Invalid, NotFound } from "../../../platform/http/errors.ts";
import type { Article } from "../service.ts";
import { actorOf } from "./articles-routes.tsx";
import { formOf, sendPage, text } from "../../../web/console.ts";
import { chinaLocalToIso } from "../../../platform/time/china-time.ts";
import { idParam, pageParam } from "../../../platform/http/params.ts";
import { assertReview, assertView, canEdit, canReview, REVIEW_ROLES } from "./rights.ts";
import { inSites } from "../../staff/index.ts";
import { ArticleListPage } from "./views/article-list.tsx";
import { EMPTY_REVIEW, ReviewPage, type ReviewValues } from "./views/review.tsx";

const PAGE_SIZE = 20;

const DONE: Record<string, string> = {
  published: "已发布。",
  scheduled: "已设置定时发布。",
  returned: "已退回为草稿。",
  unpublished: "已撤稿。",
  validity: "有效性已更新。",
};

export default async function reviewRoutes(app: FastifyInstance, { deps }: { deps: ContentDeps }) {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { content, sites } = deps;

  app.get("/admin/review", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const q = request.query as Record<string, string | undefined>;
    const reviewable = sitesWithRole(c.auth.staff, REVIEW_ROLES);
    const siteFilter = idParam(q.site);
    const siteIds = siteFilter ? (inSites(siteFilter, reviewable) ? [siteFilter] : []) : reviewable;
    const status = q.status === undefined ? "submitted" : /^[a-z]{0,20}$/.test(q.status) ? q.status : "";
    const search = (q.q ?? "").slice(0, 50);
    const page = pageParam(q.page);
    const list = await content.repo.staffList(
      { siteIds, status: status || null, q: search || null },
      page,
      PAGE_SIZE,
    );
    return sendPage(
      reply,
      <ArticleListPage
        ctx={c.view}
        title="审核队列"
        base="/admin/review"
        rows={list.rows}
        total={list.total}
        page={page}
        pageSize={PAGE_SIZE}
        filter={{ status, site: siteFilter ? String(siteFilter) : "", q: search }}
        sites={sites
          .list()
          .filter((s) => inSites(s.id, reviewable))
          .map((s) => ({ id: s.id, name: s.name }))}
        siteNames={new Map(sites.list().map((s) => [s.id, s.name]))}
        linkFor={(id) => `/admin/review/${id}`}
        showNew={false}
      />,
    );
  });

  async function render(
    c: ConsoleRequest,
    reply: FastifyReply,
    article: Article,
    values: ReviewValues = EMPTY_REVIEW,
    errors: Record<string, string> = {},
    message?: string,
    done?: string,
  ) {
    const [links, attachments] = await Promise.all([
      content.repo.channelLinks(article.id),
      content.repo.attachmentsOf(article.id),
    ]);
    return sendPage(
      reply,
      <ReviewPage
        ctx={c.view}
        article={article}
        links={links}
        attachments={attachments}
        canReview={canReview(c.auth.staff, article)}
        canEdit={canEdit(c.auth.staff, article)}
        values={values}
        errors={errors}
        message={message}
        done={done}
      />,
      Object.keys(errors).length ? 400 : 200,
    );
  }

  async function load(request: FastifyRequest): Promise<Article> {
    const id = idParam((request.params as { id: string }).id);
    if (!id) throw new NotFound("信息不存在");
    return content.get(id);
  }

  app.get("/admin/review/:id", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const article = await load(request);
    assertView(c.auth.staff, article);
    return render(
      c,
      reply,
      article,
      EMPTY_REVIEW,
      {},
      undefined,
      DONE[(request.query as { done?: string }).done ?? ""],
    );
  });

  /** A review action: rights checked, the service called, its input errors shown in the page. */
  function action(
    name: string,
    run: (article: Article, values: ReviewValues, c: ConsoleRequest) => Promise<string>,
  ) {
    app.post(`/admin/review/:id/${name}`, { schema: { hide: true } }, async (request, reply) => {
      const c = consoleRequest(request);
      const article = await load(request);
      assertReview(c.auth.staff, article);
      const form = formOf(request);
      const values: ReviewValues = {
        scheduledAt: text(form, "scheduledAt", 25),
        returnReason: text(form, "returnReason", 500),
        reason: text(form, "reason", 20),
        note: text(form, "note", 500),
        redirectTo: text(form, "redirectTo", 300).trim(),
        validity: text(form, "validity", 10),
        validityNote: text(form, "validityNote", 500),
      };
      try {
        const done = await run(article, values, c);
        return reply.redirect(`/admin/review/${article.id}?done=${done}`, 303);
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        const errors = Object.keys(error.fields).length ? error.fields : { form: error.message };
        return render(c, reply, await content.get(article.id), values, errors, error.message);
      }
    });
  }

  action("publish", async (article, v, c) => {
    let at: string | null = null;
    if (v.scheduledAt) {
      at = chinaLocalToIso(v.scheduledAt);
      if (!at) throw new Invalid("定时发布时间格式有误", { scheduledAt: "请选择有效的日期和时间" });
      if (Date.parse(at) <= Date.now())
        throw new Invalid("定时发布时间须晚于现在", { scheduledAt: "请选择将来的时间，或留空立即发布" });
    }
    await content.publish(article.id, actorOf(c.auth.staff), at);
    return at ? "scheduled" : "published";
  });

  action("return", async (article, v, c) => {
    if (!v.returnReason.trim()) throw new Invalid("请填写退回理由", { returnReason: "请填写退回理由" });
    await content.returnToDraft(article.id, v.returnReason.trim(), actorOf(c.auth.staff));
    return "returned";
  });

  action("unpublish", async (article, v, c) => {
    await content.unpublish(article.id, v.reason, v.note, v.redirectTo || null, actorOf(c.auth.staff));
    return "unpublished";
  });

  action("validity", async (article, v, c) => {
    await content.setValidity(article.id, v.validity, v.validityNote, actorOf(c.auth.staff));
    return "validity";
  });
}
