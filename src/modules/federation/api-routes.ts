import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { errorResponses, EXCHANGE_API, PUBLIC_API } from "../../platform/http/api-schema.ts";
import { Invalid } from "../../platform/http/errors.ts";
import { incomingCall, sendAnswer } from "../exchange/index.ts";
import type { FederationDeps } from "./deps.ts";
import { MAX_MESSAGE_BYTES, MESSAGES_PATH, METADATA_PATH } from "./service.ts";

/**
 * The federation protocol (跨省通办): the signed metadata document, and the one endpoint peers send
 * messages to. The body is kept as raw bytes (its Content-Digest is checked against exactly what was
 * sent), so this plugin replaces the JSON parser with a byte parser, as the exchange gateway does.
 */
const federationApiRoutes: FastifyPluginAsyncTypebox<{ deps: FederationDeps }> = async (app, { deps }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "*",
    { parseAs: "buffer", bodyLimit: MAX_MESSAGE_BYTES + 1024 },
    (_r, body, done) => done(null, body),
  );

  app.get(
    METADATA_PATH,
    {
      schema: {
        operationId: "federationMetadata",
        ...PUBLIC_API,
        tags: ["跨省通办"],
        summary: "本平台的跨省通办元数据（签名文档）",
        description:
          "`jws` 为 JWS Compact（EdDSA），由文档中列出的公钥签名；内容含平台标识 federationId、名称、地址、公钥（kid 为 RFC 7638 指纹）和开放的跨省通办事项编码。对方平台导入时应与本平台运维人员核对公钥指纹。",
        response: {
          200: Type.Object({
            jws: Type.String(),
            document: Type.Object({
              typ: Type.String(),
              federationId: Type.String(),
              name: Type.String(),
              baseUrl: Type.String(),
              key: Type.Record(Type.String(), Type.Unknown()),
              offers: Type.Array(Type.String()),
              iat: Type.Number(),
            }),
          }),
        },
      },
    },
    async () => {
      const { jws, document } = await deps.federation.metadata();
      return { jws, document: { ...document, key: { ...document.key } } };
    },
  );

  app.post(
    MESSAGES_PATH,
    {
      config: { rateLimit: { max: 6000, timeWindow: "1 minute" } },
      schema: {
        operationId: "federationMessage",
        ...EXCHANGE_API,
        tags: ["跨省通办"],
        summary: "接收对方平台的跨省通办消息（签名调用）",
        description: [
          '请求体 `{"kind", "idempotencyKey", "from", "payload"}`，kind 为 catalogue、application.submit 或 application.status；',
          "签名方式与数据共享交换网关相同（RFC 9421 ed25519，覆盖 @method @target-uri content-digest exchange-purpose，参数 created keyid nonce；",
          "Exchange-Purpose 的 case 为办件编号）。签名密钥须属于已信任的跨省平台；nonce 不得重复；",
          "同一 idempotencyKey 的重试得到第一次的应答，不会重复建立办件或状态。应答由本平台签名（覆盖 @status content-digest）。",
        ].join(""),
        response: {
          200: Type.Record(Type.String(), Type.Unknown()),
          ...errorResponses(400, 401, 403, 404, 409, 413),
        },
      },
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const answer = await deps.federation.receive({
        method: request.method,
        url: `${request.protocol}://${request.host}${request.url}`,
        headers: request.headers,
        body: raw,
      });
      // Sent as the exact bytes that were digested and signed (the typed reply is bypassed).
      const untyped = reply as unknown as {
        status(code: number): { headers(h: object): { send(body: string): void } };
      };
      untyped.status(answer.status).headers(answer.headers).send(answer.body);
      return reply;
    },
  );

  app.post(
    "/api/federation/v1/peers/:peer/resources/:resource/query",
    {
      config: { rateLimit: { max: 600, timeWindow: "1 minute" } },
      schema: {
        operationId: "federationRegistryQuery",
        ...EXCHANGE_API,
        tags: ["跨省通办"],
        summary: "本平台接入系统查询跨省平台的基础库（签名调用）",
        description: [
          '请求体与数据共享交换网关的查询相同：`{"filter": {…}, "fields": […]}`，签名方式也相同（本平台接入系统的密钥，',
          "Exchange-Purpose 写明办件编号和法律依据）。本平台以跨省通办消息 registry.query 转给对方平台，",
          "对方按其给本平台的共享授权作答，并以调用方接入系统所属部门的名义记入对方的数据使用记录（本人可查）。",
          "应答由本平台交换枢纽签名；对方拒绝时返回对方的原因代码（如 no_grant）。",
        ].join(""),
        params: Type.Object({
          peer: Type.String({ maxLength: 40 }),
          resource: Type.String({ maxLength: 40 }),
        }),
        response: {
          200: Type.Record(Type.String(), Type.Unknown()),
          ...errorResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const { peer, resource } = request.params;
      const answer = await deps.exchange.handleSigned(
        `${peer}:${resource}`,
        incomingCall(request),
        async (caller, body, record) => {
          let query: { filter?: unknown; fields?: unknown };
          try {
            query = JSON.parse(body.toString("utf8")) as typeof query;
          } catch {
            throw new Invalid("请求体不是 JSON", {}, "body_not_json");
          }
          const filter = (typeof query?.filter === "object" && query.filter ? query.filter : {}) as Record<
            string,
            string | number
          >;
          const fields = Array.isArray(query?.fields)
            ? query.fields.filter((f) => typeof f === "string")
            : [];
          const result = await deps.federation.queryPeer({
            peerCode: peer,
            department: caller.member.department,
            resource,
            filter,
            fields,
            purpose: caller.purpose,
            actor: `member:${caller.member.code}`,
          });
          record.fields = fields.filter((f) => !result.withheld?.includes(f));
          // This platform's own audit names whose record was asked for, as the peer's does.
          const subject = filter.idNumber ?? filter.holderId ?? filter.creditCode;
          if (typeof subject === "string") record.subjectId = subject;
          return result;
        },
      );
      return sendAnswer(reply, answer);
    },
  );
};

export default federationApiRoutes;
