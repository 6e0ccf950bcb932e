import { guardStaffArea } from "../../staff/index.ts";
import { consoleRequest, type ConsoleRequest } from "../../staff/index.ts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { SitesDeps } from "../deps.ts";
import { hasRole, requireRole } from "../../staff/index.ts";
import { forbidden, notFound, Invalid } from "../../../platform/http/errors.ts";
import type { Site, SiteInput } from "../service.ts";
import { formOf, sendPage, text, type Form } from "../../../web/console.ts";
import { idParam } from "../../../platform/http/params.ts";
import { ChannelsPage, type ChannelFormValues } from "./views/channels.tsx";
import { SITE_FIELDS, SiteFormPage, siteValues, SitesPage, type SiteFormValues } from "./views/sites.tsx";

const EMPTY_CHANNEL: ChannelFormValues = { name: "", slug: "", kind: "list", parentId: "" };

function errorsOf(error: unknown): { errors: Record<string, string>; message: string } {
  if (!(error instanceof Invalid)) throw error;
  return {
    errors: Object.keys(error.fields).length ? error.fields : { form: error.message },
    message: error.message,
  };
}

export default async function siteRoutes(app: FastifyInstance, { deps }: { deps: SitesDeps }) {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { sites } = deps;

  const isSiteAdmin = (c: ConsoleRequest, siteId: number) => hasRole(c.auth.staff, "site_admin", siteId);

  async function loadSite(request: FastifyRequest, c: ConsoleRequest): Promise<Site> {
    const id = idParam((request.params as { id: string }).id);
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

  const valuesOf = (form: Form): SiteFormValues => {
    const v = siteValues(null);
    for (const [k] of SITE_FIELDS) v[k] = text(form, k, 120).trim();
    v.kind = text(form, "kind", 20);
    return v;
  };

  app.post("/admin/sites/new", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    if (!c.auth.staff.isOperator) throw forbidden("只有平台运维人员可以新建网站");
    const values = valuesOf(formOf(request));
    try {
      const site = await sites.createSite({ ...values } as SiteInput, c.auth.staff.username);
      return reply.redirect(`/admin/sites/${site.id}?saved=1`, 303);
    } catch (error) {
      const { errors, message } = errorsOf(error);
      return sendPage(
        reply,
        <SiteFormPage ctx={c.view} site={null} values={values} errors={errors} message={message} operator />,
        400,
      );
    }
  });

  app.get("/admin/sites/:id", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const site = await loadSite(request, c);
    return sendPage(
      reply,
      <SiteFormPage
        ctx={c.view}
        site={site}
        values={siteValues(site)}
        errors={{}}
        operator={c.auth.staff.isOperator}
        saved={(request.query as { saved?: string }).saved === "1"}
      />,
    );
  });

  app.post("/admin/sites/:id", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const site = await loadSite(request, c);
    const operator = c.auth.staff.isOperator;
    const values = { ...valuesOf(formOf(request)), kind: site.kind, siteCode: site.siteCode };
    if (!operator) Object.assign(values, { code: site.code, host: site.host });
    const input: Partial<SiteInput> = {};
    for (const [k] of SITE_FIELDS) if (k !== "siteCode") input[k] = values[k];
    try {
      await sites.updateSite(site.id, input, c.auth.staff.username);
      return reply.redirect(`/admin/sites/${site.id}?saved=1`, 303);
    } catch (error) {
      const { errors, message } = errorsOf(error);
      return sendPage(
        reply,
        <SiteFormPage
          ctx={c.view}
          site={site}
          values={values}
          errors={errors}
          message={message}
          operator={operator}
        />,
        400,
      );
    }
  });

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
  };

  app.get("/admin/sites/:id/channels", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const site = await loadSite(request, c);
    const done = DONE[(request.query as { done?: string }).done ?? ""];
    return sendPage(reply, await channelsPage(c, site, EMPTY_CHANNEL, {}, undefined, done));
  });

  app.post("/admin/sites/:id/channels", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const site = await loadSite(request, c);
    const form = formOf(request);
    const values: ChannelFormValues = {
      name: text(form, "name", 60),
      slug: text(form, "slug", 40).trim(),
      kind: text(form, "kind", 20),
      parentId: text(form, "parentId", 12),
    };
    try {
      await sites.createChannel(
        site.id,
        { name: values.name, slug: values.slug, kind: values.kind, parentId: idParam(values.parentId) },
        c.auth.staff.username,
      );
      return reply.redirect(`/admin/sites/${site.id}/channels?done=created`, 303);
    } catch (error) {
      const { errors, message } = errorsOf(error);
      return sendPage(reply, await channelsPage(c, site, values, errors, message), 400);
    }
  });

  app.post("/admin/sites/:id/channels/merge", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const site = await loadSite(request, c);
    const form = formOf(request);
    const source = await sites.repo.channelById(idParam(text(form, "sourceId", 12)) ?? 0);
    const target = await sites.repo.channelById(idParam(text(form, "targetId", 12)) ?? 0);
    try {
      if (
        !source ||
        !target ||
        source.siteId !== site.id ||
        target.siteId !== site.id ||
        source.id === target.id
      )
        throw new Invalid("请选择本网站的两个不同栏目", { sourceId: "请选择两个不同的栏目" });
      await sites.mergeChannel(source.id, target.id, c.auth.staff.username);
      return reply.redirect(`/admin/sites/${site.id}/channels?done=merged`, 303);
    } catch (error) {
      const { errors, message } = errorsOf(error);
      return sendPage(reply, await channelsPage(c, site, EMPTY_CHANNEL, errors, message), 400);
    }
  });

  app.post("/admin/channels/:id/rename", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const id = idParam((request.params as { id: string }).id);
    const channel = id ? await sites.repo.channelById(id) : undefined;
    if (!channel) throw notFound("栏目不存在");
    requireRole(c.auth, "site_admin", channel.siteId);
    const site = (await sites.repo.siteById(channel.siteId))!;
    const form = formOf(request);
    try {
      await sites.renameChannel(
        channel.id,
        { name: text(form, "name", 60), slug: text(form, "slug", 40).trim() || channel.slug },
        c.auth.staff.username,
      );
      return reply.redirect(`/admin/sites/${site.id}/channels?done=renamed`, 303);
    } catch (error) {
      const { errors, message } = errorsOf(error);
      return sendPage(reply, await channelsPage(c, site, EMPTY_CHANNEL, errors, message), 400);
    }
  });
}
