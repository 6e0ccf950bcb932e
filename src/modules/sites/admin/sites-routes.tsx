import { guardStaffArea } from "../../staff/index.ts";
import { consoleRequest, type ConsoleRequest } from "../../staff/index.ts";
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { SitesDeps } from "../deps.ts";
import { hasRole, requireRole } from "../../staff/index.ts";
import { forbidden, notFound, Invalid } from "../../../platform/http/errors.ts";
import { FormBody, formText, type FormValues } from "../../../platform/http/form-input.ts";
import { handleForm } from "../../../platform/http/handle-form.ts";
import type { Site, SiteInput } from "../service.ts";
import { sendPage } from "../../../web/console.ts";
import { IdParams, idParam, NoticeQuery } from "../../../platform/http/params.ts";
import { ChannelsPage, type ChannelFormValues } from "./views/channels.tsx";
import { SITE_FIELDS, SiteFormPage, siteValues, SitesPage, type SiteFormValues } from "./views/sites.tsx";

const EMPTY_CHANNEL: ChannelFormValues = { name: "", slug: "", kind: "list", parentId: "" };

const siteRoutes: FastifyPluginAsyncTypebox<{ deps: SitesDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { sites } = deps;

  const isSiteAdmin = (c: ConsoleRequest, siteId: number) => hasRole(c.auth.staff, "site_admin", siteId);

  async function loadSite(rawId: string, c: ConsoleRequest): Promise<Site> {
    const id = idParam(rawId);
    const site = id ? await sites.repo.siteById(id) : undefined;
    if (!site) throw notFound("网站不存在");
    if (!isSiteAdmin(c, site.id)) throw forbidden("您不是该网站的管理员");
    return site;
  }

  app.get("/admin/sites", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    await sites.ensureFresh();
    const staff = c.auth.staff;
    const visible = sites
      .list()
      .filter((s) => staff.isOperator || staff.roles.some((r) => r.siteId === s.id));
    return sendPage(
      reply,
      <SitesPage
        ctx={c.view}
        sites={visible}
        canCreate={staff.isOperator}
        canEdit={(id) => isSiteAdmin(c, id)}
      />,
    );
  });

  app.get("/admin/sites/new", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    if (!c.auth.staff.isOperator) throw forbidden("只有平台运维人员可以新建网站");
    return sendPage(
      reply,
      <SiteFormPage ctx={c.view} site={null} values={siteValues(null)} errors={{}} operator />,
    );
  });

  const valuesOf = (form: FormValues): SiteFormValues => {
    const v = siteValues(null);
    for (const [k] of SITE_FIELDS) v[k] = formText(form, k, 120).trim();
    v.kind = formText(form, "kind", 20);
    return v;
  };

  app.post("/admin/sites/new", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const c = consoleRequest(request);
    if (!c.auth.staff.isOperator) throw forbidden("只有平台运维人员可以新建网站");
    const values = valuesOf(request.body);
    return handleForm({
      parse: () => ({ ...values }) as SiteInput,
      run: (input) => sites.createSite(input, c.auth.staff.username),
      onSuccess: (site) => reply.redirect(`/admin/sites/${site.id}?saved=1`, 303),
      rerender: ({ errors, message, status }) =>
        sendPage(
          reply,
          <SiteFormPage
            ctx={c.view}
            site={null}
            values={values}
            errors={errors}
            message={message}
            operator
          />,
          status,
        ),
    });
  });

  app.get(
    "/admin/sites/:id",
    { schema: { hide: true, params: IdParams, querystring: NoticeQuery } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const site = await loadSite(request.params.id, c);
      return sendPage(
        reply,
        <SiteFormPage
          ctx={c.view}
          site={site}
          values={siteValues(site)}
          errors={{}}
          operator={c.auth.staff.isOperator}
          saved={request.query.saved === "1"}
        />,
      );
    },
  );

  app.post(
    "/admin/sites/:id",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const site = await loadSite(request.params.id, c);
      const operator = c.auth.staff.isOperator;
      const values = { ...valuesOf(request.body), kind: site.kind, siteCode: site.siteCode };
      if (!operator) Object.assign(values, { code: site.code, host: site.host });
      return handleForm({
        parse: () => {
          const input: Partial<SiteInput> = {};
          for (const [k] of SITE_FIELDS) if (k !== "siteCode") input[k] = values[k];
          return input;
        },
        run: (input) => sites.updateSite(site.id, input, c.auth.staff.username),
        onSuccess: () => reply.redirect(`/admin/sites/${site.id}?saved=1`, 303),
        rerender: ({ errors, message, status }) =>
          sendPage(
            reply,
            <SiteFormPage
              ctx={c.view}
              site={site}
              values={values}
              errors={errors}
              message={message}
              operator={operator}
            />,
            status,
          ),
      });
    },
  );

  const channelsPage = async (
    c: ConsoleRequest,
    site: Site,
    values = EMPTY_CHANNEL,
    errors: Record<string, string> = {},
    message?: string,
    done?: string,
  ) => (
    <ChannelsPage
      ctx={c.view}
      site={site}
      channels={await sites.repo.channelsOfSite(site.id)}
      values={values}
      errors={errors}
      message={message}
      done={done}
    />
  );

  const DONE: Record<string, string> = {
    created: "栏目已创建。",
    renamed: "栏目已保存。",
    merged: "栏目已合并。",
    stages: "审核级数已保存。",
  };

  /** A channel form's submission: done, back to the channel list; input errors, the list again with them. */
  const channelForm = <I,>(
    reply: FastifyReply,
    c: ConsoleRequest,
    site: Site,
    values: ChannelFormValues,
    parse: () => I | Promise<I>,
    run: (input: I) => Promise<unknown>,
    done: string,
  ) =>
    handleForm({
      parse,
      run,
      onSuccess: () => reply.redirect(`/admin/sites/${site.id}/channels?done=${done}`, 303),
      rerender: async ({ errors, message, status }) =>
        sendPage(reply, await channelsPage(c, site, values, errors, message), status),
    });

  app.get(
    "/admin/sites/:id/channels",
    { schema: { hide: true, params: IdParams, querystring: NoticeQuery } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const site = await loadSite(request.params.id, c);
      const done = DONE[request.query.done ?? ""];
      return sendPage(reply, await channelsPage(c, site, EMPTY_CHANNEL, {}, undefined, done));
    },
  );

  app.post(
    "/admin/sites/:id/channels",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const site = await loadSite(request.params.id, c);
      const form = request.body;
      const values: ChannelFormValues = {
        name: formText(form, "name", 60),
        slug: formText(form, "slug", 40).trim(),
        kind: formText(form, "kind", 20),
        parentId: formText(form, "parentId", 12),
      };
      return channelForm(
        reply,
        c,
        site,
        values,
        () => ({
          name: values.name,
          slug: values.slug,
          kind: values.kind,
          parentId: idParam(values.parentId),
        }),
        (input) => sites.createChannel(site.id, input, c.auth.staff.username),
        "created",
      );
    },
  );

  app.post(
    "/admin/sites/:id/channels/merge",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const site = await loadSite(request.params.id, c);
      const form = request.body;
      const source = await sites.repo.channelById(idParam(formText(form, "sourceId", 12)) ?? 0);
      const target = await sites.repo.channelById(idParam(formText(form, "targetId", 12)) ?? 0);
      return channelForm(
        reply,
        c,
        site,
        EMPTY_CHANNEL,
        () => {
          if (
            !source ||
            !target ||
            source.siteId !== site.id ||
            target.siteId !== site.id ||
            source.id === target.id
          )
            throw new Invalid("请选择本网站的两个不同栏目", { sourceId: "请选择两个不同的栏目" });
          return { source, target };
        },
        (pair) => sites.mergeChannel(pair.source.id, pair.target.id, c.auth.staff.username),
        "merged",
      );
    },
  );

  app.post(
    "/admin/sites/:id/review-stages",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const site = await loadSite(request.params.id, c);
      const stages = Number(formText(request.body, "reviewStages", 2));
      return channelForm(
        reply,
        c,
        site,
        EMPTY_CHANNEL,
        () => stages,
        (n) => sites.setReviewStages(site.id, n, c.auth.staff.username),
        "stages",
      );
    },
  );

  app.post(
    "/admin/channels/:id/review-stages",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const id = idParam(request.params.id);
      const channel = id ? await sites.repo.channelById(id) : undefined;
      if (!channel) throw notFound("栏目不存在");
      requireRole(c.auth, "site_admin", channel.siteId);
      const site = (await sites.repo.siteById(channel.siteId))!;
      const raw = formText(request.body, "reviewStages", 2);
      return channelForm(
        reply,
        c,
        site,
        EMPTY_CHANNEL,
        () => (raw === "" ? null : Number(raw)),
        (n) => sites.setChannelReviewStages(channel.id, n, c.auth.staff.username),
        "stages",
      );
    },
  );

  app.post(
    "/admin/channels/:id/rename",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      const id = idParam(request.params.id);
      const channel = id ? await sites.repo.channelById(id) : undefined;
      if (!channel) throw notFound("栏目不存在");
      requireRole(c.auth, "site_admin", channel.siteId);
      const site = (await sites.repo.siteById(channel.siteId))!;
      const form = request.body;
      return channelForm(
        reply,
        c,
        site,
        EMPTY_CHANNEL,
        () => ({ name: formText(form, "name", 60), slug: formText(form, "slug", 40).trim() || channel.slug }),
        (input) => sites.renameChannel(channel.id, input, c.auth.staff.username),
        "renamed",
      );
    },
  );
};
export default siteRoutes;
