import { guardStaffArea } from "../../staff/index.ts";
import { consoleRequest, type ConsoleRequest } from "../../staff/index.ts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { ContentDeps } from "../deps.ts";
import { sitesWithRight, type StaffPrincipal } from "../../staff/index.ts";
import { RIGHTS } from "../../staff/index.ts";
import { DomainError, forbidden } from "../../../platform/http/errors.ts";
import { handleForm } from "../../../platform/http/handle-form.ts";
import { formText } from "../../../platform/http/form-input.ts";
import { checkAttachment } from "../../../platform/files/attachments.ts";
import type { Actor, Article } from "../service.ts";
import {
  ArticleListQuery,
  articleOf,
  emptyValues,
  multipartForm,
  toInput,
  valuesOfArticle,
  valuesOfForm,
  type ArticleFormValues,
  type Upload,
} from "./article-form.ts";
import { sendPage } from "../../../web/console.ts";
import { IdParams, idParam, NoticeQuery, pageParam } from "../../../platform/http/params.ts";
import { assertView, canEdit, editableSites } from "./rights.ts";
import { inSites } from "../../staff/index.ts";
import { ArticleFormPage, type ChannelChoice } from "./views/article-form.tsx";
import { ArticleListPage } from "./views/article-list.tsx";
import { VersionsPage } from "./views/versions.tsx";

const PAGE_SIZE = 20;

export function actorOf(staff: StaffPrincipal): Actor {
  return { id: staff.id, name: staff.username };
}

const articleRoutes: FastifyPluginAsyncTypebox<{ deps: ContentDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { content, sites } = deps;

  async function channelChoices(allowed: number[] | null): Promise<ChannelChoice[]> {
    const list = sites.list().filter((s) => inSites(s.id, allowed));
    const out: ChannelChoice[] = [];
    for (const site of list) {
      const channels = await sites.repo.channelsOfSite(site.id);
      const ordered = [...channels].sort((a, b) => a.path.localeCompare(b.path));
      out.push({
        siteId: site.id,
        siteName: site.name,
        channels: ordered.map((c) => ({ id: c.id, name: c.name, depth: c.path.split("/").length - 1 })),
      });
    }
    return out;
  }

  async function policyOptions() {
    return deps.store.db
      .selectFrom("articles")
      .select(["id", "title", "docNumber"])
      .where("kind", "=", "policy")
      .where("status", "=", "published")
      .orderBy("publishedAt", "desc")
      .limit(300)
      .execute();
  }

  async function renderForm(
    c: ConsoleRequest,
    article: Article | null,
    values: ArticleFormValues,
    errors: Record<string, string> = {},
    message?: string,
    saved = false,
  ) {
    const allowed = editableSites(c.auth.staff);
    const attachments = article ? await content.repo.attachmentsOf(article.id) : [];
    return (
      <ArticleFormPage
        ctx={c.view}
        article={article}
        values={values}
        errors={errors}
        message={message}
        ownerSites={sites
          .list()
          .filter((s) => inSites(s.id, allowed) || s.id === article?.ownerSiteId)
          .map((s) => ({ id: s.id, name: s.name }))}
        channelChoices={await channelChoices(allowed)}
        policies={await policyOptions()}
        attachments={attachments}
        saved={saved}
      />
    );
  }

  /**
   * The channels to store: the ones chosen among sites the user may write for, plus existing links to
   * sites outside the user's rights (which the form does not show and the user may not remove).
   */
  async function channelsToStore(staff: StaffPrincipal, chosen: number[], article: Article | null) {
    const allowed = editableSites(staff);
    const rows = await deps.sites.channelsByIds(chosen);
    const mine = rows.filter((r) => inSites(r.siteId, allowed)).map((r) => r.id);
    const kept = article
      ? (await content.repo.channelLinks(article.id))
          .filter((l) => !inSites(l.siteId, allowed))
          .map((l) => l.channelId)
      : [];
    return [...new Set([...mine, ...kept])];
  }

  /** Checks an upload before anything is saved, so a bad file leaves the article untouched. */
  async function precheck(uploads: Upload[]) {
    for (const u of uploads) await checkAttachment(u.fileName, u.bytes);
  }

  app.get(
    "/admin/articles",
    { schema: { hide: true, querystring: ArticleListQuery } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const q = request.query;
      const visible = sitesWithRight(c.auth.staff, RIGHTS.articles);
      const siteFilter = idParam(q.site);
      const siteIds = siteFilter ? (inSites(siteFilter, visible) ? [siteFilter] : []) : visible;
      const status = q.status && /^[a-z]{1,20}$/.test(q.status) ? q.status : "";
      const search = (q.q ?? "").slice(0, 50);
      const page = pageParam(q.page);
      const mine = q.mine === "1";
      const list = await content.repo.staffList(
        { siteIds, status: status || null, q: search || null, createdBy: mine ? c.auth.staff.id : null },
        page,
        PAGE_SIZE,
      );
      const siteList = sites.list().filter((s) => inSites(s.id, visible));
      return sendPage(
        reply,
        <ArticleListPage
          ctx={c.view}
          title="信息管理"
          base="/admin/articles"
          rows={list.rows}
          total={list.total}
          page={page}
          pageSize={PAGE_SIZE}
          filter={{ status, site: siteFilter ? String(siteFilter) : "", q: search, mine: mine ? "1" : "" }}
          sites={siteList.map((s) => ({ id: s.id, name: s.name }))}
          siteNames={new Map(sites.list().map((s) => [s.id, s.name]))}
          linkFor={(id) => `/admin/articles/${id}`}
          showNew={editableSites(c.auth.staff)?.length !== 0}
        />,
      );
    },
  );

  app.get("/admin/articles/new", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const allowed = editableSites(c.auth.staff);
    if (allowed?.length === 0) throw forbidden("您没有任何网站的编辑权限");
    const first = allowed?.[0] ?? sites.list()[0]?.id ?? null;
    return sendPage(reply, await renderForm(c, null, emptyValues(first)));
  });

  /**
   * Saves the article form (multipart, read by the one form reader): uploads checked first, then the
   * article created or updated, its attachments added, and submitted when asked; input errors show
   * the form again with what the user typed.
   */
  async function saveArticle(
    request: FastifyRequest,
    reply: FastifyReply,
    load: (c: ConsoleRequest) => Promise<Article | null>,
  ) {
    const { c, form, uploads } = await multipartForm(request);
    const article = await load(c);
    const values = article
      ? { ...valuesOfForm(form), ownerSiteId: String(article.ownerSiteId) }
      : valuesOfForm(form);
    if (!article) {
      const ownerSiteId = Number(values.ownerSiteId);
      if (!inSites(ownerSiteId, editableSites(c.auth.staff)) || !sites.byId(ownerSiteId))
        throw forbidden("您没有该网站的编辑权限");
    }
    const actor = actorOf(c.auth.staff);
    return handleForm({
      parse: async () => {
        await precheck(uploads);
        return toInput(values, await channelsToStore(c.auth.staff, values.channelIds, article));
      },
      run: async (input) => {
        let id: number;
        if (article) {
          await content.update(article.id, input, actor);
          id = article.id;
        } else id = (await content.create(input, actor)).id;
        for (const u of uploads) await content.addAttachment(id, u.fileName, u.bytes, actor);
        // Saved either way; a submission the content check blocks shows its findings on the review page.
        if (formText(form, "action") === "submit" && !(await submitted(id, actor))) return -id;
        return id;
      },
      onSuccess: (id) =>
        reply.redirect(
          id < 0 ? `/admin/articles/${-id}/review?done=blocked` : `/admin/articles/${id}?saved=1`,
          303,
        ),
      rerender: async ({ errors, message, status }) =>
        sendPage(reply, await renderForm(c, article, values, articleFields(errors), message), status),
    });
  }

  app.post("/admin/articles/new", { schema: { hide: true } }, async (request, reply) =>
    saveArticle(request, reply, async () => null),
  );

  app.get(
    "/admin/articles/:id",
    {
      schema: {
        hide: true,
        params: IdParams,
        querystring: NoticeQuery,
      },
    },
    async (request, reply) => {
      const c = consoleRequest(request);
      const article = await loadArticle(request.params.id);
      assertView(c.auth.staff, article);
      if (!canEdit(c.auth.staff, article)) return reply.redirect(`/admin/articles/${article.id}/review`, 303);
      const links = await content.repo.channelLinks(article.id);
      const values = valuesOfArticle(
        article,
        links.map((l) => l.channelId),
      );
      const saved = request.query.saved === "1";
      return sendPage(reply, await renderForm(c, article, values, {}, undefined, saved));
    },
  );

  app.post("/admin/articles/:id", { schema: { hide: true, params: IdParams } }, async (request, reply) =>
    saveArticle(request, reply, async (c) => {
      const article = await loadArticle(request.params.id);
      if (!canEdit(c.auth.staff, article)) throw forbidden("您没有权限修改这条信息");
      return article;
    }),
  );

  app.get(
    "/admin/articles/:id/versions",
    {
      schema: {
        hide: true,
        params: IdParams,
        querystring: Type.Object({
          from: Type.Optional(Type.String({ maxLength: 20 })),
          to: Type.Optional(Type.String({ maxLength: 20 })),
        }),
      },
    },
    async (request, reply) => {
      const c = consoleRequest(request);
      const article = await loadArticle(request.params.id);
      assertView(c.auth.staff, article);
      const versions = await content.repo.versions(article.id);
      const q = request.query;
      const latest = versions[0]?.version ?? 1;
      const exists = (n: number | null) => n !== null && versions.some((v) => v.version === n);
      const to = exists(idParam(q.to)) ? Number(q.to) : latest;
      const fromWanted = idParam(q.from);
      const from = exists(fromWanted) ? fromWanted! : (versions.find((v) => v.version < to)?.version ?? to);
      const diff = from === to ? null : await content.versionDiff(article.id, from, to);
      return sendPage(
        reply,
        <VersionsPage
          ctx={c.view}
          articleId={article.id}
          title={article.title}
          versions={versions}
          from={from}
          to={to}
          diff={diff}
        />,
      );
    },
  );

  const loadArticle = (rawId: string) => articleOf(content, rawId);

  /** Submits for review; false when the content check blocks it (严重表述错误, shown on the review page). */
  async function submitted(id: number, actor: Actor): Promise<boolean> {
    try {
      await content.submit(id, actor);
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.reason === "content_check") return false;
      throw error;
    }
  }
};
export default articleRoutes;

/** The service's field names as the article form names its inputs. */
function articleFields(errors: Record<string, string>): Record<string, string> {
  const rename: Record<string, string> = { body: "bodyHtml", table: "tableCsv" };
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [rename[k] ?? k, v]));
}
