import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { JWK } from "jose";
import { Forbidden, Invalid, notFound } from "../../platform/http/errors.ts";
import { FormBody, formText, type FormValues } from "../../platform/http/form-input.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { idParam, IdParams, pageParam } from "../../platform/http/params.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { chinaDayStart } from "../../platform/time/china-time.ts";
import { renderDocument } from "../../web/render.ts";
import { adminView, guardStaffArea, sitesWithRole } from "../staff/index.ts";
import type { ExchangeDeps } from "./deps.ts";
import { ExchangeConsolePage, type GrantForm, type MemberForm } from "./views/admin-pages.tsx";
import { AccessRequests, HUB_DEPARTMENT, REQUEST_STATUS_LABEL, type ExchangeScope } from "./requests.ts";
import {
  NewRequestPage,
  RequestDetailPage,
  RequestListPage,
  type RequestForm,
} from "./views/request-pages.tsx";
import type { AccessRequestStatus } from "./tables.ts";
import { exchangeChartSvg, type ChartName } from "./charts.ts";

function formList(values: FormValues, key: string): string[] {
  const v = values[key];
  const list = Array.isArray(v) ? (v as readonly string[]) : typeof v === "string" ? [v] : [];
  return list.filter((x) => typeof x === "string" && x.length <= 100).slice(0, 200);
}

const PAGE = 20;

/**
 * The exchange console: figures, member systems, grants and access requests. Operators see everything;
 * a data officer (数据管理员) sees their own departments' members, resources and requests; the portal's
 * data officers are the data authority (compliance checks, disputes). Every staff action is audited.
 */
const exchangeAdminRoutes: FastifyPluginAsyncTypebox<{ deps: ExchangeDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { exchange } = deps;

  /** Who acts, and for which departments; other roles get a forbidden page. */
  const scopeOf = (request: FastifyRequest): ExchangeScope => {
    const { staff } = request.staff;
    const siteIds = sitesWithRole(staff, "data_officer");
    if (siteIds === null) return { actor: staff.username, all: true, authority: true, departments: [] };
    const names = siteIds.flatMap((id) => {
      const site = deps.sites.byId(id);
      return site ? [site.name] : [];
    });
    if (names.length === 0)
      throw new Forbidden(
        "数据共享交换控制台仅供数据管理员和平台运维使用；如需使用，请联系站点管理员授予“数据管理员”角色",
      );
    const portal = deps.sites.portalSite();
    const authority = !!portal && siteIds.includes(portal.id);
    return {
      actor: staff.username,
      all: false,
      authority,
      departments: authority ? [...names, HUB_DEPARTMENT] : names,
    };
  };
  const operator = (request: FastifyRequest): ExchangeScope => {
    const scope = scopeOf(request);
    if (!scope.all) throw new Forbidden("只有平台运维可以直接新增授权；各部门请通过共享申请获得授权");
    return scope;
  };
  const departmentsOf = (scope: ExchangeScope) => (scope.all ? null : scope.departments);

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: {
      errors?: Record<string, string>;
      memberForm?: MemberForm;
      grantForm?: GrantForm;
      notice?: string;
    } = {},
  ) {
    const scope = scopeOf(request);
    const q = request.query as { mpage?: string; gpage?: string };
    const mpage = pageParam(q.mpage);
    const gpage = pageParam(q.gpage);
    // The console checks the recent tail; `npm run audit:verify` walks the whole chain.
    const head = await exchange.audit.head();
    const verification = await exchange.audit.verify(undefined, { fromSeq: (head?.seq ?? 0) - 5000 });
    const members = await exchange.memberPage(departmentsOf(scope), mpage, PAGE);
    const grants = await exchange.grantPage(departmentsOf(scope), gpage, PAGE);
    const data = {
      figures: await figuresFor(scope),
      members: members.rows,
      membersTotal: members.total,
      mpage,
      grants: grants.rows,
      grantsTotal: grants.total,
      gpage,
      expiring: await exchange.expiringGrants(departmentsOf(scope)),
      allMembers: (await exchange.members()).filter(
        (m) => scope.all || scope.departments.includes(m.department),
      ),
      resources: await exchange.catalogue(),
      requests: {
        counts: await exchange.requests.counts(scope),
        overdue: await exchange.requests.countOverdue(scope),
      },
      scope,
      audit: { ok: verification.ok, checked: verification.checked, problems: verification.findings.length },
    };
    return sendHtml(
      reply,
      renderDocument(<ExchangeConsolePage ctx={adminView(request)} data={data} {...extra} />),
    );
  }

  async function figuresFor(scope: ExchangeScope) {
    if (scope.all) return exchange.figures();
    const members = (await exchange.members()).filter((m) => scope.departments.includes(m.department));
    const resources = (await exchange.catalogue()).filter((r) => scope.departments.includes(r.provider));
    return exchange.figures(30, {
      members: members.map((m) => m.code),
      resources: resources.map((r) => r.code),
    });
  }

  app.get("/admin/exchange", { schema: { hide: true } }, async (request, reply) => {
    scopeOf(request);
    const q = request.query as { done?: string };
    return page(request, reply, { notice: q.done === "1" ? "已保存。" : undefined });
  });

  app.post("/admin/exchange/members", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const scope = scopeOf(request);
    const b = request.body;
    const memberForm: MemberForm = {
      code: formText(b, "code", 40).trim(),
      name: formText(b, "name", 100).trim(),
      department: formText(b, "department", 100).trim(),
      publicJwk: formText(b, "publicJwk", 2000).trim(),
    };
    return handleForm({
      parse: () => {
        const errors: Record<string, string> = {};
        if (!/^[a-z0-9][a-z0-9-]{1,39}$/.test(memberForm.code!))
          errors.code = "系统代码应为2～40位小写字母、数字或连字符";
        if (!memberForm.name) errors.name = "请填写系统名称";
        if (!memberForm.department) errors.department = "请填写所属部门";
        else if (!AccessRequests.actsFor(scope, memberForm.department))
          errors.department = `只能为本部门登记接入系统（${scope.departments.join("、")}）`;
        let jwk: JWK | null = null;
        try {
          jwk = JSON.parse(memberForm.publicJwk!) as JWK;
        } catch {
          errors.publicJwk = "公钥应为 JSON 格式的 JWK";
        }
        const ed25519 = jwk?.kty === "OKP" && jwk.crv === "Ed25519" && typeof jwk.x === "string";
        const sm2 =
          jwk?.kty === "EC" && jwk.crv === "SM2" && typeof jwk.x === "string" && typeof jwk.y === "string";
        if (jwk && (!(ed25519 || sm2) || "d" in jwk))
          errors.publicJwk =
            "公钥应为 Ed25519 公钥（kty 为 OKP，crv 为 Ed25519）或国密 SM2 公钥（kty 为 EC，crv 为 SM2，含 x、y），不得包含私钥 d";
        if (Object.keys(errors).length > 0) throw new Invalid("登记信息有误", errors);
        return {
          code: memberForm.code!,
          name: memberForm.name!,
          department: memberForm.department!,
          publicJwk: jwk!,
        };
      },
      run: async (input) => {
        if (await exchange.memberByCode(input.code))
          throw new Invalid("系统代码已被使用", { code: "系统代码已被使用" });
        return exchange.registerMember(input, scope.actor);
      },
      onSuccess: () => reply.redirect("/admin/exchange?done=1", 303),
      rerender: (problem) => {
        reply.status(problem.status);
        return page(request, reply, { errors: problem.errors, memberForm });
      },
    });
  });

  app.post(
    "/admin/exchange/members/:id/revoke",
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const scope = scopeOf(request);
      const id = idParam(request.params.id);
      const member = id == null ? undefined : await exchange.memberById(id);
      if (!member || !AccessRequests.actsFor(scope, member.department)) throw notFound("接入系统不存在");
      await exchange.revokeMember(member.id, scope.actor);
      return reply.redirect("/admin/exchange?done=1", 303);
    },
  );

  app.post("/admin/exchange/grants", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const scope = operator(request);
    const b = request.body;
    const grantForm: GrantForm = {
      memberId: formText(b, "memberId", 12),
      resourceCode: formText(b, "resourceCode", 40),
      purpose: formText(b, "purpose", 200).trim(),
      legalBasis: formText(b, "legalBasis", 300).trim(),
      expiresOn: formText(b, "expiresOn", 10),
      dailyQuota: formText(b, "dailyQuota", 10),
      fields: formList(b, "fields"),
    };
    return handleForm({
      parse: async () => {
        const errors: Record<string, string> = {};
        const members = await exchange.members();
        const member = members.find((m) => String(m.id) === grantForm.memberId && m.status === "active");
        if (!member) errors.memberId = "请选择接入系统";
        const resource = await exchange.resource(grantForm.resourceCode!);
        if (!resource || resource.shareClass === "none") errors.resourceCode = "请选择可共享的数据资源";
        const fields = (grantForm.fields ?? [])
          .filter((f) => f.startsWith(`${grantForm.resourceCode}:`))
          .map((f) => f.slice(grantForm.resourceCode!.length + 1))
          .filter((f) => resource?.fields.some((x) => x.name === f));
        if (fields.length === 0) errors.fields = "请至少勾选所选资源的一个字段";
        if (!grantForm.purpose) errors.purpose = "请填写用途";
        if (!grantForm.legalBasis) errors.legalBasis = "请填写法律依据";
        const expires = chinaDayStart(grantForm.expiresOn ?? "");
        if (!expires || expires.getTime() <= Date.now()) errors.expiresOn = "请选择今天以后的到期日期";
        const quota = Number(grantForm.dailyQuota);
        if (!Number.isInteger(quota) || quota < 1 || quota > 1_000_000)
          errors.dailyQuota = "每日限额应为1～1000000的整数";
        if (Object.keys(errors).length > 0) throw new Invalid("授权信息有误", errors);
        return {
          memberId: member!.id,
          resourceCode: resource!.code,
          fields,
          purpose: grantForm.purpose!,
          legalBasis: grantForm.legalBasis!,
          expiresAt: expires!.toISOString(),
          dailyQuota: quota,
        };
      },
      run: (input) => exchange.grant(input, scope.actor),
      onSuccess: () => reply.redirect("/admin/exchange?done=1", 303),
      rerender: (problem) => {
        reply.status(problem.status);
        return page(request, reply, { errors: problem.errors, grantForm });
      },
    });
  });

  app.post(
    "/admin/exchange/grants/:id/revoke",
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const scope = scopeOf(request);
      const id = idParam(request.params.id);
      const grant = id == null ? undefined : await exchange.grantById(id);
      if (
        !grant ||
        !(
          scope.all ||
          scope.departments.includes(grant.department) ||
          scope.departments.includes(grant.provider)
        )
      )
        throw notFound("授权不存在");
      if (!(scope.authority || AccessRequests.actsFor(scope, grant.provider)))
        throw new Forbidden("只有提供部门或数据主管部门可以撤销授权");
      await exchange.revokeGrant(grant.id, scope.actor);
      return reply.redirect("/admin/exchange?done=1", 303);
    },
  );

  // ---- charts (ECharts, rendered to SVG on the server; the page shows the same figures as tables) ----

  app.get(
    "/admin/exchange/charts/:chart",
    { schema: { hide: true, params: Type.Object({ chart: Type.String({ maxLength: 40 }) }) } },
    async (request, reply) => {
      const scope = scopeOf(request);
      const name = request.params.chart.replace(/\.svg$/, "") as ChartName;
      const figures = await figuresFor(scope);
      const svg = exchangeChartSvg(name, figures, await exchange.expiringGrants(departmentsOf(scope)));
      if (!svg) throw notFound("图表不存在");
      return reply
        .header("content-type", "image/svg+xml; charset=utf-8")
        .header("cache-control", "no-store")
        .send(svg);
    },
  );

  // ---- access requests (共享申请) ------------------------------------------------------------------

  const requestForm = (b: FormValues): RequestForm => ({
    memberId: formText(b, "memberId", 12),
    resourceCode: formText(b, "resourceCode", 40),
    purpose: formText(b, "purpose", 500),
    legalBasis: formText(b, "legalBasis", 300),
    expiresOn: formText(b, "expiresOn", 10),
    dailyQuota: formText(b, "dailyQuota", 10),
    ratePerMinute: formText(b, "ratePerMinute", 10),
    decision: formText(b, "decision", 10),
    note: formText(b, "note", 1000),
    reason: formText(b, "reason", 1000),
    disputeReason: formText(b, "disputeReason", 1000),
    finalNote: formText(b, "finalNote", 1000),
    needsPublication: formText(b, "needsPublication", 1),
    fields: formList(b, "fields"),
  });
  const terms = (f: RequestForm) => ({
    expiresOn: f.expiresOn ?? "",
    dailyQuota: Number(f.dailyQuota),
    ratePerMinute: Number(f.ratePerMinute),
  });

  app.get("/admin/exchange/requests", { schema: { hide: true } }, async (request, reply) => {
    const scope = scopeOf(request);
    const q = request.query as { status?: string; overdue?: string; page?: string; done?: string };
    const status = (q.status && q.status in REQUEST_STATUS_LABEL ? q.status : "") as AccessRequestStatus | "";
    const filter = { status, overdue: q.overdue === "1" };
    const page = pageParam(q.page);
    const { rows, total } = await exchange.requests.list(filter, page, scope);
    return sendHtml(
      reply,
      renderDocument(
        <RequestListPage
          ctx={adminView(request)}
          rows={rows}
          total={total}
          page={page}
          filter={filter}
          notice={q.done === "1" ? "共享申请已提交，等待合规审核。" : undefined}
        />,
      ),
    );
  });

  async function newRequestPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: RequestForm = {},
    errors: Record<string, string> = {},
  ) {
    const scope = scopeOf(request);
    const members = (await exchange.members()).filter(
      (m) => m.status === "active" && AccessRequests.actsFor(scope, m.department),
    );
    return sendHtml(
      reply,
      renderDocument(
        <NewRequestPage
          ctx={adminView(request)}
          members={members}
          resources={await exchange.catalogue()}
          form={form}
          errors={errors}
        />,
      ),
    );
  }

  app.get("/admin/exchange/requests/new", { schema: { hide: true } }, async (request, reply) =>
    newRequestPage(request, reply),
  );

  app.post("/admin/exchange/requests", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const scope = scopeOf(request);
    const form = requestForm(request.body);
    const code = form.resourceCode ?? "";
    return handleForm({
      parse: () => ({
        memberId: Number(form.memberId),
        resourceCode: code,
        fields: (form.fields ?? [])
          .filter((f) => f.startsWith(`${code}:`))
          .map((f) => f.slice(code.length + 1)),
        purpose: form.purpose ?? "",
        legalBasis: form.legalBasis ?? "",
        ...terms(form),
      }),
      run: (input) => exchange.requests.apply(input, scope),
      onSuccess: (created) => reply.redirect(`/admin/exchange/requests/${created.id}?done=1`, 303),
      rerender: (problem) => {
        reply.status(problem.status);
        return newRequestPage(request, reply, form, problem.errors);
      },
    });
  });

  async function detailPage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: number | null,
    extra: { form?: RequestForm; errors?: Record<string, string>; notice?: string } = {},
  ) {
    const scope = scopeOf(request);
    if (id == null) throw notFound("共享申请不存在");
    const item = await exchange.requests.get(id, scope);
    return sendHtml(
      reply,
      renderDocument(
        <RequestDetailPage
          ctx={adminView(request)}
          request={item}
          resource={await exchange.resource(item.resourceCode)}
          scope={scope}
          {...extra}
        />,
      ),
    );
  }

  app.get(
    "/admin/exchange/requests/:id",
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const q = request.query as { done?: string };
      return detailPage(request, reply, idParam(request.params.id), {
        notice: q.done === "1" ? "已保存。" : undefined,
      });
    },
  );

  /** One decision form on a request: run the step, or show the detail page again with the messages. */
  const step = (
    path: string,
    run: (id: number, form: RequestForm, scope: ExchangeScope) => Promise<unknown>,
  ) =>
    app.post(
      `/admin/exchange/requests/:id/${path}`,
      { schema: { hide: true, params: IdParams, body: FormBody } },
      async (request, reply) => {
        const scope = scopeOf(request);
        const id = idParam(request.params.id);
        if (id == null) throw notFound("共享申请不存在");
        const form = requestForm(request.body);
        return handleForm({
          parse: () => form,
          run: (f) => run(id, f, scope),
          onSuccess: () => reply.redirect(`/admin/exchange/requests/${id}?done=1`, 303),
          rerender: (problem) => {
            reply.status(problem.status);
            return detailPage(request, reply, id, { form, errors: problem.errors });
          },
        });
      },
    );

  step("compliance", (id, f, scope) =>
    exchange.requests.checkCompliance(
      id,
      {
        compliant: f.decision !== "refuse",
        note: f.note ?? "",
        needsPublication: f.needsPublication === "1",
      },
      scope,
    ),
  );
  step("answer", (id, f, scope) =>
    exchange.requests.answer(
      id,
      { approve: f.decision !== "refuse", reason: f.reason ?? "", terms: terms(f) },
      scope,
    ),
  );
  step("dispute", (id, f, scope) => exchange.requests.dispute(id, f.disputeReason ?? "", scope));
  step("final", (id, f, scope) =>
    exchange.requests.decideDispute(
      id,
      { approve: f.decision !== "refuse", note: f.finalNote ?? "", terms: terms(f) },
      scope,
    ),
  );
};

export default exchangeAdminRoutes;
