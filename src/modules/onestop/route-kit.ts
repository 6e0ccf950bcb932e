import type { FastifyReply, FastifyRequest } from "fastify";
import type { VNode } from "preact";
import { Type } from "typebox";
import { sendHtml } from "../../platform/http/reply.ts";
import type { PageContext } from "../../web/layout.tsx";
import { renderDocument } from "../../web/render.ts";
import { pageContext, type Site } from "../sites/index.ts";
import type { OneStopDeps } from "./deps.ts";

/*
 * What the service hall's routes share: request schemas and the one way a public page is sent.
 * Pages stay tolerant: odd query values fall back (pageParam, filters ignored) and unknown codes
 * answer 404 in the handler, so the schemas only bound the types and sizes; form bodies keep every
 * field so the form can show itself again with messages.
 */

/** A site, item, bundle or tracking code in a page path (an unknown one answers 404). */
export const PathCode = Type.String({ maxLength: 100 });

/** A database id in a path; idParam answers 404 for anything but a number. */
export const PathId = Type.String({ maxLength: 20 });

/** A query value a page reads leniently (cut, checked or ignored by the handler). */
export const QueryText = (maxLength = 200) => Type.Optional(Type.String({ maxLength }));

/** A urlencoded form as it arrives: every field a string, or a list when repeated. */
export const FormBody = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));

/** The first value of a form field, cut to `max` characters ("" when missing). */
export function field(body: Record<string, string | string[]> | undefined, key: string, max = 2000): string {
  const v = body?.[key];
  return (Array.isArray(v) ? (v[0] ?? "") : (v ?? "")).slice(0, max);
}

/** Sends a public page of the service hall (办事服务 highlighted in the site's navigation). */
export async function sendHallPage(
  deps: OneStopDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  site: Site,
  page: (ctx: PageContext) => VNode,
): Promise<FastifyReply> {
  const ctx = await pageContext(deps, site, request, "bsfw");
  return sendHtml(reply, renderDocument(page(ctx)));
}
