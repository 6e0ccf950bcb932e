import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { errorResponses, EXCHANGE_API } from "../../platform/http/api-schema.ts";
import { acceptRawBodies, incomingCall, REQUIRED_COMPONENTS, sendAnswer } from "../exchange/index.ts";
import type { HolderLookup } from "./consents.ts";
import type { LicencesDeps } from "./deps.ts";

const TAG = ["电子证照", "数据共享交换"];
const SIGNED = `以 HTTP Message Signatures（RFC 9421）签名，覆盖 ${REQUIRED_COMPONENTS.map((c) => `"${c}"`).join(" ")}，带 Content-Digest 和 Exchange-Purpose（case 为办件编号），与资源查询相同；每次调用都记入交换审计日志，应答由平台签名。`;

/**
 * Licence resources on the exchange hub: member systems fetch a licence under its holder's consent and,
 * with an issuer grant, issue licences. Both run inside the hub's signed-call frame (signature,
 * digest, purpose, nonce, audit, signed answer: ExchangeService.handleSigned).
 */
const licenceHubRoutes: FastifyPluginAsyncTypebox<{ deps: LicencesDeps }> = async (app, { deps }) => {
  acceptRawBodies(app);
  const lookup: HolderLookup = async (holder, kind) => {
    const account =
      kind.holder === "person"
        ? await deps.accounts.byIdNumber(holder)
        : await deps.accounts.byCreditCode(holder);
    if (!account || !account.verified) return undefined;
    const subjectId = kind.holder === "person" ? account.idNumber : account.creditCode;
    return subjectId ? { id: account.id, subjectId: subjectId.toUpperCase() } : undefined;
  };

  app.post(
    "/api/exchange/v1/licences/fetch",
    {
      config: { rateLimit: { max: 600, timeWindow: "1 minute" } },
      schema: {
        operationId: "licencesHubFetch",
        ...EXCHANGE_API,
        tags: TAG,
        summary: "调取电子证照（须持证人授权；签名调用）",
        description: `请求体 \`{"licence": 证照ID}\` 或 \`{"kind": 证照类型代码, "holder": 身份证号码或统一社会信用代码}\`，二者只能取其一（同时给出或有其他键时 400 body_invalid）。${SIGNED}只有持证人授权本接入系统（或其所属部门）在有效期内、为该用途调取时才返回证照，否则 403：no_consent、consent_revoked、consent_expired、consent_not_yet_valid。每次调取都在持证人的“谁查看了我的证照”中可见。`,
        response: {
          200: Type.Object({
            licence: Type.Object({
              id: Type.Integer(),
              kind: Type.String(),
              kindName: Type.String(),
              vct: Type.String(),
              status: Type.String(),
              issuedAt: Type.String(),
              expiresAt: Type.Union([Type.String(), Type.Null()]),
              sdJwt: Type.String({
                description: "SD-JWT VC（签发方 JWT ~ 披露项 ~），可按 /.well-known/jwt-vc-issuer 验证",
              }),
              claims: Type.Record(Type.String(), Type.Unknown()),
            }),
            consent: Type.Object({ id: Type.Integer(), purpose: Type.String(), validUntil: Type.String() }),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) =>
      sendAnswer(
        reply,
        await deps.exchange.handleSigned("licences:fetch", incomingCall(request), (caller, body, record) =>
          deps.licenceConsents.fetchOverHub(caller, body, record, lookup),
        ),
      ),
  );

  app.post(
    "/api/exchange/v1/licences/issue",
    {
      config: { rateLimit: { max: 600, timeWindow: "1 minute" } },
      schema: {
        operationId: "licencesHubIssue",
        ...EXCHANGE_API,
        tags: TAG,
        summary: "签发电子证照（须有该类证照的签发授权；签名调用）",
        description: `请求体 \`{"kind": 证照类型代码, "holder": 身份证号码或统一社会信用代码, "claims": {…}, "holderPublicJwk"?: Ed25519 公钥}\`。${SIGNED}没有签发授权时 403 no_issuer_grant。claims 只能含该类证照的信息项（否则 400 unknown_claims），每项须为其类型（文本、YYYY-MM-DD 日期文本、布尔值；否则 400 claim_type）；性别只能是男或女；年满18周岁、年满60周岁由出生日期在签发日算出，给出的值与之矛盾时 400；出生日期、性别须与公民身份号码一致。holderPublicJwk 须为 Ed25519 公钥 JWK（kty OKP、crv Ed25519、x 为32字节 base64url），不得含私钥 d（否则 400 invalid_holder_key）。签发与控制台签发相同：记入审计日志和透明日志。`,
        response: {
          200: Type.Object({
            id: Type.Integer(),
            kind: Type.String(),
            vct: Type.String(),
            sdJwt: Type.String(),
            leafHash: Type.String(),
            status_list: Type.Object({ idx: Type.Integer(), uri: Type.String() }),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) =>
      sendAnswer(
        reply,
        await deps.exchange.handleSigned("licences:issue", incomingCall(request), (caller, body, record) =>
          deps.licenceConsents.issueOverHub(caller, body, record, lookup),
        ),
      ),
  );
};

export default licenceHubRoutes;
