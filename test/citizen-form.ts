import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { csrfOf } from "./staff-session.ts";

/**
 * Posts a citizen sign-in or registration form as a browser does: GETs the form first for its
 * pre-session CSRF cookie and token (login CSRF protection), then posts the fields with them.
 */
export async function postCitizenForm(
  app: FastifyInstance,
  url: string,
  fields: Record<string, string>,
  remoteAddress = "127.0.0.1",
): Promise<LightMyRequestResponse> {
  const page = await app.inject({ url: url.split("?")[0], remoteAddress });
  const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  return app.inject({
    method: "POST",
    url,
    remoteAddress,
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    payload: new URLSearchParams({ _csrf: csrfOf(page.body) ?? "", ...fields }).toString(),
  });
}
