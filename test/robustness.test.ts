import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { InjectOptions } from "fastify";
import { postCitizenForm } from "./citizen-form.ts";
import { ENGINES, startPlatform, type TestContext } from "./engines.ts";
import { StaffSession } from "./staff-session.ts";
import { DEMO_PASSWORD } from "../src/seed/demo-password.ts";

/**
 * Bad input never wins: every route the platform registers, public and console, is sent hostile
 * parameters, query strings and bodies — as a visitor and as a signed-in operator — on each engine.
 * Nothing may answer 5xx, and no HTML answer may carry the injected script unescaped.
 */
const SCRIPT = '<script>alert("xss")</script>';
const HUGE_NUMBER = "99999999999999999999";

const PARAM_VALUES = ["1", HUGE_NUMBER, SCRIPT, "不存在", "-1.5e999"];

const HOSTILE_QUERY = new URLSearchParams({
  q: SCRIPT,
  page: HUGE_NUMBER,
  pageSize: "-5",
  year: "abc",
  kind: "__proto__",
  site: "../../etc/passwd",
  id: "1e999",
  status: "'; DROP TABLE letters; --",
  filter: SCRIPT,
  from: "2026-13-45",
  to: "昨天",
}).toString();

/** Numbers past the double range: Ajv reads "1e309" as Infinity, an "integer" no minimum or maximum bounds. */
const INFINITE_QUERY = ["page", "pageSize", "year", "treeSize", "limit", "size", "days", "id"]
  .map((k, i) => `${k}=${i % 2 ? "-" : ""}1e309`)
  .join("&");

/** Words that name Object.prototype members: a dictionary lookup keyed by user words must not reach them. */
const PROTO_WORDS = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];
const PROTO_QUERY = [
  ...["q", "question", "kind", "status", "code", "service_code", "type", "sort", "tag"].map(
    (k) => `${k}=${encodeURIComponent(PROTO_WORDS.join(" "))}`,
  ),
  ...PROTO_WORDS.map((w) => `${w}=${w}`),
].join("&");

/** Field names the platform's forms and APIs use, each filled with the same hostile value. */
const FIELDS = [
  "title",
  "body",
  "bodyHtml",
  "q",
  "question",
  "name",
  "subject",
  "content",
  "phone",
  "code",
  "email",
  "siteId",
  "channelId",
  "channelIds",
  "kind",
  "page",
  "id",
  "ids",
  "date",
  "startDate",
  "endDate",
  "reason",
  "note",
  "answer",
  "status",
  "schema",
  "json",
  "addressee",
  "publishConsent",
  "description",
  "url",
  "category",
  "contact",
  "rating",
  "comment",
  "docNumber",
  "issuer",
  "publishedAt",
  "slug",
  "themeColor",
  "host",
  "department",
  "action",
  "to",
  "days",
  "value",
  "values",
  "conversationId",
  "service_code",
  "api_key",
  "idNumber",
  "mobile",
  "items",
  "answers",
  "option",
  "__proto__",
  "constructor",
];

function form(value: string): string {
  const body = new URLSearchParams();
  for (const f of [...FIELDS, ...PROTO_WORDS]) body.append(f, value);
  return body.toString();
}

const BOUNDARY = "----chuyunRobust7MA4YWxkTrZu0gW";

/** A multipart body with every field (and a file) filled with `value`; cut short when `truncate`. */
function multipartBody(value: string, truncate = false): string {
  const parts = [...FIELDS, ...PROTO_WORDS].map(
    (f) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${f}"\r\n\r\n${value}\r\n`,
  );
  parts.push(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file1"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 ${value}\r\n`,
  );
  const whole = `${parts.join("")}--${BOUNDARY}--\r\n`;
  return truncate ? whole.slice(0, Math.floor(whole.length * 0.6)) : whole;
}

/** Multipart shapes a broken client or a hostile one sends: cut short, no boundary, bad boundary. */
const MULTIPART_BODIES = [
  { type: `multipart/form-data; boundary=${BOUNDARY}`, payload: multipartBody("constructor") },
  { type: `multipart/form-data; boundary=${BOUNDARY}`, payload: multipartBody(SCRIPT, true) },
  {
    type: `multipart/form-data; boundary=${BOUNDARY}`,
    payload: `--${BOUNDARY}\r\nContent-Disposition: form-da`,
  },
  { type: "multipart/form-data", payload: multipartBody("x") },
  { type: "multipart/form-data; boundary=", payload: multipartBody("x") },
  { type: `multipart/form-data; boundary=${BOUNDARY}`, payload: "" },
];

interface Probe {
  method: "GET" | "POST";
  url: string;
  body?: { type: string; payload: string };
}

function probesFor(method: string, path: string): Probe[] {
  const urls = PARAM_VALUES.map((value) =>
    path
      .replace(/:(\w+)(\([^)]*\))?/g, () => encodeURIComponent(value))
      .replace(/\*$/, encodeURIComponent("../../etc/passwd")),
  );
  const unique = [...new Set(urls)];
  if (method === "GET")
    return unique.flatMap((url, i) => [
      { method, url },
      { method, url: `${url}?${HOSTILE_QUERY}` },
      ...(i === 0
        ? ([
            { method, url: `${url}?${PROTO_QUERY}` },
            { method, url: `${url}?${INFINITE_QUERY}` },
          ] as const)
        : []),
    ]);
  if (method !== "POST") return [];
  const bodies = [
    { type: "application/x-www-form-urlencoded", payload: "" },
    { type: "application/x-www-form-urlencoded", payload: form(SCRIPT) },
    { type: "application/x-www-form-urlencoded", payload: form(HUGE_NUMBER) },
    { type: "application/x-www-form-urlencoded", payload: form("1e309") },
    { type: "application/x-www-form-urlencoded", payload: form("x".repeat(20_000)) },
    { type: "application/json", payload: '{"question": ' },
    {
      type: "application/json",
      payload: JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, { a: [1] }]))),
    },
    { type: "text/plain", payload: SCRIPT },
    { type: "application/x-www-form-urlencoded", payload: form(PROTO_WORDS.join(" ")) },
    { type: "application/json", payload: JSON.stringify(Object.fromEntries(PROTO_WORDS.map((w) => [w, w]))) },
  ];
  const post = "POST" as const;
  return [
    ...unique.slice(0, 3).flatMap((url) => bodies.map((body) => ({ method: post, url, body }))),
    // Every route that takes a form is sent the broken multipart shapes (the first address is enough).
    ...unique.slice(0, 1).flatMap((url) => MULTIPART_BODIES.map((body) => ({ method: post, url, body }))),
  ];
}

for (const engine of ENGINES) {
  describe(`hostile input on every route (${engine})`, { timeout: 300_000 }, () => {
    let t: TestContext;
    const routes: { method: string; url: string }[] = [];
    before(async () => {
      t = await startPlatform(engine, {
        build: {
          onRoute: (route) => {
            for (const method of [route.method].flat()) routes.push({ method, url: route.url ?? "" });
          },
        },
      });
    });
    after(async () => t?.close());
    // One operator session for the file: a second sign-in would need the TOTP secret the first enrolled.
    let operator: Promise<StaffSession> | null = null;
    const signIn = () => (operator ??= StaffSession.login(t.app, "admin"));

    async function probeAll(cookie: string, csrf: string, skip: RegExp): Promise<string[]> {
      const failures: string[] = [];
      let n = 0;
      for (const route of routes) {
        if (skip.test(route.url)) continue;
        for (const probe of probesFor(route.method, route.url)) {
          n++;
          const payload = !probe.body
            ? undefined
            : !csrf
              ? probe.body.payload
              : probe.body.type.includes("urlencoded")
                ? `_csrf=${encodeURIComponent(csrf)}&${probe.body.payload}`
                : probe.body.type.startsWith("multipart/") && probe.body.payload
                  ? `--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n${probe.body.payload}`
                  : probe.body.payload;
          const options: InjectOptions = {
            method: probe.method,
            url: probe.url,
            // Each probe from its own address, so rate limits do not hide what the handlers do.
            remoteAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
            headers: {
              ...(cookie ? { cookie } : {}),
              ...(probe.body ? { "content-type": probe.body.type } : {}),
            },
            payload,
          };
          const res = await t.app.inject(options);
          const what = `${probe.method} ${probe.url.slice(0, 120)}${probe.body ? ` [${probe.body.type} ${probe.body.payload.slice(0, 30)}]` : ""}`;
          if (res.statusCode >= 500) failures.push(`${res.statusCode} ${what}: ${res.body.slice(0, 200)}`);
          else if (
            probe.body?.type.startsWith("multipart/") &&
            res.statusCode >= 400 &&
            !/[\u4e00-\u9fff]/.test(res.body)
          )
            failures.push(`${res.statusCode} without a Chinese message: ${what}: ${res.body.slice(0, 200)}`);
          if (String(res.headers["content-type"] ?? "").startsWith("text/html") && res.body.includes(SCRIPT))
            failures.push(`unescaped script in ${what}`);
        }
      }
      assert.ok(n > 500, `probed the whole surface (${n} requests over ${routes.length} routes)`);
      return failures;
    }

    it("refuses a number past the double range (Infinity to Ajv) with a 400 naming the field", async () => {
      for (const [url, field] of [
        ["/api/exchange/audit/checkpoints?page=1e309", "page"],
        [`/api/search?q=${encodeURIComponent("社保")}&page=-1e309`, "page"],
        [`/api/search?q=${encodeURIComponent("社保")}&year=1e400`, "year"],
      ]) {
        const res = await t.app.inject({ url });
        assert.equal(res.statusCode, 400, url);
        assert.equal(res.json().error.code, "invalid_input");
        assert.equal(res.json().error.fields[field], "应为数字", url);
      }
      // The values the validation itself gives stay: a big but finite page is still only too big.
      const big = await t.app.inject({ url: "/api/exchange/audit/checkpoints?page=1e20" });
      assert.equal(big.json().error.fields.page, "不能大于10000");
      assert.equal((await t.app.inject({ url: "/api/exchange/audit/checkpoints?page=1" })).statusCode, 200);
    });

    it("names every wrong field of an ordinary JSON body, and answers a flood of wrong values at once", async () => {
      const few = await t.app.inject({
        method: "POST",
        url: "/api/assistant/rate",
        payload: { conversationId: 7, turnId: "1", helpful: "yes" },
      });
      assert.equal(few.statusCode, 400);
      assert.deepEqual(Object.keys(few.json().error.fields).sort(), ["conversationId", "helpful", "turnId"]);
      // 300,000 wrong items: one problem named, not 300,000 (which held the event loop for seconds).
      const flood = await t.app.inject({
        method: "POST",
        url: "/api/licences/1/present",
        headers: { "content-type": "application/json" },
        payload: `{"disclose":[${Array(300_000).fill("1").join(",")}]}`,
      });
      assert.ok(flood.statusCode >= 400 && flood.statusCode < 500, flood.body.slice(0, 200));
      assert.ok(flood.body.length < 2000, `${flood.body.length} bytes`);
      // Constructor poisoning is refused as before.
      const poisoned = await t.app.inject({
        method: "POST",
        url: "/api/assistant/rate",
        headers: { "content-type": "application/json" },
        payload: '{"conversationId":"x","turnId":1,"helpful":true,"constructor":{"prototype":{"a":1}}}',
      });
      assert.equal(poisoned.statusCode, 400, poisoned.body);
    });

    it("answers questions and forms that name Object.prototype members like any other words", async () => {
      for (const word of PROTO_WORDS) {
        const ask = await t.app.inject({
          method: "POST",
          url: "/api/assistant/ask",
          payload: { question: `${word} 社保卡怎么办` },
          remoteAddress: "10.250.0.1",
        });
        assert.equal(ask.statusCode, 200, `${word}: ${ask.body.slice(0, 200)}`);
        const page = await t.app.inject({
          url: `/sites/www/assistant?q=${word}`,
          remoteAddress: "10.250.0.2",
        });
        assert.equal(page.statusCode, 200, `${word}: ${page.statusCode}`);
      }
    });

    it("answers a broken multipart form (cut short, no boundary) with a Chinese 400", async () => {
      const op = await signIn();
      const cookie = [...op.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${op.csrf}\r\n`;
      for (const [type, payload] of [
        [`multipart/form-data; boundary=${BOUNDARY}`, head + multipartBody("标题", true)],
        ["multipart/form-data", head + multipartBody("标题")],
      ]) {
        const res = await t.app.inject({
          method: "POST",
          url: "/admin/articles/new",
          headers: { cookie, "content-type": type },
          payload,
        });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${type}: ${res.statusCode}`);
        assert.match(res.body, /表单数据不完整或格式有误|请求有误/);
      }
    });

    it("answers a signed-in citizen's broken multipart forms (uploads to applications) with a 4xx", async () => {
      const login = await postCitizenForm(t.app, "/sites/www/account/login", {
        loginName: "13900000001",
        password: DEMO_PASSWORD,
      });
      const session = login.cookies.find((c) => c.name === "cy_citizen");
      assert.ok(session, "the demo citizen signs in");
      const cookie = `cy_citizen=${session.value}`;
      const { csrf } = (await t.app.inject({ url: "/api/services/session", headers: { cookie } })).json() as {
        csrf: string;
      };
      // An item whose form takes uploads, so the form reader really reads the broken bodies.
      const item = (await t.deps.oneStop.catalogue.list({ q: "医疗费用手工报销" })).rows[0];
      const site = t.deps.sites.byId(item.siteId)!.code;
      const failures: string[] = [];
      // Signing out would end the session the probes use.
      const posts = routes.filter(
        (r) =>
          r.method === "POST" && /^\/sites\/:(site|code)\//.test(r.url) && !/logout|password/.test(r.url),
      );
      assert.ok(posts.some((r) => r.url.includes("/services/apply/")));
      for (const route of posts)
        for (const body of MULTIPART_BODIES) {
          const url = route.url
            .replace(/:(site|code)\b/, site)
            .replace(/:item\b/, encodeURIComponent(item.code))
            .replace(/:(\w+)/g, "1");
          const res = await t.app.inject({
            method: "POST",
            url,
            remoteAddress: "10.251.0.1",
            headers: { cookie, "content-type": body.type, "x-csrf-token": csrf },
            payload: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n${body.payload}`,
          });
          if (res.statusCode >= 500 || (res.statusCode >= 400 && !/[\u4e00-\u9fff]/.test(res.body)))
            failures.push(`${res.statusCode} POST ${url} [${body.type}]: ${res.body.slice(0, 150)}`);
        }
      assert.deepEqual(failures, []);
    });

    it("answers a visitor's hostile requests without a server error or an injected script", async () => {
      const failures = await probeAll("", "", /^\/admin\/logout/);
      assert.deepEqual(failures, []);
    });

    it("answers an operator's hostile requests without a server error or an injected script", async () => {
      const op = await signIn();
      const cookie = [...op.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      // Signing out or changing one's own credentials would end the session the probes use.
      const failures = await probeAll(cookie, op.csrf, /logout|\/admin\/login|password|totp/);
      assert.deepEqual(failures, []);
    });
  });
}
