import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../deps.ts";
import { STAFF_COOKIE } from "../staff/index.ts";

/** A multipart/form-data body for app.inject. */
export function multipart(
  fields: Record<string, string>,
  files: { field: string; name: string; type: string; bytes: Buffer }[] = [],
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----chuyun${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

/** The latest code sent to a phone, read from the SMS outbox (what a phone would receive). */
export async function lastSmsCode(deps: AppDeps, phone: string): Promise<string> {
  const row = await deps.store.db
    .selectFrom("smsOutbox")
    .select("body")
    .where("phoneIndex", "=", deps.store.cipher.blindIndex("phone", phone))
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirstOrThrow();
  return /(\d{6})/.exec(row.body)![1];
}

export interface LetterFields {
  addressee?: string;
  kind?: string;
  subject?: string;
  content?: string;
  name?: string;
  phone: string;
  email?: string;
  publishConsent?: string;
}

/** Files a letter like a citizen does: request a code, read it, submit. Returns query number and lookup code. */
export async function fileLetter(
  app: FastifyInstance,
  deps: AppDeps,
  site: string,
  fields: LetterFields,
  ip: string,
  /** A signed-in citizen's cookie: the letter is then the account's. */
  cookie?: string,
): Promise<{ queryNo: string; lookupCode: string; body: string; status: number }> {
  const base = {
    addressee: fields.addressee ?? `leader:${deps.sites.byCodeCached(site)!.id}`,
    kind: fields.kind ?? "consult",
    subject: fields.subject ?? "咨询养老保险转移接续",
    content: fields.content ?? "我从外省调入本省工作，想了解养老保险关系如何转移接续，需要哪些材料？",
    name: fields.name ?? "张三",
    phone: fields.phone,
    email: fields.email ?? "",
    publishConsent: fields.publishConsent ?? "1",
  };
  const codeRes = await app.inject({
    method: "POST",
    url: `/sites/${site}/interaction/write`,
    payload: new URLSearchParams({ ...base, action: "code" }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
    remoteAddress: ip,
  });
  if (codeRes.statusCode !== 200) throw new Error(`code request failed: ${codeRes.statusCode}`);
  const code = await lastSmsCode(deps, fields.phone);
  // Signed in, the form carries the session's token: the letter is then the account's.
  const form = cookie
    ? (await app.inject({ url: `/sites/${site}/interaction/write`, headers: { cookie } })).body
    : "";
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1];
  const res = await app.inject({
    method: "POST",
    url: `/sites/${site}/interaction/write`,
    payload: new URLSearchParams({
      ...base,
      code,
      action: "submit",
      ...(csrf ? { _csrf: csrf } : {}),
    }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
    remoteAddress: ip,
  });
  const queryNo = /class="query-no">(\d{14})</.exec(res.body)?.[1] ?? "";
  const lookupCode = /class="lookup-code">([A-Za-z0-9_-]+)</.exec(res.body)?.[1] ?? "";
  return { queryNo, lookupCode, body: res.body, status: res.statusCode };
}

/** A signed-in staff member's cookie and CSRF token (sessions made directly, as the login form would). */
export async function staffSession(
  app: FastifyInstance,
  deps: AppDeps,
  username: string,
): Promise<{ cookie: string; csrf: string }> {
  const user = await deps.store.db
    .selectFrom("staffUsers")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirstOrThrow();
  const { token, session } = await deps.sessions.create(user.id, "staff", 3600);
  return { cookie: `${STAFF_COOKIE}=${encodeURIComponent(app.signCookie(token))}`, csrf: session.csrf };
}

/** Posts a console form as a staff member. */
export async function staffPost(
  app: FastifyInstance,
  who: { cookie: string; csrf: string },
  url: string,
  fields: Record<string, string> = {},
) {
  return app.inject({
    method: "POST",
    url,
    payload: new URLSearchParams({ ...fields, _csrf: who.csrf }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: who.cookie },
  });
}
