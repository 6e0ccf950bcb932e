import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { XMLBuilder } from "fast-xml-parser";
import { Type } from "typebox";
import type { MailboxDeps } from "./deps.ts";

import { DomainError, httpStatusOf } from "../../platform/http/errors.ts";

import type { Letter } from "./letters.ts";

import { LETTER_KINDS } from "./model.ts";

import type { LetterKind } from "./tables.ts";

/**
 * Open311 GeoReport v2 (JSON and XML) over the letters: services are the letter kinds, requests are
 * letters. Only masked, public data is served: description and answer appear once a letter is
 * published (with personal data masked); otherwise just kind, status and dates.
 */
const KIND_DESCRIPTIONS: Record<string, string> = {
  consult: "政策、办事等咨询",
  complaint: "对行政机关及其工作人员、公共服务的投诉",
  suggestion: "意见和建议",
  help: "生活困难等求助",
  other: "其他事项",
};

type Format = "json" | "xml";

/** The format named by a path's extension (`requests.json`, `requests.xml`), or null. */
function formatOf(ext: string): Format | null {
  return ext === "json" || ext === "xml" ? ext : null;
}

const xml = new XMLBuilder({ format: true });

/** GeoReport answers a list: a JSON array, or in XML a root element with one child per entry. */
function sendList(reply: FastifyReply, format: Format, root: string, item: string, rows: object[]) {
  if (format === "json") return reply.send(rows);
  return reply
    .type("application/xml; charset=utf-8")
    .send(`<?xml version="1.0" encoding="utf-8"?>\n${xml.build({ [root]: { [item]: rows } })}`);
}

function o311Errors(reply: FastifyReply, format: Format, status: number, descriptions: string[]) {
  reply.status(status);
  return sendList(
    reply,
    format,
    "errors",
    "error",
    descriptions.map((description) => ({ code: status, description })),
  );
}

function o311Error(reply: FastifyReply, format: Format, status: number, description: string) {
  return o311Errors(reply, format, status, [description]);
}

/** Path parts are checked by the handlers, so a wrong one gets GeoReport's own 404 answer. */
const PathPart = Type.String({ maxLength: 1000 });
const FormatParams = Type.Object({ format: PathPart });
/** A GeoReport query parameter: the handlers check values and answer GeoReport errors. */
const QueryValue = Type.Optional(Type.String({ maxLength: 1000 }));
const RequestsQuery = Type.Object({
  service_request_id: QueryValue,
  service_code: QueryValue,
  status: QueryValue,
  start_date: QueryValue,
  end_date: QueryValue,
  page: QueryValue,
});
/** A new request, urlencoded or JSON (GeoReport clients may send numbers for lat/long); none at all is no key. */
const NewRequestBody = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);

const open311Routes: FastifyPluginAsyncTypebox<{ deps: MailboxDeps }> = async (app, { deps }) => {
  const { mailbox, sites } = deps;
  const letters = mailbox.letters;

  const toRequest = (l: Letter) => {
    const published = l.status === "published";
    return {
      service_request_id: String(l.id),
      status: ["reviewed", "published", "invalid"].includes(l.status) ? "closed" : "open",
      status_notes: l.status === "invalid" ? "不予受理" : l.repliedAt ? "已答复" : "办理中",
      service_name: LETTER_KINDS[l.kind] ?? "其他",
      service_code: l.kind,
      description: published ? `${l.publicSubject ?? ""}\n${l.publicContent ?? ""}` : "",
      agency_responsible: sites.byId(l.ownerSiteId ?? 0)?.name ?? "",
      service_notice: published ? (l.publicAnswer ?? "") : "",
      requested_datetime: l.createdAt,
      updated_datetime: l.updatedAt,
      expected_datetime: l.dueAt,
      address: "",
      lat: null,
      long: null,
      media_url: "",
    };
  };

  // Published requests are public and read-heavy: they may come from the read replica.
  const publicRead = { config: { readReplica: true } };

  app.get(
    "/open311/v2/services.:format",
    { schema: { hide: true, params: FormatParams } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      if (!format) return o311Error(reply, "json", 404, "格式应为 json 或 xml");
      const deps = Object.entries(LETTER_KINDS).map(([code, name]) => ({
        service_code: code,
        service_name: name,
        description: KIND_DESCRIPTIONS[code],
        metadata: false,
        type: "realtime",
        keywords: "领导信箱,留言",
        group: "互动交流",
      }));
      return sendList(reply, format, "services", "service", deps);
    },
  );

  app.get(
    "/open311/v2/requests.:format",
    { ...publicRead, schema: { hide: true, params: FormatParams, querystring: RequestsQuery } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      if (!format) return o311Error(reply, "json", 404, "格式应为 json 或 xml");
      const q = request.query;
      let query = deps.store.read.selectFrom("letters").selectAll().where("status", "!=", "invalid");
      if (q.service_request_id) {
        const ids = q.service_request_id
          .split(",")
          .filter((x) => /^\d{1,9}$/.test(x))
          .slice(0, 50)
          .map(Number);
        if (ids.length === 0) return sendList(reply, format, "service_requests", "request", []);
        query = query.where("id", "in", ids);
      }
      if (q.service_code) {
        if (!Object.hasOwn(LETTER_KINDS, q.service_code))
          return o311Error(reply, format, 400, "未知的 service_code");
        query = query.where("kind", "=", q.service_code as LetterKind);
      }
      if (q.status === "open")
        query = query.where("status", "in", ["submitted", "screened", "assigned", "answered"]);
      else if (q.status === "closed") query = query.where("status", "in", ["reviewed", "published"]);
      for (const [param, op] of [
        ["start_date", ">="],
        ["end_date", "<="],
      ] as const) {
        const v = q[param];
        if (v) {
          const d = new Date(v);
          if (Number.isNaN(d.getTime())) return o311Error(reply, format, 400, `${param} 不是有效的时间`);
          query = query.where("createdAt", op, d.toISOString());
        }
      }
      const page = Math.max(1, Math.min(1000, Number(q.page) || 1));
      const rows = await query
        .orderBy("id", "desc")
        .limit(50)
        .offset((page - 1) * 50)
        .execute();
      return sendList(reply, format, "service_requests", "request", rows.map(toRequest));
    },
  );

  app.get(
    "/open311/v2/requests/:id",
    { ...publicRead, schema: { hide: true, params: Type.Object({ id: PathPart }) } },
    async (request, reply) => {
      const m = /^(\d{1,9})\.(json|xml)$/.exec(request.params.id);
      const format = formatOf(m?.[2] ?? "") ?? "json";
      if (!m) return o311Error(reply, format, 404, "请求不存在");
      const row = await deps.store.read
        .selectFrom("letters")
        .selectAll()
        .where("id", "=", Number(m[1]))
        .executeTakeFirst();
      if (!row || row.status === "invalid") return o311Error(reply, format, 404, "请求不存在");
      return sendList(reply, format, "service_requests", "request", [toRequest(row)]);
    },
  );

  app.post(
    "/open311/v2/requests.:format",
    {
      schema: {
        hide: true,
        params: FormatParams,
        querystring: Type.Object({ api_key: QueryValue }),
        body: NewRequestBody,
      },
      config: { rateLimit: { max: 60, timeWindow: "1 minute" } },
    },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      if (!format) return o311Error(reply, "json", 404, "格式应为 json 或 xml");
      const body = request.body ?? {};
      const s = (k: string) => {
        const v = body[k];
        return typeof v === "string" ? v : "";
      };
      // The key in a header keeps it out of addresses and logs; GeoReport v2 clients send `api_key`.
      const header = request.headers["x-api-key"];
      const headerKey = (Array.isArray(header) ? header[0] : header) ?? "";
      const key = await mailbox.open311.check(
        headerKey.slice(0, 200) || s("api_key") || (request.query.api_key ?? ""),
      );
      if (!key) return o311Error(reply, format, 403, "api_key 无效或已停用");
      const description = s("description").trim();
      const subject = s("title").trim() || [...description].slice(0, 30).join("");
      try {
        const receipt = await letters.submit({
          siteId: key.siteId,
          addressee: `leader:${key.siteId}`,
          kind: s("service_code"),
          subject,
          content: description,
          name: `${s("last_name")}${s("first_name")}`.trim(),
          phone: s("phone"),
          code: "",
          email: s("email"),
          address: s("address_string").slice(0, 200),
          publishConsent: s("publish_consent") === "true" || s("publish_consent") === "1",
          files: [],
          ip: request.ip,
          via: "open311",
        });
        const site = sites.byId(key.siteId);
        return sendList(reply, format, "service_requests", "request", [
          {
            service_request_id: String(receipt.id),
            service_notice: `查询编号 ${receipt.queryNo}，查询码 ${receipt.lookupCode}（请转告来信人，凭此在 /sites/${site?.code ?? "www"}/interaction/lookup 查询）`,
            account_id: null,
          },
        ]);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const fields = Object.entries(error.fields);
        return o311Errors(
          reply,
          format,
          httpStatusOf(error),
          fields.length ? fields.map(([f, m]) => `${f}: ${m}`) : [error.message],
        );
      }
    },
  );
};

export default open311Routes;
