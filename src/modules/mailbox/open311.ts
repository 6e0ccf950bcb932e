import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { XMLBuilder } from "fast-xml-parser";
import { Type } from "typebox";
import type { MailboxDeps } from "./deps.ts";

import {
  DomainError,
  httpStatusOf,
  validationFields,
  type ValidationProblem,
} from "../../platform/http/errors.ts";

import { isServiceUnavailable } from "../../platform/ops/unavailable.ts";
import { parseInstant } from "../../platform/time/china-time.ts";

import type { Letter, LetterPlace } from "./letters.ts";

import { LETTER_KINDS } from "./model.ts";

import type { LetterKind, LetterStatus } from "./tables.ts";

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

/** The format a client asked for, read from the URL (for errors, including unknown routes): JSON unless `.xml`. */
function requestedFormat(url: string): Format {
  return /\.xml$/i.test(url.split("?")[0]) ? "xml" : "json";
}

const xml = new XMLBuilder({ format: true, suppressEmptyNode: false });

/** GeoReport answers a list: a JSON array, or in XML a root element with one child per entry. */
function sendList(reply: FastifyReply, format: Format, root: string, item: string, rows: object[]) {
  if (format === "json") return reply.type("application/json; charset=utf-8").send(rows);
  return sendXml(reply, { [root]: { [item]: rows } });
}

function sendXml(reply: FastifyReply, doc: object) {
  // null becomes an empty element (<lat></lat>), as GeoReport XML shows an absent value.
  const body = xml.build(JSON.parse(JSON.stringify(doc, (_k, v: unknown) => (v === null ? "" : v))));
  return reply.type("application/xml; charset=utf-8").send(`<?xml version="1.0" encoding="utf-8"?>\n${body}`);
}

/** GeoReport's error answer: `[{code, description}]`, or `<errors><error>…</error></errors>`. */
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

/** Published GeoReport windows: with no dates, the last 90 days; a range may span at most 90 days. */
export const MAX_WINDOW_DAYS = 90;
const DAY_MS = 86_400_000;
const PAGE_SIZE = 50;

const OPEN: LetterStatus[] = ["submitted", "screened", "assigned", "answered"];
const CLOSED: LetterStatus[] = ["reviewed", "published"];

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
  jurisdiction_id: QueryValue,
});
/** A new request, urlencoded or JSON (GeoReport clients may send numbers for lat/long); none at all is no key. */
const NewRequestBody = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);

/** A comma-separated GeoReport list parameter (`service_code=a,b`, `status=open,closed`). */
const listOf = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** A coordinate from a form (text) or JSON (number): a finite number in range, null when absent, or NaN. */
function coordinate(v: unknown, limit: number): number | null {
  if (v === undefined || v === null || v === "") return null;
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v.trim()) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : NaN;
}

/** The request's place from a POST: coordinates (both or neither), address_string or address_id; one is required. */
export function placeOf(body: Record<string, unknown>): LetterPlace | string {
  const text = (k: string, max: number) => {
    const v = body[k];
    return typeof v === "string" && v.trim()
      ? v.trim().slice(0, max)
      : typeof v === "number"
        ? String(v)
        : null;
  };
  const lat = coordinate(body.lat, 90);
  const long = coordinate(body.long, 180);
  if (Number.isNaN(lat) || Number.isNaN(long)) return "lat/long 应为有效的 WGS-84 经纬度";
  if ((lat === null) !== (long === null)) return "lat 和 long 须同时提供";
  const place: LetterPlace = {
    lat,
    long,
    location: text("address_string", 200),
    addressId: text("address_id", 100),
    zipcode: text("zipcode", 20),
  };
  if (place.lat === null && !place.location && !place.addressId)
    return "请提供位置：lat 和 long、address_string 或 address_id 至少一项";
  return place;
}

const open311Routes: FastifyPluginAsyncTypebox<{ deps: MailboxDeps }> = async (app, { deps }) => {
  const { mailbox, sites } = deps;
  const letters = mailbox.letters;

  // Every answer under /open311 is GeoReport's, errors included (bad JSON, validation, rate limits, 404).
  app.setErrorHandler(
    async (error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
      const format = requestedFormat(request.url);
      if (error instanceof DomainError) {
        const fields = Object.entries(error.fields);
        return o311Errors(
          reply,
          format,
          httpStatusOf(error),
          fields.length ? fields.map(([f, m]) => `${f}: ${m}`) : [error.message],
        );
      }
      if (error.validation) {
        const fields = validationFields(error.validation as ValidationProblem[]);
        return o311Errors(
          reply,
          format,
          400,
          Object.entries(fields).map(([f, m]) => `${f}: ${m}`),
        );
      }
      const status = error.statusCode ?? 500;
      if (status === 429) {
        reply.header("retry-after", "60");
        return o311Error(reply, format, 429, "请求过于频繁，请稍后再试");
      }
      if (status === 413) return o311Error(reply, format, 413, "提交的内容过大");
      if (status >= 400 && status < 500) {
        const description =
          error instanceof SyntaxError || /JSON/i.test(error.message) ? "请求体不是有效的 JSON" : "请求有误";
        return o311Error(reply, format, status, description);
      }
      if (isServiceUnavailable(error)) {
        reply.header("retry-after", "5");
        return o311Error(reply, format, 503, "服务繁忙，请稍后再试");
      }
      request.log.error(error);
      return o311Error(reply, format, 500, "服务暂时不可用，请稍后再试");
    },
  );

  app.setNotFoundHandler(async (request, reply) =>
    o311Error(reply, requestedFormat(request.url), 404, "接口不存在（GeoReport v2 位于 /open311/v2/）"),
  );

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
      // The place the request is about, as the Open311 client posted it (never the writer's own address).
      address: l.location ?? "",
      address_id: l.addressId ?? "",
      zipcode: l.zipcode ?? "",
      lat: l.lat,
      long: l.long,
      media_url: "",
    };
  };

  // Published requests are public and read-heavy: they may come from the read replica.
  const publicRead = { config: { readReplica: true } };

  const serviceList = () =>
    Object.entries(LETTER_KINDS).map(([code, name]) => ({
      service_code: code,
      service_name: name,
      description: KIND_DESCRIPTIONS[code],
      metadata: true,
      type: "realtime",
      keywords: "领导信箱,留言",
      group: "互动交流",
    }));

  app.get(
    "/v2/services.:format",
    { schema: { hide: true, params: FormatParams } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      if (!format) return o311Error(reply, "json", 404, "格式应为 json 或 xml");
      return sendList(reply, format, "services", "service", serviceList());
    },
  );

  /** A service definition (metadata=true): the extra attributes a client may send, with attribute[code]. */
  app.get(
    "/v2/services/:code",
    { schema: { hide: true, params: Type.Object({ code: PathPart }) } },
    async (request, reply) => {
      const m = /^(\w{1,40})\.(json|xml)$/.exec(request.params.code);
      const format = formatOf(m?.[2] ?? "") ?? requestedFormat(request.url);
      if (!m || !(m[1] in LETTER_KINDS)) return o311Error(reply, format, 404, "未知的 service_code");
      const definition = {
        service_code: m[1],
        attributes: SERVICE_ATTRIBUTES,
      };
      if (format === "json") return reply.type("application/json; charset=utf-8").send(definition);
      return sendXml(reply, {
        service_definition: {
          service_code: m[1],
          attributes: {
            attribute: SERVICE_ATTRIBUTES.map((a) => ({
              ...a,
              values: a.values.length ? { value: a.values } : "",
            })),
          },
        },
      });
    },
  );

  app.get(
    "/v2/requests.:format",
    { ...publicRead, schema: { hide: true, params: FormatParams, querystring: RequestsQuery } },
    async (request, reply) => {
      const format = formatOf(request.params.format);
      if (!format) return o311Error(reply, "json", 404, "格式应为 json 或 xml");
      const q = request.query;
      let query = deps.store.read.selectFrom("letters").selectAll().where("status", "!=", "invalid");
      if (q.service_request_id !== undefined) {
        // GeoReport: service_request_id (comma-separated) overrides every other parameter.
        const ids = listOf(q.service_request_id);
        if (ids.some((x) => !/^\d{1,9}$/.test(x)))
          return o311Error(reply, format, 400, "service_request_id 应为以逗号分隔的编号");
        if (ids.length === 0 || ids.length > PAGE_SIZE)
          return o311Error(reply, format, 400, `service_request_id 应为1至${PAGE_SIZE}个编号`);
        const rows = await query.where("id", "in", ids.map(Number)).orderBy("id", "desc").execute();
        return sendList(reply, format, "service_requests", "request", rows.map(toRequest));
      }
      const codes = listOf(q.service_code);
      const unknown = codes.filter((c) => !Object.hasOwn(LETTER_KINDS, c));
      if (unknown.length) return o311Error(reply, format, 400, `未知的 service_code：${unknown.join(",")}`);
      if (codes.length) query = query.where("kind", "in", codes as LetterKind[]);
      const statuses = listOf(q.status);
      const badStatus = statuses.filter((x) => x !== "open" && x !== "closed");
      if (badStatus.length) return o311Error(reply, format, 400, "status 应为 open、closed 或二者以逗号分隔");
      if (statuses.length === 1) query = query.where("status", "in", statuses[0] === "open" ? OPEN : CLOSED);

      const dates: Record<"start_date" | "end_date", Date | null> = { start_date: null, end_date: null };
      for (const param of ["start_date", "end_date"] as const) {
        const v = q[param];
        if (!v) continue;
        const d = parseInstant(v);
        if (!d) return o311Error(reply, format, 400, `${param} 不是有效的 ISO 8601 时间`);
        dates[param] = d;
      }
      const window = MAX_WINDOW_DAYS * DAY_MS;
      const end =
        dates.end_date ?? (dates.start_date ? new Date(dates.start_date.getTime() + window) : new Date());
      const start = dates.start_date ?? new Date(end.getTime() - window);
      if (start > end) return o311Error(reply, format, 400, "start_date 不能晚于 end_date");
      if (end.getTime() - start.getTime() > window)
        return o311Error(reply, format, 400, `start_date 与 end_date 相隔不能超过${MAX_WINDOW_DAYS}天`);
      query = query.where("createdAt", ">=", start.toISOString()).where("createdAt", "<=", end.toISOString());

      const page = Math.max(1, Math.min(1000, Number(q.page) || 1));
      const rows = await query
        .orderBy("id", "desc")
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .execute();
      return sendList(reply, format, "service_requests", "request", rows.map(toRequest));
    },
  );

  app.get(
    "/v2/requests/:id",
    { ...publicRead, schema: { hide: true, params: Type.Object({ id: PathPart }) } },
    async (request, reply) => {
      const m = /^(\d{1,9})\.(json|xml)$/.exec(request.params.id);
      const format = formatOf(m?.[2] ?? "") ?? requestedFormat(request.url);
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
    "/v2/requests.:format",
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
      const attributes = typeof body.attribute === "object" && body.attribute ? body.attribute : {};
      const s = (k: string) => {
        const v = body[k];
        return typeof v === "string" ? v : "";
      };
      /** A service attribute (GeoReport `attribute[code]`, urlencoded or as a JSON object), or the plain field. */
      const attr = (k: string) => {
        const v = (attributes as Record<string, unknown>)[k] ?? body[`attribute[${k}]`] ?? body[k];
        return typeof v === "string" ? v : "";
      };
      // The key in a header keeps it out of addresses and logs; GeoReport v2 clients send `api_key`.
      const header = request.headers["x-api-key"];
      const headerKey = (Array.isArray(header) ? header[0] : header) ?? "";
      const key = await mailbox.open311.check(
        headerKey.slice(0, 200) || s("api_key") || (request.query.api_key ?? ""),
      );
      if (!key) return o311Error(reply, format, 403, "api_key 无效或已停用");
      const place = placeOf(body);
      if (typeof place === "string") return o311Error(reply, format, 400, place);
      const description = s("description").trim();
      const subject = attr("title").trim() || [...description].slice(0, 30).join("");
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
        address: "",
        publishConsent: attr("publish_consent") === "true" || attr("publish_consent") === "1",
        files: [],
        ip: request.ip,
        via: "open311",
        place,
      });
      const site = sites.byId(key.siteId);
      return sendList(reply, format, "service_requests", "request", [
        {
          service_request_id: String(receipt.id),
          service_notice: `查询编号 ${receipt.queryNo}，查询码 ${receipt.lookupCode}（请转告来信人，凭此在 /sites/${site?.code ?? "www"}/interaction/lookup 查询）`,
          account_id: null,
        },
      ]);
    },
  );
};

/**
 * The service definition's attributes (GeoReport "GET Service Definition"): what a client may send
 * besides the standard fields. The citizen's name, phone and e-mail are optional standard fields.
 */
const SERVICE_ATTRIBUTES = [
  {
    variable: true,
    code: "title",
    datatype: "string",
    required: false,
    datatype_description: "信件标题，60字以内；不填则取描述的前30字",
    order: 1,
    description: "标题",
    values: [] as { key: string; name: string }[],
  },
  {
    variable: true,
    code: "publish_consent",
    datatype: "singlevaluelist",
    required: false,
    datatype_description: "是否同意在答复后公开（隐去个人信息）",
    order: 2,
    description: "同意公开",
    values: [
      { key: "true", name: "同意" },
      { key: "false", name: "不同意" },
    ],
  },
];

export default open311Routes;
