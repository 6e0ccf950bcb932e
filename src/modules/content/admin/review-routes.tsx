import { guardStaffArea } from "../../staff/index.ts";
import { consoleRequest, type ConsoleRequest } from "../../staff/index.ts";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply } from "fastify";
import type { ContentDeps } from "../deps.ts";
import { sitesWithRole } from "../../staff/index.ts";
import { Invalid } from "../../../platform/http/errors.ts";
import { FormBody, formText } from "../../../platform/http/form-input.ts";
import { handleForm } from "../../../platform/http/handle-form.ts";
import type { Article } from "../service.ts";
import { checkLinks, checkText, type ContentFinding } from "../content-check.ts";
import { actorOf } from "./articles-routes.tsx";
import { ArticleListQuery, articleOf } from "./article-form.ts";
import { sendPage } from "../../../web/console.ts";
import { chinaLocalToIso } from "../../../platform/time/china-time.ts";
import { IdParams, idParam, NoticeQuery, pageParam } from "../../../platform/http/params.ts";
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

const reviewRoutes: FastifyPluginAsyncTypebox<{ deps: ContentDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { content, sites } = deps;

  app.get(
    "/admin/review",
    { schema: { hide: true, querystring: ArticleListQuery } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const q = request.query;
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
    },
  );

  async function render(
    c: ConsoleRequest,
    reply: FastifyReply,
    article: Article,
    values: ReviewValues = EMPTY_REVIEW,
    errors: Record<string, string> = {},
    message?: string,
    done?: string,
  ) {
    const [links, attachments, findings] = await Promise.all([
      content.repo.channelLinks(article.id),
      content.repo.attachmentsOf(article.id),
      findingsOf(article),
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
        findings={findings}
      />,
      Object.keys(errors).length ? 400 : 200,
    );
  }

  const load = (rawId: string) => articleOf(content, rawId);

  /** The content check of an article: its words, and its internal links asked for on this app. */
  async function findingsOf(article: Article): Promise<ContentFinding[]> {
    const links = await checkLinks(article.bodyHtml, async (path) => {
      const res = await app.inject({ method: "GET", url: path });
      return res.statusCode;
    });
    return [...checkText(article.title, article.bodyHtml), ...links];
  }

  app.get(
    "/admin/review/:id",
    {
      schema: {
        hide: true,
        params: IdParams,
        querystring: NoticeQuery,
      },
    },
    async (request, reply) => {
      const c = consoleRequest(request);
      const article = await load(request.params.id);
      assertView(c.auth.staff, article);
      return render(c, reply, article, EMPTY_REVIEW, {}, undefined, DONE[request.query.done ?? ""]);
    },
  );

  /** A review action: rights checked, the service called, its input errors shown in the page. */
  function action(
    name: string,
    run: (article: Article, values: ReviewValues, c: ConsoleRequest) => Promise<string>,
  ) {
    app.post(
      `/admin/review/:id/${name}`,
      { schema: { hide: true, params: IdParams, body: FormBody } },
      async (request, reply) => {
        const c = consoleRequest(request);
        const article = await load(request.params.id);
        assertReview(c.auth.staff, article);
        const form = request.body;
        const values: ReviewValues = {
          scheduledAt: formText(form, "scheduledAt", 25),
          returnReason: formText(form, "returnReason", 500),
          reason: formText(form, "reason", 20),
          note: formText(form, "note", 500),
          redirectTo: formText(form, "redirectTo", 300).trim(),
          validity: formText(form, "validity", 10),
          validityNote: formText(form, "validityNote", 500),
          confirmCheck: formText(form, "confirmCheck", 2),
        };
        return handleForm({
          parse: () => values,
          run: (v) => run(article, v, c),
          onSuccess: (done) => reply.redirect(`/admin/review/${article.id}?done=${done}`, 303),
          rerender: async ({ errors, message }) =>
            render(c, reply, await content.get(article.id), values, errors, message),
        });
      },
    );
  }

  action("publish", async (article, v, c) => {
    let at: string | null = null;
    if (v.scheduledAt) {
      at = chinaLocalToIso(v.scheduledAt);
      if (!at) throw new Invalid("定时发布时间格式有误", { scheduledAt: "请选择有效的日期和时间" });
      if (Date.parse(at) <= Date.now())
        throw new Invalid("定时发布时间须晚于现在", { scheduledAt: "请选择将来的时间，或留空立即发布" });
    }
    // 严重表述错误 is a veto item of the national inspection: the reviewer confirms each finding first.
    const serious = checkText(article.title, article.bodyHtml).filter((f) => f.severity === "serious");
    if (serious.length && v.confirmCheck !== "1")
      throw new Invalid(`内容检查发现 ${serious.length} 处严重表述问题，请核对修改后再发布`, {
        confirmCheck: "请逐条核对内容检查结果，确认无误后勾选此项",
      });
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
};
export default reviewRoutes;
