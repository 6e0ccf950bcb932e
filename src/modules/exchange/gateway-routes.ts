import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ExchangeDeps } from "./deps.ts";
import { errorResponses, EXCHANGE_API } from "../../platform/http/api-schema.ts";
import { acceptRawBodies, incomingCall, sendAnswer } from "./gateway-kit.ts";
import { MAX_SKEW_SECONDS, REQUIRED_COMPONENTS } from "./service.ts";

/**
 * The signed query gateway. The body is kept as raw bytes (its Content-Digest is checked against
 * exactly what was sent), so this plugin replaces the JSON parser with a byte parser.
 */
const gatewayRoutes: FastifyPluginAsyncTypebox<{ deps: ExchangeDeps }> = async (app, { deps }) => {
  acceptRawBodies(app);

  app.post(
    "/api/exchange/v1/resources/:code/query",
    {
      config: { rateLimit: { max: 600, timeWindow: "1 minute" } },
      schema: {
        operationId: "exchangeQuery",
        ...EXCHANGE_API,
        tags: ["数据共享交换"],
        summary: "查询一项资源（签名调用）",
        description: [
          '请求体 `{"filter": {…}, "fields": […]}`，以 HTTP Message Signatures（RFC 9421，ed25519；登记了 SM2 公钥的国密接入系统用 `sm2-sm3`，即 GB/T 32918.2 SM2 签名、SM3 杂凑、默认用户标识 1234567812345678，签名值为 r‖s 64 字节）签名，',
          `覆盖 ${REQUIRED_COMPONENTS.map((c) => `"${c}"`).join(" ")}，参数 created、keyid、nonce；`,
          'Content-Digest 按 RFC 9530（sha-256）；`Exchange-Purpose: case="<办件编号>", basis="<法律依据>"`（RFC 9651 字典，中文用 Display String，如 `basis=%"%e3%80%8a…"`）。',
          `created 与平台时间相差不得超过 ${MAX_SKEW_SECONDS} 秒，nonce 不得重复。只返回已授权字段；`,
          '应答由平台签名（覆盖 "@status" "content-digest"），公钥见 /api/exchange/keys。每次调用（含被拒绝的）都记入审计日志。',
        ].join(""),
        params: Type.Object({ code: Type.String({ maxLength: 100 }) }),
        response: {
          200: Type.Object({
            resource: Type.String(),
            records: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            withheld: Type.Optional(
              Type.Array(Type.String(), { description: "请求了但未授权、未返回的字段" }),
            ),
          }),
          ...errorResponses(400, 401, 403, 404, 413, 429),
        },
      },
    },
    async (request, reply) =>
      sendAnswer(reply, await deps.exchange.query(request.params.code, incomingCall(request))),
  );
};

export default gatewayRoutes;
