import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { DomainError } from "../../platform/http/errors.ts";
import { FormBody, formText } from "../../platform/http/form-input.ts";
import { idParam } from "../../platform/http/params.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { renderDocument } from "../../web/render.ts";
import { citizenOnly, currentCitizen } from "../accounts/index.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import type { PoliciesDeps } from "./deps.ts";
import { BadProfile, NotAnEnterprise, UnknownBenefit } from "./errors.ts";
import { EDITABLE_FIELDS, parseFieldText } from "./fields.ts";
import { ZonePage, type ZoneData } from "./views/zone.tsx";

const SiteParams = Type.Object({ site: Type.String({ maxLength: 40 }) });
const IdParams = Type.Object({ site: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 20 }) });

/** Reads the profile fields of a form: typed values, or a message per field (input kept). */
export function readProfileForm(body: Record<string, string | string[] | undefined>) {
  const values: Record<string, string> = {};
  const profile: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of EDITABLE_FIELDS) {
    const text = formText(body, f.name, 100);
    values[f.name] = text;
    const parsed = parseFieldText(f, text);
    if (parsed.problem) errors[f.name] = parsed.problem;
    else profile[f.name] = parsed.value ?? null;
  }
  return { values, profile, errors };
}

/** 企业服务专区 pages: the zone, the anonymous check, the enterprise's profile, objections, fast applications. */
const policiesRoutes: FastifyPluginAsyncTypebox<{ deps: PoliciesDeps }> = async (app, { deps }) => {
  const { policies } = deps;

  async function zone(
    request: FastifyRequest<{ Params: { site: string } }>,
    reply: FastifyReply,
    extra: Partial<ZoneData> & {
      mineExtra?: { notice?: string; errors?: Record<string, string>; values?: Record<string, string> };
    } = {},
  ) {
    const site = await siteOf(deps, request.params.site);
    const ctx = await pageContext(deps, site, request);
    const citizen = await currentCitizen(deps, request);
    const benefits = await policies.benefits();
    const data: ZoneData = {
      benefits,
      funnel: await policies.funnel(),
      check: extra.check,
      // Policies and interpretations of every department: each read where it is published.
      articleHref: await deps.content.readingHrefs(
        benefits.flatMap((b) =>
          [b.policyArticleId, b.interpretationArticleId].filter((id): id is number => id !== null),
        ),
        site,
      ),
    };
    if (citizen?.account.kind === "enterprise") {
      reply.header("cache-control", "private, no-store");
      const id = citizen.account.id;
      if (!(await policies.profile(id))) await policies.refreshFromRegistry(id);
      await policies.markOpened(id);
      const profile = await policies.profile(id);
      data.mine = {
        name: citizen.account.name,
        profile: policies.profileView(profile),
        matches: await policies.matchesFor(id),
        inbox: await policies.inbox(id),
        grants: await policies.grantsOf(id),
        csrf: citizen.session.csrf,
        values:
          extra.mineExtra?.values ??
          Object.fromEntries(
            Object.entries(profile?.fields ?? {}).map(([k, v]) => [
              k,
              String(v.value === true ? "是" : v.value === false ? "否" : v.value),
            ]),
          ),
        notice: extra.mineExtra?.notice,
        errors: extra.mineExtra?.errors,
      };
    }
    return sendHtml(reply, renderDocument(<ZonePage ctx={ctx} data={data} />));
  }

  app.get("/sites/:site/enterprise", { schema: { hide: true, params: SiteParams } }, async (request, reply) =>
    zone(request, reply),
  );

  app.post(
    "/sites/:site/enterprise/check",
    { schema: { hide: true, params: SiteParams, body: FormBody } },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      const { values, profile, errors } = readProfileForm(request.body);
      if (Object.keys(errors).length) {
        reply.status(400);
        return zone(request, reply, { check: { values, errors } });
      }
      try {
        const given = Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== null));
        return zone(request, reply, { check: { values, results: await policies.check(given) } });
      } catch (error) {
        if (!(error instanceof BadProfile)) throw error;
        reply.status(400);
        return zone(request, reply, { check: { values, errors: error.fields } });
      }
    },
  );

  app.post(
    "/sites/:site/enterprise/profile",
    { schema: { hide: true, params: SiteParams, body: FormBody }, preHandler: citizenOnly(deps) },
    async (request, reply) => {
      const account = request.citizen.account;
      if (account.kind !== "enterprise") throw new NotAnEnterprise();
      if (formText(request.body, "action", 20) === "registry") {
        const r = await policies.refreshFromRegistry(account.id);
        await policies.sweep();
        return zone(request, reply, { mineExtra: { notice: r.message } });
      }
      const { values, profile, errors } = readProfileForm(request.body);
      try {
        if (Object.keys(errors).length) throw new BadProfile(errors);
        await policies.confirmProfile(account.id, profile, null);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        reply.status(400);
        return zone(request, reply, { mineExtra: { values, errors: error.fields } });
      }
      await policies.sweep();
      return zone(request, reply, { mineExtra: { notice: "已保存，并已重新匹配。" } });
    },
  );

  app.post(
    "/sites/:site/enterprise/grants/:id/object",
    { schema: { hide: true, params: IdParams, body: FormBody }, preHandler: citizenOnly(deps) },
    async (request, reply) => {
      const id = idParam(request.params.id) ?? 0;
      try {
        await policies.object(request.citizen.account.id, id, formText(request.body, "reason", 600));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        reply.status(400);
        return zone(request, reply, { mineExtra: { notice: error.message } });
      }
      return zone(request, reply, { mineExtra: { notice: "异议已提交，兑现暂停，待部门核实。" } });
    },
  );

  app.get(
    "/sites/:site/enterprise/apply/:id",
    { schema: { hide: true, params: IdParams }, preHandler: citizenOnly(deps) },
    async (request, reply) => {
      const id = idParam(request.params.id);
      const benefit = id === null ? undefined : (await policies.benefits()).find((b) => b.id === id);
      if (!benefit) throw new UnknownBenefit();
      await policies.markApplied(request.citizen.account.id, benefit.id);
      // The hall's apply form fills the enterprise's name, credit code and contact from the account.
      const target = benefit.serviceItemCode
        ? `/sites/${request.params.site}/services/apply/${encodeURIComponent(benefit.serviceItemCode)}`
        : `/sites/${request.params.site}/services/?q=${encodeURIComponent(benefit.title)}`;
      return reply.redirect(target, 303);
    },
  );
};

export default policiesRoutes;
