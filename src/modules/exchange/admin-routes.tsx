import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { JWK } from "jose";
import { Forbidden, Invalid, notFound } from "../../platform/http/errors.ts";
import { FormBody, formText, type FormValues } from "../../platform/http/form-input.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { idParam, IdParams } from "../../platform/http/params.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { chinaDayStart } from "../../platform/time/china-time.ts";
import { renderDocument } from "../../web/render.ts";
import { adminView, guardStaffArea, hasRole, type StaffContext } from "../staff/index.ts";
import type { ExchangeDeps } from "./deps.ts";
import { ExchangeConsolePage, type GrantForm, type MemberForm } from "./views/admin-pages.tsx";

function formList(values: FormValues, key: string): string[] {
  const v = values[key];
  const list = Array.isArray(v) ? (v as readonly string[]) : typeof v === "string" ? [v] : [];
  return list.filter((x) => typeof x === "string" && x.length <= 100).slice(0, 200);
}

/** The exchange console: figures, member systems and grants (platform operators, audited). */
const exchangeAdminRoutes: FastifyPluginAsyncTypebox<{ deps: ExchangeDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { exchange } = deps;

  const operator = (request: FastifyRequest): StaffContext => {
    const c = request.staff;
    if (!hasRole(c.staff, "data_officer"))
      throw new Forbidden("只有平台运维或数据管理员可以管理数据共享交换");
    return c;
  };

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
    // The console checks the recent tail; `npm run audit:verify` walks the whole chain.
    const head = await exchange.audit.head();
    const verification = await exchange.audit.verify(undefined, { fromSeq: (head?.seq ?? 0) - 5000 });
    const data = {
      figures: await exchange.figures(),
      members: await exchange.members(),
      grants: await exchange.grants(),
      resources: await exchange.catalogue(),
      audit: { ok: verification.ok, checked: verification.checked, problems: verification.findings.length },
    };
    return sendHtml(
      reply,
      renderDocument(<ExchangeConsolePage ctx={adminView(request)} data={data} {...extra} />),
    );
  }

  app.get("/admin/exchange", { schema: { hide: true } }, async (request, reply) => {
    operator(request);
    const q = request.query as { done?: string };
    return page(request, reply, { notice: q.done === "1" ? "已保存。" : undefined });
  });

  app.post("/admin/exchange/members", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const c = operator(request);
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
        let jwk: JWK | null = null;
        try {
          jwk = JSON.parse(memberForm.publicJwk!) as JWK;
        } catch {
          errors.publicJwk = "公钥应为 JSON 格式的 JWK";
        }
        if (jwk && (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string" || "d" in jwk))
          errors.publicJwk = "公钥应为 Ed25519 公钥（kty 为 OKP，crv 为 Ed25519，不得包含私钥 d）";
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
        return exchange.registerMember(input, c.staff.username);
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
      const c = operator(request);
      const id = idParam(request.params.id);
      if (id == null) throw notFound("接入系统不存在");
      await exchange.revokeMember(id, c.staff.username);
      return reply.redirect("/admin/exchange?done=1", 303);
    },
  );

  app.post("/admin/exchange/grants", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const c = operator(request);
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
      run: (input) => exchange.grant(input, c.staff.username),
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
      const c = operator(request);
      const id = idParam(request.params.id);
      if (id == null) throw notFound("授权不存在");
      await exchange.revokeGrant(id, c.staff.username);
      return reply.redirect("/admin/exchange?done=1", 303);
    },
  );
};

export default exchangeAdminRoutes;
