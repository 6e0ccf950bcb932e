import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { DomainError, Forbidden } from "../../platform/http/errors.ts";
import { FormBody, formText } from "../../platform/http/form-input.ts";
import { idParam, IdParams, pageParam } from "../../platform/http/params.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { renderDocument } from "../../web/render.ts";
import { adminView, guardStaffArea } from "../staff/index.ts";
import type { FederationDeps } from "./deps.ts";
import { FederationConsolePage } from "./views/admin.tsx";
import { notFound } from "../../platform/http/errors.ts";

/** The 跨省通办 console (platform operators): peers, offered items, the outbox (retry / cancel). */
const federationAdminRoutes: FastifyPluginAsyncTypebox<{ deps: FederationDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { federation } = deps;

  const operator = (request: FastifyRequest): string => {
    const { staff } = request.staff;
    if (!staff.isOperator) throw new Forbidden("跨省通办控制台仅供平台运维使用");
    return staff.username;
  };

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { message?: string; notice?: string; form?: Record<string, string> } = {},
  ) {
    const query = request.query as { page?: string; stuck?: string };
    const p = pageParam(query.page);
    const stuck = query.stuck === "1";
    const key = await federation.key();
    const outbox = await federation.outboxPage({ stuckOnly: stuck }, p);
    const data = {
      identity: {
        id: federation.settings.id,
        name: federation.settings.name,
        baseUrl: federation.settings.baseUrl,
        keyId: key.keyId,
      },
      peers: await federation.peers(),
      offers: await federation.offerCodes(),
      counts: await federation.outboxCounts(),
      outbox,
      page: outbox.page,
      stuck,
    };
    if (extra.message) reply.status(400);
    return sendHtml(
      reply,
      renderDocument(<FederationConsolePage ctx={adminView(request)} data={data} {...extra} />),
    );
  }

  const Query = Type.Object({
    page: Type.Optional(Type.String({ maxLength: 10 })),
    stuck: Type.Optional(Type.String({ maxLength: 2 })),
    done: Type.Optional(Type.String({ maxLength: 20 })),
  });
  const NOTICES: Record<string, string> = {
    peer: "已导入并信任对方平台。",
    revoked: "已撤销对该平台的信任。",
    offer: "已开放该事项。",
    withdrawn: "已停止开放该事项。",
    retry: "已安排立即重试。",
    cancel: "已取消该消息。",
  };

  app.get("/admin/federation", { schema: { hide: true, querystring: Query } }, async (request, reply) => {
    operator(request);
    return page(request, reply, { notice: NOTICES[request.query.done ?? ""] });
  });

  /** Runs a console action: success goes back to the page with a notice; a refusal shows its message. */
  const act = async (
    request: FastifyRequest,
    reply: FastifyReply,
    done: string,
    run: (actor: string) => Promise<unknown>,
    form: Record<string, string> = {},
  ) => {
    const actor = operator(request);
    try {
      await run(actor);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === "forbidden") throw error;
      const detail = Object.values(error.fields).join("；");
      return page(request, reply, {
        message: detail ? `${error.message}（${detail}）` : error.message,
        form,
      });
    }
    return reply.redirect(`/admin/federation?done=${done}`, 303);
  };

  app.post("/admin/federation/peers", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const baseUrl = formText(request.body, "baseUrl", 200);
    const keyId = formText(request.body, "keyId", 100);
    return act(request, reply, "peer", (actor) => federation.importPeer(baseUrl, keyId || null, actor), {
      baseUrl,
      keyId,
    });
  });
  app.post(
    "/admin/federation/peers/revoke",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) =>
      act(request, reply, "revoked", (actor) =>
        federation.revokePeer(formText(request.body, "code", 40), actor),
      ),
  );
  app.post("/admin/federation/offers", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const itemCode = formText(request.body, "itemCode", 100);
    return act(request, reply, "offer", (actor) => federation.offer(itemCode, actor), { itemCode });
  });
  app.post(
    "/admin/federation/offers/withdraw",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) =>
      act(request, reply, "withdrawn", (actor) =>
        federation.withdrawOffer(formText(request.body, "itemCode", 100), actor),
      ),
  );
  for (const [action, done] of [
    ["retry", "retry"],
    ["cancel", "cancel"],
  ] as const)
    app.post(
      `/admin/federation/outbox/:id/${action}`,
      { schema: { hide: true, params: IdParams, body: FormBody } },
      async (request, reply) => {
        const id = idParam(request.params.id);
        if (id === null) throw notFound("没有该消息");
        return act(request, reply, done, (actor) =>
          action === "retry" ? federation.retry(id, actor) : federation.cancel(id, actor),
        );
      },
    );
};

export default federationAdminRoutes;
