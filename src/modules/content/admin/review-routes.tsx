import { guardStaffArea } from "../../staff/index.ts";
import { consoleRequest, type ConsoleRequest } from "../../staff/index.ts";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply } from "fastify";
import type { ContentDeps } from "../deps.ts";
import { sitesWithRight } from "../../staff/index.ts";
import { RIGHTS } from "../../staff/index.ts";
import { forbidden, Invalid } from "../../../platform/http/errors.ts";
import { FormBody, formText } from "../../../platform/http/form-input.ts";
import { handleForm } from "../../../platform/http/handle-form.ts";
import type { Article } from "../service.ts";
import { checkLinks, type ContentFinding } from "../content-check.ts";
import { LinkChecker } from "../../../platform/http/link-status.ts";
import { actorOf } from "./articles-routes.tsx";
import { ArticleListQuery, articleOf } from "./article-form.ts";
import { sendPage } from "../../../web/console.ts";
import { chinaLocalToIso } from "../../../platform/time/china-time.ts";
import { IdParams, idParam, NoticeQuery, pageParam } from "../../../platform/http/params.ts";
import { assertReview, assertView, canEdit, canReview } from "./rights.ts";
import { inSites } from "../../staff/index.ts";
import { ArticleListPage } from "./views/article-list.tsx";
import { EMPTY_REVIEW, ReviewPage, type ReviewValues } from "./views/review.tsx";

const PAGE_SIZE = 20;

const DONE: Record<string, string> = {
  submitted: "已提交审核。",
  passed: "已审核通过，转下一审核环节。",
  blocked: "已保存，但内容检查发现严重表述错误，未能提交审核：请修改后再提交，或由审核员填写理由放行。",
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
      const me = c.auth.staff;
      const reviewable = sitesWithRight(me, RIGHTS.review);
      const siteFilter = idParam(q.site);
      const siteIds = siteFilter ? (inSites(siteFilter, reviewable) ? [siteFilter] : []) : reviewable;
      const status = q.status === undefined ? "submitted" : /^[a-z]{0,20}$/.test(q.status) ? q.status : "";
      const stage = idParam(q.stage ?? "");
      const search = (q.q ?? "").slice(0, 50);
      const page = pageParam(q.page);
      // The queue shows what waits for this reviewer: not what they already passed in this round.
      const waiting = status === "submitted";
      const filter = {
        siteIds,
        status: status || null,
        q: search || null,
        notPassedBy: waiting ? me.id : null,
      };
      const [list, ...counts] = await Promise.all([
        content.repo.staffList({ ...filter, stage: waiting ? stage : null }, page, PAGE_SIZE),
        ...[1, 2, 3].map(async (n) => (await content.repo.staffList({ ...filter, stage: n }, 1, 1)).total),
      ]);
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
          filter={{
            status,
            site: siteFilter ? String(siteFilter) : "",
            q: search,
            stage: stage ? String(stage) : "",
          }}
          sites={sites
            .list()
            .filter((s) => inSites(s.id, reviewable))
            .map((s) => ({ id: s.id, name: s.name }))}
          siteNames={new Map(sites.list().map((s) => [s.id, s.name]))}
          linkFor={(id) => `/admin/review/${id}`}
          showNew={false}
          stageCounts={waiting ? counts : undefined}
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
    const [links, attachments, findings, trail] = await Promise.all([
      content.repo.channelLinks(article.id),
      content.repo.attachmentsOf(article.id),
      findingsOf(article),
      content.reviewTrail(article.id),
    ]);
    const round = trail.filter((r) => r.round === article.reviewRound);
    const staffNames = await deps.staff.displayNames([...new Set(trail.map((r) => r.actorName))]);
    const me = c.auth.staff.id;
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
        trail={trail}
        staffNames={staffNames}
        passedByMe={round.find((r) => r.action === "pass" && r.actorId === me)?.stage ?? null}
        overridden={round.some((r) => r.action === "override")}
        republishStages={
          ["withdrawn", "unpublished"].includes(article.status)
            ? await sites.reviewStagesFor(
                article.ownerSiteId,
                links.map((l) => l.channelId),
              )
            : 1
        }
      />,
      Object.keys(errors).length ? 400 : 200,
    );
  }

  const load = (rawId: string) => articleOf(content, rawId);
  const outsideLinks = new LinkChecker();

  /** The content check of an article: its words, its internal links asked for on this app, and its outside links. */
  async function findingsOf(article: Article): Promise<ContentFinding[]> {
    const links = await checkLinks(
      article.bodyHtml,
      async (path) => (await app.inject({ method: "GET", url: path })).statusCode,
      (url) => outsideLinks.status(url),
    );
    return [...(await content.checkWords(article)), ...links];
  }

  // The same page for editors (under 信息, whose nav they may use): preview, content check, review trail.
  app.get(
    "/admin/articles/:id/review",
    { schema: { hide: true, params: IdParams, querystring: NoticeQuery } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const article = await load(request.params.id);
      assertView(c.auth.staff, article);
      return render(c, reply, article, EMPTY_REVIEW, {}, undefined, DONE[request.query.done ?? ""]);
    },
  );

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
          override: formText(form, "override", 500),
        };
        // A page opened before someone edited the article would review text its reader never saw.
        const seen = formText(form, "version", 12);
        return handleForm({
          parse: () => {
            if (seen && Number(seen) !== article.version)
              throw new Invalid(
                `本信息在您打开页面后已被修改（现为第${article.version}版），请查看最新内容后再操作`,
              );
            return values;
          },
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
    const actor = actorOf(c.auth.staff);
    if (article.status === "submitted") {
      // One stage of 三审; the last one publishes. 严重表述错误 needs the reviewer's reason (audited).
      const final = article.reviewStage >= article.reviewStages;
      await content.pass(article.id, actor, {
        at: final ? at : null,
        override: v.override,
        version: article.version,
      });
      return final ? (at ? "scheduled" : "published") : "passed";
    }
    if (["withdrawn", "unpublished"].includes(article.status)) {
      const links = await content.repo.channelLinks(article.id);
      const stages = await sites.reviewStagesFor(
        article.ownerSiteId,
        links.map((l) => l.channelId),
      );
      if (stages > 1) throw new Invalid(`本信息须经${stages}级审核，请重新提交审核后再发布`);
    }
    // As the reviewer saw it: an edit meanwhile (back to review) or another publisher refuses it.
    await content.publish(article.id, actor, at, { status: article.status });
    return at ? "scheduled" : "published";
  });

  // Submission from the review page: the content check gates it; a reviewer may override with a reason.
  app.post(
    "/admin/articles/:id/submit",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const article = await load(request.params.id);
      assertView(c.auth.staff, article);
      if (!canEdit(c.auth.staff, article)) throw forbidden("您没有权限提交这条信息");
      const values: ReviewValues = { ...EMPTY_REVIEW, override: formText(request.body, "override", 500) };
      return handleForm({
        parse: () => {
          if (values.override.trim() && !canReview(c.auth.staff, article))
            throw forbidden("只有审核员可以放行内容检查发现的严重问题");
          return values;
        },
        run: (v) => content.submit(article.id, actorOf(c.auth.staff), { override: v.override }),
        onSuccess: () => reply.redirect(`/admin/articles/${article.id}/review?done=submitted`, 303),
        rerender: async ({ errors, message }) =>
          render(c, reply, await content.get(article.id), values, errors, message),
      });
    },
  );

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
