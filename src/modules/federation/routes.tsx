import { randomBytes } from "node:crypto";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { VNode } from "preact";
import { Type } from "typebox";
import { maskIdNumber } from "../../platform/mask/mask.ts";
import { DomainError } from "../../platform/http/errors.ts";
import { readRawForm } from "../../platform/http/form-input.ts";
import { pageParam } from "../../platform/http/params.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import type { PageContext } from "../../web/layout.tsx";
import { renderDocument } from "../../web/render.ts";
import { citizenOnly, currentCitizen, type Account } from "../accounts/index.ts";
import { readValues, type FormValues } from "../onestop/index.ts";
import { pageContext, siteOf, type Site } from "../sites/index.ts";
import type { FederationDeps } from "./deps.ts";
import type { FederatedItem } from "./service.ts";
import {
  FederatedApplicationPage,
  FederatedApplyPage,
  FederatedItemsPage,
  FederatedListPage,
} from "./views/pages.tsx";

const Code = Type.String({ maxLength: 100 });
const SiteParams = Type.Object({ site: Code });
const ItemParams = Type.Object({ site: Code, peer: Code, item: Code });
const NoParams = Type.Object({ site: Code, no: Code });

/** What the form shows, read-only, from the real-name account (the filing takes it from the account). */
function locked(item: FederatedItem, account: Account): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of item.form.fields) {
    if (f.name === "name" || f.name === "applicantName") out[f.name] = account.name;
    if (f.name === "idNumber" && account.idNumber) out[f.name] = maskIdNumber(account.idNumber);
  }
  return out;
}

/** 跨省通办 on the service hall: peers' items, the owner's form, the citizen's forwarded applications. */
const federationRoutes: FastifyPluginAsyncTypebox<{ deps: FederationDeps }> = async (app, { deps }) => {
  const { federation } = deps;
  const guard = citizenOnly(deps);
  const send = async (
    request: FastifyRequest,
    reply: FastifyReply,
    site: Site,
    page: (ctx: PageContext) => VNode,
  ) => sendHtml(reply, renderDocument(page(await pageContext(deps, site, request, "bsfw"))));
  const peerNames = async () => Object.fromEntries((await federation.peers()).map((p) => [p.code, p.name]));

  app.get(
    "/sites/:site/services/federated/",
    { schema: { hide: true, params: SiteParams } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const items = await federation.federatedItems();
      const names = await peerNames();
      return send(request, reply, site, (ctx) => (
        <FederatedItemsPage ctx={ctx} items={items} peerNames={names} />
      ));
    },
  );

  app.get(
    "/sites/:site/services/federated/applications/",
    {
      preHandler: guard,
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({ page: Type.Optional(Type.String({ maxLength: 10 })) }),
      },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const page = pageParam(request.query.page);
      const own = await federation.ownPage(request.citizen.account.id, page);
      return send(request, reply, site, (ctx) => <FederatedListPage ctx={ctx} {...own} />);
    },
  );

  app.get(
    "/sites/:site/services/federated/applications/:no",
    { preHandler: guard, schema: { hide: true, params: NoParams } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const application = await federation.own(request.citizen.account.id, request.params.no);
      const events = await federation.events(application.id);
      const peerName = await federation.peerName(application.peerCode);
      return send(request, reply, site, (ctx) => (
        <FederatedApplicationPage ctx={ctx} application={application} peerName={peerName} events={events} />
      ));
    },
  );

  app.get(
    "/sites/:site/services/federated/:peer/:item",
    { schema: { hide: true, params: ItemParams } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const item = await federation.federatedItem(request.params.peer, request.params.item);
      const citizen = await currentCitizen(deps, request);
      if (!citizen) {
        const next = encodeURIComponent(request.url);
        return reply.redirect(`${deps.sites.base(site)}/account/login?next=${next}`, 303);
      }
      const peerName = await federation.peerName(item.peerCode);
      const values: FormValues = { phone: citizen.account.phone, ...locked(item, citizen.account) };
      return send(request, reply, site, (ctx) => (
        <FederatedApplyPage
          ctx={ctx}
          item={item}
          peerName={peerName}
          values={values}
          errors={{}}
          csrf={citizen.session.csrf}
          formKey={randomBytes(24).toString("base64url")}
          locked={locked(item, citizen.account)}
        />
      ));
    },
  );

  app.post(
    "/sites/:site/services/federated/:peer/:item",
    {
      preHandler: guard,
      schema: { hide: true, params: ItemParams },
      config: { rateLimit: { max: 30, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const item = await federation.federatedItem(request.params.peer, request.params.item);
      const citizen = request.citizen;
      const { values: raw, files } = await readRawForm(request);
      const key = typeof raw._key === "string" ? raw._key : "";
      try {
        const { application } = await federation.file({
          account: citizen.account,
          peerCode: item.peerCode,
          itemCode: item.itemCode,
          raw,
          files,
          formKey: key,
        });
        // Give the first delivery a moment, so the citizen usually sees it forwarded already.
        await Promise.race([federation.idle(), new Promise((r) => setTimeout(r, 1500))]);
        return reply.redirect(
          `${deps.sites.base(site)}/services/federated/applications/${application.number}`,
          303,
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        reply.status(400);
        const peerName = await federation.peerName(item.peerCode);
        return send(request, reply, site, (ctx) => (
          <FederatedApplyPage
            ctx={ctx}
            item={item}
            peerName={peerName}
            values={readValues(item.form, raw)}
            errors={error.fields}
            message={error.message}
            csrf={citizen.session.csrf}
            formKey={/^[A-Za-z0-9_-]{16,64}$/.test(key) ? key : randomBytes(24).toString("base64url")}
            locked={locked(item, citizen.account)}
          />
        ));
      }
    },
  );
};

export default federationRoutes;
