import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { CITIZEN_API, errorResponses, PUBLIC_API } from "../../platform/http/api-schema.ts";
import { Invalid } from "../../platform/http/errors.ts";
import { FormBody, formText } from "../../platform/http/form-input.ts";
import { idParam } from "../../platform/http/params.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { renderDocument } from "../../web/render.ts";
import { citizenOnly } from "../accounts/index.ts";
import { pageContext, siteOf } from "../sites/index.ts";
import { LICENCE_KINDS } from "./catalogue.ts";
import type { LicencesDeps } from "./deps.ts";
import { UnknownLicence, UnknownStatusList } from "./errors.ts";
import type { Licence } from "./service.ts";
import { LicencePage, PresentationPage, VerifyPage, WalletPage } from "./views/wallet-pages.tsx";
import { HALL_MEMBER } from "../exchange/index.ts";
import { BadLicenceInput } from "./errors.ts";
import type { ConsentInput } from "./consents.ts";
import { pageParam } from "../../platform/http/params.ts";

const TAG = ["电子证照"];
const B64 = "^[A-Za-z0-9+/]{43}=$";

const LicenceJson = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: "证照类型代码" }),
  kindName: Type.String(),
  vct: Type.String(),
  department: Type.String({ description: "发证部门" }),
  status: Type.Union([Type.Literal("valid"), Type.Literal("revoked"), Type.Literal("suspended")]),
  issuedAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  status_list: Type.Object({ idx: Type.Integer(), uri: Type.String() }),
  leafHash: Type.String({ description: "透明日志中的叶哈希（base64）" }),
  sdJwt: Type.String({ description: "完整的 SD-JWT VC（签发方 JWT ~ 全部披露项 ~）" }),
  items: Type.Array(Type.Object({ name: Type.String(), label: Type.String() })),
});

const VerifyResult = Type.Object({
  result: Type.Union(
    [
      Type.Literal("valid"),
      Type.Literal("revoked"),
      Type.Literal("suspended"),
      Type.Literal("expired"),
      Type.Literal("forged"),
    ],
    { description: "valid 有效 | revoked 已注销 | suspended 已暂停 | expired 已过期 | forged 伪造或篡改" },
  ),
  reason: Type.Optional(
    Type.String({
      description:
        "forged 的原因：malformed | unknown_key | bad_signature | disclosure_not_issued | holder_binding_missing | holder_binding_invalid | presentation_stale | nonce_mismatch | audience_mismatch | status_unavailable",
    }),
  ),
  claims: Type.Record(Type.String(), Type.Unknown(), { description: "持证人出示的信息项" }),
  vct: Type.Optional(Type.String()),
  issuedAt: Type.Optional(Type.Integer()),
  expiresAt: Type.Optional(Type.Integer()),
});

const TreeHeadJson = Type.Object({
  treeSize: Type.Integer(),
  rootHash: Type.String({ description: "RFC 9162 树根哈希（base64）" }),
  timestamp: Type.Integer({ description: "签名时间（毫秒）" }),
  signature: Type.String({
    description: "日志密钥的紧凑 JWS（EdDSA，typ sth+jwt），载荷为 {treeSize, rootHash, timestamp}",
  }),
});

function toJson(l: Licence) {
  return {
    id: l.id,
    kind: l.kind.code,
    kindName: l.kind.name,
    vct: l.vct,
    department: l.department,
    status: l.status,
    issuedAt: l.issuedAt,
    expiresAt: l.expiresAt,
    status_list: { idx: l.statusIdx, uri: l.statusUri },
    leafHash: l.leafHash,
    sdJwt: l.sdJwt,
    items: l.kind.items.map((i) => ({ name: i.name, label: i.label })),
  };
}

const LABELS: Record<string, string> = Object.fromEntries(
  LICENCE_KINDS.flatMap((k) => k.items.map((i) => [i.name, i.label])),
);

/** Wallet, 亮证 and verification pages; the holder, verifier, issuer-metadata and log APIs. */
const licencesRoutes: FastifyPluginAsyncTypebox<{ deps: LicencesDeps }> = async (app, { deps }) => {
  const { licences } = deps;
  const SiteParams = Type.Object({ site: Type.String({ maxLength: 40 }) });
  const LicenceParams = Type.Object({
    site: Type.String({ maxLength: 40 }),
    id: Type.String({ maxLength: 20 }),
  });
  /** Whom a holder may authorise: active member systems of the exchange, or a department of them. */
  const granteeChoices = async () => {
    const members = (await deps.exchange.members()).filter(
      (m) => m.status === "active" && m.code !== HALL_MEMBER.code,
    );
    return [
      ...members.map((m) => ({ value: `member:${m.code}`, label: `${m.name}（${m.department}）` })),
      ...[...new Set(members.map((m) => m.department))].map((d) => ({
        value: `department:${d}`,
        label: `${d}（该部门的全部接入系统）`,
      })),
    ];
  };
  const consentInput = async (body: {
    grantee?: string;
    purpose?: string;
    caseNo?: string;
    validFrom?: string;
    validUntil?: string;
  }): Promise<ConsentInput> => {
    const choice = (await granteeChoices()).find((c) => c.value === body.grantee);
    const [kind, ...rest] = (choice?.value ?? ":").split(":");
    return {
      granteeKind: kind === "department" ? "department" : "member",
      grantee: choice ? rest.join(":") : "",
      granteeName: choice?.label ?? "",
      purpose: body.purpose ?? "",
      caseNo: body.caseNo ?? null,
      validFrom: body.validFrom ?? "",
      validUntil: body.validUntil ?? "",
    };
  };
  const consentJson = (c: Awaited<ReturnType<typeof deps.licenceConsents.consentsPage>>["rows"][number]) => ({
    id: c.id,
    licenceId: c.licenceId,
    licenceKindName: c.licenceKindName,
    granteeKind: c.granteeKind,
    grantee: c.grantee,
    granteeName: c.granteeName,
    purpose: c.purpose,
    caseNo: c.caseNo,
    validFrom: c.validFrom,
    validUntil: c.validUntil,
    state: c.state,
  });
  const ConsentJson = Type.Object({
    id: Type.Integer(),
    licenceId: Type.Integer(),
    licenceKindName: Type.String(),
    granteeKind: Type.String({ description: "member 接入系统 | department 部门" }),
    grantee: Type.String(),
    granteeName: Type.String(),
    purpose: Type.String(),
    caseNo: Type.Union([Type.String(), Type.Null()]),
    validFrom: Type.String(),
    validUntil: Type.String(),
    state: Type.String({ description: "active 有效 | revoked 已撤回 | expired 已过期 | pending 未生效" }),
  });
  const ConsentBody = Type.Object({
    grantee: Type.String({ maxLength: 300, description: "member:<接入系统代码> 或 department:<部门名称>" }),
    purpose: Type.String({ maxLength: 400 }),
    caseNo: Type.Optional(Type.String({ maxLength: 64, description: "只允许为该办件编号调取（可选）" })),
    validFrom: Type.String({ maxLength: 40, description: "YYYY-MM-DD（中国时间）" }),
    validUntil: Type.String({ maxLength: 40, description: "YYYY-MM-DD（含当日）" }),
  });

  const knownSite = async (request: { params: { site: string } }) => {
    await siteOf(deps, request.params.site);
  };

  // —— issuer metadata and status lists ——
  app.get(
    "/.well-known/jwt-vc-issuer",
    {
      schema: {
        operationId: "licencesIssuerMetadata",
        ...PUBLIC_API,
        tags: TAG,
        summary: "SD-JWT VC 签发方元数据（含 JWKS：签发密钥与透明日志密钥）",
        response: {
          200: Type.Object({
            issuer: Type.String(),
            jwks: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }),
          }),
        },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "public, max-age=300");
      return licences.issuerMetadata();
    },
  );

  app.get(
    "/api/licences/status-lists/:id",
    {
      schema: {
        operationId: "licencesStatusList",
        ...PUBLIC_API,
        tags: TAG,
        summary: "证照状态列表令牌（IETF Token Status List，typ statuslist+jwt）",
        description:
          "每个列表 131072 项、每项 2 位：0 有效，1 已注销，2 已暂停。核验方可缓存 ttl 秒后离线使用。",
        params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
        response: { 200: Type.String({ description: "签名的状态列表 JWT" }), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const id = idParam(request.params.id);
      const token = id === null ? null : await licences.statusListToken(id);
      if (!token) throw new UnknownStatusList();
      reply.header("content-type", "application/statuslist+jwt");
      reply.header("cache-control", "public, max-age=60");
      return token;
    },
  );

  app.get(
    "/api/licences/kinds",
    {
      schema: {
        operationId: "licencesKinds",
        ...PUBLIC_API,
        tags: TAG,
        summary: "电子证照目录（23 类）：信息项、发证部门、有效期",
        response: {
          200: Type.Array(
            Type.Object({
              code: Type.String(),
              name: Type.String(),
              department: Type.String(),
              holder: Type.String({ description: "person 个人 | enterprise 法人" }),
              validityYears: Type.Union([Type.Integer(), Type.Null()], { description: "null 为长期" }),
              vct: Type.String(),
              items: Type.Array(
                Type.Object({ name: Type.String(), label: Type.String(), type: Type.String() }),
              ),
            }),
          ),
        },
      },
    },
    async () =>
      licences.kinds().map((k) => ({
        code: k.code,
        name: k.name,
        department: k.department,
        holder: k.holder,
        validityYears: k.validityYears,
        vct: licences.vctOf(k),
        items: k.items.map((i) => ({ name: i.name, label: i.label, type: i.type })),
      })),
  );

  // —— verification ——
  app.post(
    "/api/licences/verify",
    {
      schema: {
        operationId: "licencesVerify",
        ...PUBLIC_API,
        tags: TAG,
        summary: "核验亮证码（SD-JWT VC 出示，含持证人绑定 KB-JWT）",
        description:
          "验证签发签名、披露项摘要、持证人绑定签名（5 分钟内有效）、有效期和状态列表。任何无效输入都答复 forged 及原因，不会报错。",
        body: Type.Object({
          presentation: Type.String({ maxLength: 20_000 }),
          nonce: Type.Optional(
            Type.String({ maxLength: 200, description: "核验方给出的随机数（在线核验时）" }),
          ),
          aud: Type.Optional(Type.String({ maxLength: 500, description: "核验方标识（在线核验时）" })),
        }),
        response: { 200: VerifyResult, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { presentation, nonce, aud } = request.body;
      return licences.verify(presentation, { nonce, aud });
    },
  );

  // —— the holder's API ——
  app.get(
    "/api/licences/mine",
    {
      schema: {
        operationId: "licencesMine",
        ...CITIZEN_API,
        tags: TAG,
        summary: "我的电子证照（含完整 SD-JWT）",
        response: { 200: Type.Array(LicenceJson), ...errorResponses(401) },
      },
      preHandler: citizenOnly(deps),
    },
    async (request, reply) => {
      reply.header("cache-control", "private, no-store");
      return (await licences.mine(request.citizen.account.id)).map(toJson);
    },
  );

  app.post(
    "/api/licences/:id/present",
    {
      schema: {
        operationId: "licencesPresent",
        ...CITIZEN_API,
        tags: TAG,
        summary: "亮证：只出示选定的信息项，生成 5 分钟有效的出示（含 KB-JWT）和二维码",
        params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
        body: Type.Object({
          disclose: Type.Array(Type.String({ maxLength: 60 }), { maxItems: 40 }),
          aud: Type.Optional(Type.String({ maxLength: 500 })),
          nonce: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: {
          200: Type.Object({
            presentation: Type.String(),
            qr: Type.String({ description: "二维码（SVG data URL）" }),
            expiresAt: Type.Integer(),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
      // The schema's array would take a lone string as a one-item list (Ajv's coerceTypes "array"):
      // a client that sends {"disclose": "name"} has the contract wrong and is told so.
      preValidation: async (request) => {
        const body = request.body as { disclose?: unknown } | null | undefined;
        if (body && typeof body === "object" && "disclose" in body && !Array.isArray(body.disclose))
          throw new BadLicenceInput(
            'disclose 应为要出示的信息项名称的数组，例如 ["name", "ageOver18"]',
            { disclose: "应为数组（JSON 列表），不能是单个文本或其他类型" },
            "invalid_input",
          );
      },
      preHandler: citizenOnly(deps),
    },
    async (request, reply) => {
      const id = idParam(request.params.id);
      if (id === null) throw new UnknownLicence();
      reply.header("cache-control", "private, no-store");
      const { disclose, aud, nonce } = request.body;
      return licences.present(id, request.citizen.account.id, disclose, { aud, nonce });
    },
  );

  // —— holder consents and the fetch log ——
  app.get(
    "/api/licences/consents",
    {
      schema: {
        operationId: "licencesConsents",
        ...CITIZEN_API,
        tags: TAG,
        summary: "我授权他人调取证照的记录（分页）",
        querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) }),
        response: {
          200: Type.Object({ rows: Type.Array(ConsentJson), total: Type.Integer() }),
          ...errorResponses(401),
        },
      },
      preHandler: citizenOnly(deps),
    },
    async (request, reply) => {
      reply.header("cache-control", "private, no-store");
      const asked = request.query.page ?? 1;
      const page = await deps.licenceConsents.consentsPage(request.citizen.account.id, asked);
      // An API client pages until a page comes back empty: past the end is empty, not the last page.
      return { rows: page.page === asked ? page.rows.map(consentJson) : [], total: page.total };
    },
  );

  app.post(
    "/api/licences/:id/consents",
    {
      schema: {
        operationId: "licencesGrantConsent",
        ...CITIZEN_API,
        tags: TAG,
        summary: "授权一个接入系统或部门在一段时间内为某一用途调取这张证照",
        params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
        body: ConsentBody,
        response: { 200: ConsentJson, ...errorResponses(400, 401, 403, 404) },
      },
      preHandler: citizenOnly(deps),
    },
    async (request, reply) => {
      const id = idParam(request.params.id);
      if (id === null) throw new UnknownLicence();
      reply.header("cache-control", "private, no-store");
      const consent = await deps.licenceConsents.grant(
        request.citizen.account.id,
        id,
        await consentInput(request.body),
      );
      return consentJson(consent);
    },
  );

  app.post(
    "/api/licences/consents/:id/revoke",
    {
      schema: {
        operationId: "licencesRevokeConsent",
        ...CITIZEN_API,
        tags: TAG,
        summary: "撤回授权（立即生效）",
        params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
        response: { 200: Type.Object({ revoked: Type.Boolean() }), ...errorResponses(401, 403, 404) },
      },
      preHandler: citizenOnly(deps),
    },
    async (request) => {
      const id = idParam(request.params.id);
      if (id === null) throw new BadLicenceInput("授权编号有误");
      await deps.licenceConsents.revoke(request.citizen.account.id, id);
      return { revoked: true };
    },
  );

  app.get(
    "/api/licences/fetches",
    {
      schema: {
        operationId: "licencesFetches",
        ...CITIZEN_API,
        tags: TAG,
        summary: "谁查看了我的证照：每次调取或使用（含被拒绝的），最新在前（分页）",
        querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) }),
        response: {
          200: Type.Object({
            rows: Type.Array(
              Type.Object({
                at: Type.String(),
                licenceId: Type.Integer(),
                licenceKindName: Type.String(),
                member: Type.String(),
                memberName: Type.String(),
                department: Type.String(),
                caseNo: Type.String(),
                channel: Type.String({ description: "hub 数据共享交换平台调取 | hall 一网通办办件使用" }),
                result: Type.String({ description: "served 已提供 | refused 已拒绝" }),
                reason: Type.String(),
              }),
            ),
            total: Type.Integer(),
          }),
          ...errorResponses(401),
        },
      },
      preHandler: citizenOnly(deps),
    },
    async (request, reply) => {
      reply.header("cache-control", "private, no-store");
      const asked = request.query.page ?? 1;
      const page = await deps.licenceConsents.fetchesPage(request.citizen.account.id, asked);
      return {
        rows: (page.page === asked ? page.rows : []).map((r) => ({
          at: r.at,
          licenceId: r.licenceId,
          licenceKindName: r.licenceKindName,
          member: r.member,
          memberName: r.memberName,
          department: r.department,
          caseNo: r.caseNo,
          channel: r.channel,
          result: r.result,
          reason: r.reason,
        })),
        total: page.total,
      };
    },
  );

  // —— the transparency log ——
  app.get(
    "/api/licences/log/sth",
    {
      schema: {
        operationId: "licencesLogSth",
        ...PUBLIC_API,
        tags: TAG,
        summary: "透明日志的签名树头（不带 treeSize 为当前树；带 treeSize 为保存的该大小的树头）",
        querystring: Type.Object({ treeSize: Type.Optional(Type.Integer({ minimum: 0 })) }),
        response: { 200: TreeHeadJson, ...errorResponses(400, 404) },
      },
    },
    async (request) =>
      request.query.treeSize === undefined
        ? licences.publishTreeHead()
        : licences.keptTreeHead(request.query.treeSize),
  );

  app.get(
    "/api/licences/log/proof",
    {
      schema: {
        operationId: "licencesLogProof",
        ...PUBLIC_API,
        tags: TAG,
        summary: "包含证明（RFC 9162 审计路径）",
        querystring: Type.Object({
          leafHash: Type.String({ pattern: B64, description: "叶哈希 SHA-256(0x00 || 叶数据)，base64" }),
          treeSize: Type.Integer({ minimum: 1 }),
        }),
        response: {
          200: Type.Object({ leafIndex: Type.Integer(), auditPath: Type.Array(Type.String()) }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => licences.inclusion(request.query.leafHash, request.query.treeSize),
  );

  app.get(
    "/api/licences/log/consistency",
    {
      schema: {
        operationId: "licencesLogConsistency",
        ...PUBLIC_API,
        tags: TAG,
        summary: "一致性证明（RFC 9162）：大小为 first 的树是大小为 second 的树的前缀",
        querystring: Type.Object({
          first: Type.Integer({ minimum: 0 }),
          second: Type.Integer({ minimum: 0 }),
        }),
        response: { 200: Type.Object({ proof: Type.Array(Type.String()) }), ...errorResponses(400) },
      },
    },
    async (request) => licences.consistency(request.query.first, request.query.second),
  );

  // —— pages ——
  app.get(
    "/sites/:site/account/licences",
    {
      schema: {
        hide: true,
        params: SiteParams,
        querystring: Type.Object({
          cpage: Type.Optional(Type.String({ maxLength: 6 })),
          fpage: Type.Optional(Type.String({ maxLength: 6 })),
        }),
      },
      preHandler: [knownSite, citizenOnly(deps)],
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const ctx = await pageContext(deps, site, request);
      reply.header("cache-control", "private, no-store");
      const mine = await licences.mine(request.citizen.account.id);
      const q = request.query as { cpage?: string; fpage?: string };
      const cpage = pageParam(q.cpage);
      const fpage = pageParam(q.fpage);
      const consents = await deps.licenceConsents.consentsPage(request.citizen.account.id, cpage, 10);
      const fetches = await deps.licenceConsents.fetchesPage(request.citizen.account.id, fpage, 10);
      return sendHtml(
        reply,
        renderDocument(
          <WalletPage
            ctx={ctx}
            licences={mine}
            consents={consents}
            fetches={fetches}
            csrf={request.citizen.session.csrf}
          />,
        ),
      );
    },
  );

  const ownLicence = async (id: string, accountId: number) => {
    const licenceId = idParam(id);
    const licence = licenceId === null ? undefined : await licences.byId(licenceId);
    if (!licence || licence.holderAccountId !== accountId) throw new UnknownLicence();
    return licence;
  };

  app.get(
    "/sites/:site/account/licences/:id",
    { schema: { hide: true, params: LicenceParams }, preHandler: [knownSite, citizenOnly(deps)] },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const licence = await ownLicence(request.params.id, request.citizen.account.id);
      const ctx = await pageContext(deps, site, request);
      reply.header("cache-control", "private, no-store");
      return sendHtml(
        reply,
        renderDocument(
          <LicencePage
            ctx={ctx}
            licence={licence}
            csrf={request.citizen.session.csrf}
            grantees={await granteeChoices()}
          />,
        ),
      );
    },
  );

  app.post(
    "/sites/:site/account/licences/:id/present",
    {
      schema: { hide: true, params: LicenceParams, body: FormBody },
      preHandler: [knownSite, citizenOnly(deps)],
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const licence = await ownLicence(request.params.id, request.citizen.account.id);
      const ctx = await pageContext(deps, site, request);
      const raw = request.body.disclose;
      const disclose = (Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : []).slice(0, 40);
      reply.header("cache-control", "private, no-store");
      try {
        const { presentation, qr } = await licences.present(licence.id, request.citizen.account.id, disclose);
        const labels = licence.kind.items.filter((i) => disclose.includes(i.name)).map((i) => i.label);
        return sendHtml(
          reply,
          renderDocument(
            <PresentationPage
              ctx={ctx}
              licence={licence}
              presentation={presentation}
              qr={qr}
              items={labels}
            />,
          ),
        );
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        reply.status(400);
        return sendHtml(
          reply,
          renderDocument(
            <LicencePage
              ctx={ctx}
              licence={licence}
              csrf={request.citizen.session.csrf}
              error={error.fields.disclose ?? error.message}
              grantees={await granteeChoices()}
            />,
          ),
        );
      }
    },
  );

  app.post(
    "/sites/:site/account/licences/:id/consents",
    {
      schema: { hide: true, params: LicenceParams, body: FormBody },
      preHandler: [knownSite, citizenOnly(deps)],
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const licence = await ownLicence(request.params.id, request.citizen.account.id);
      const form = {
        grantee: formText(request.body, "grantee", 300),
        purpose: formText(request.body, "purpose", 400),
        caseNo: formText(request.body, "caseNo", 64),
        validFrom: formText(request.body, "validFrom", 40),
        validUntil: formText(request.body, "validUntil", 40),
      };
      reply.header("cache-control", "private, no-store");
      try {
        await deps.licenceConsents.grant(request.citizen.account.id, licence.id, await consentInput(form));
        return reply.redirect(`${deps.sites.base(site)}/account/licences?granted=1#consents`, 303);
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        const ctx = await pageContext(deps, site, request);
        reply.status(400);
        return sendHtml(
          reply,
          renderDocument(
            <LicencePage
              ctx={ctx}
              licence={licence}
              csrf={request.citizen.session.csrf}
              grantees={await granteeChoices()}
              consentForm={form}
              consentErrors={error.fields}
            />,
          ),
        );
      }
    },
  );

  app.post(
    "/sites/:site/account/licences/consents/:id/revoke",
    {
      schema: { hide: true, params: LicenceParams, body: FormBody },
      preHandler: [knownSite, citizenOnly(deps)],
    },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const id = idParam(request.params.id);
      if (id === null) throw new UnknownLicence();
      await deps.licenceConsents.revoke(request.citizen.account.id, id);
      return reply.redirect(`${deps.sites.base(site)}/account/licences?revoked=1#consents`, 303);
    },
  );

  app.get(
    "/sites/:site/licences/verify",
    { schema: { hide: true, params: SiteParams } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const ctx = await pageContext(deps, site, request);
      return sendHtml(reply, renderDocument(<VerifyPage ctx={ctx} />));
    },
  );

  app.post(
    "/sites/:site/licences/verify",
    { schema: { hide: true, params: SiteParams, body: FormBody } },
    async (request, reply) => {
      const site = await siteOf(deps, request.params.site);
      const ctx = await pageContext(deps, site, request);
      const presentation = formText(request.body, "presentation", 20_000).trim();
      // The platform's own verifier accepts only presentations made for it (no replay of one shown elsewhere).
      const verification = await licences.verify(presentation, { aud: licences.verifierAudience });
      reply.header("cache-control", "no-store");
      return sendHtml(
        reply,
        renderDocument(
          <VerifyPage ctx={ctx} presentation={presentation} verification={verification} labels={LABELS} />,
        ),
      );
    },
  );
};

export default licencesRoutes;
