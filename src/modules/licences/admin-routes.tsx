import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { FormBody, formText } from "../../platform/http/form-input.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { idParam, IdParams, pageParam } from "../../platform/http/params.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { renderDocument } from "../../web/render.ts";
import { RIGHTS } from "../staff/index.ts";
import { adminView, guardStaffArea, type StaffContext } from "../staff/index.ts";
import { licenceKind, LICENCE_KINDS, type LicenceKind } from "./catalogue.ts";
import type { LicencesDeps } from "./deps.ts";
import { BadLicenceInput, NotAGrantor, NotAnIssuer, UnknownIssuerGrant, UnknownLicence } from "./errors.ts";
import type { LicenceStatus } from "./tables.ts";
import {
  IssuerGrantsPage,
  LicencesConsolePage,
  type IssueForm,
  type IssuerGrantForm,
} from "./views/admin-pages.tsx";

const ISSUER_ROLES = new Set<string>(RIGHTS.licences.roles);
const PAGE_SIZE = 20;

/**
 * Who may issue a kind: a platform operator, or a handler / data officer of the issuing department's
 * site (a site whose name the kind's department starts with: 楚云省公安厅 issues for 楚云省公安厅交通管理局).
 */
export function mayIssue(deps: LicencesDeps, staff: StaffContext["staff"], kind: LicenceKind): boolean {
  if (staff.isOperator) return true;
  return staff.roles.some(
    (r) =>
      ISSUER_ROLES.has(r.role) && kind.department.startsWith(deps.sites.byId(r.siteId)?.name ?? "\u0000"),
  );
}

/**
 * Who may let a member system issue a kind over the hub: a platform operator, or a data officer
 * (数据管理员, who runs the department's exchange access) of the issuing department's site.
 */
export function mayGrantIssuer(deps: LicencesDeps, staff: StaffContext["staff"], kind: LicenceKind): boolean {
  if (staff.isOperator) return true;
  return staff.roles.some(
    (r) =>
      r.role === "data_officer" && kind.department.startsWith(deps.sites.byId(r.siteId)?.name ?? "\u0000"),
  );
}

/** The licence console: issuance and status changes by authorised issuers (audited, logged). */
const licencesAdminRoutes: FastifyPluginAsyncTypebox<{ deps: LicencesDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { licences } = deps;

  const issuableKinds = (request: FastifyRequest) =>
    LICENCE_KINDS.filter((k) => mayIssue(deps, request.staff.staff, k));

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { form?: IssueForm; errors?: Record<string, string>; notice?: string } = {},
  ) {
    const kinds = issuableKinds(request);
    if (kinds.length === 0) throw new NotAnIssuer("电子证照");
    const q = request.query as { page?: string; kind?: string };
    const current = pageParam(q.page);
    const departments = request.staff.staff.isOperator
      ? undefined
      : [...new Set(kinds.map((k) => k.department))];
    const { total, items } = await licences.list(current, PAGE_SIZE, { departments });
    const form = extra.form ?? {
      kind: kinds.some((k) => k.code === q.kind) ? q.kind : kinds[0]!.code,
      values: {},
    };
    return sendHtml(
      reply,
      renderDocument(
        <LicencesConsolePage
          ctx={adminView(request)}
          kinds={kinds}
          licences={items}
          page={current}
          total={total}
          pageSize={PAGE_SIZE}
          head={await licences.publishTreeHead()}
          form={form}
          errors={extra.errors}
          notice={extra.notice}
          grantsLink={LICENCE_KINDS.some((k) => mayGrantIssuer(deps, request.staff.staff, k))}
        />,
      ),
    );
  }

  app.get(
    "/admin/licences",
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          page: Type.Optional(Type.String({ maxLength: 10 })),
          kind: Type.Optional(Type.String({ maxLength: 40 })),
          done: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
    },
    async (request, reply) => {
      const done = request.query.done;
      const notice =
        done === "issued"
          ? "已签发，并已记入透明日志。"
          : done === "status"
            ? "状态已更新，核验方经状态列表即可看到。"
            : undefined;
      return page(request, reply, { notice });
    },
  );

  app.post("/admin/licences", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const b = request.body;
    const kind = licenceKind(formText(b, "kind", 40));
    const values: Record<string, string> = {};
    for (const item of kind?.items ?? []) values[item.name] = formText(b, item.name, 500);
    const form: IssueForm = { kind: kind?.code, holder: formText(b, "holder", 40).trim(), values };
    return handleForm({
      parse: async () => {
        if (!kind) throw new BadLicenceInput("请选择证照种类", { kind: "请选择证照种类" });
        if (!mayIssue(deps, request.staff.staff, kind)) throw new NotAnIssuer(kind.name);
        const holder =
          kind.holder === "enterprise"
            ? await deps.accounts.byCreditCode(form.holder!)
            : await deps.accounts.byIdNumber(form.holder!);
        if (
          !holder ||
          !holder.verified ||
          (holder.kind === "enterprise") !== (kind.holder === "enterprise")
        ) {
          throw new BadLicenceInput("持证人未在本平台实名注册", { holder: "没有找到实名注册的持证人" });
        }
        return { kind, holder };
      },
      run: ({ kind, holder }) =>
        licences.issue(
          { kindCode: kind.code, holderAccountId: holder.id, claims: values },
          request.staff.staff.username,
        ),
      onSuccess: () => reply.redirect("/admin/licences?done=issued", 303),
      rerender: (problem) => {
        reply.status(problem.status);
        return page(request, reply, { form, errors: problem.errors });
      },
      shows: (error) => error instanceof BadLicenceInput,
    });
  });

  const ACTIONS: Record<string, LicenceStatus> = {
    revoke: "revoked",
    suspend: "suspended",
    reinstate: "valid",
  };
  app.post(
    "/admin/licences/:id/:action",
    {
      schema: {
        hide: true,
        params: Type.Intersect([
          IdParams,
          Type.Object({ action: Type.Union(Object.keys(ACTIONS).map((a) => Type.Literal(a))) }),
        ]),
        body: FormBody,
      },
    },
    async (request, reply) => {
      const id = idParam(request.params.id);
      const licence = id === null ? undefined : await licences.byId(id);
      if (!licence) throw new UnknownLicence();
      if (!mayIssue(deps, request.staff.staff, licence.kind)) throw new NotAnIssuer(licence.kind.name);
      await licences.setStatus(licence.id, ACTIONS[request.params.action]!, request.staff.staff.username);
      return reply.redirect("/admin/licences?done=status", 303);
    },
  );

  // —— 接入系统签发授权: member systems that may issue a kind over the hub ——

  const grantableKinds = (request: FastifyRequest) => {
    const kinds = LICENCE_KINDS.filter((k) => mayGrantIssuer(deps, request.staff.staff, k));
    if (kinds.length === 0) throw new NotAGrantor();
    return kinds;
  };

  async function grantsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { form?: IssuerGrantForm; errors?: Record<string, string>; notice?: string } = {},
  ) {
    const kinds = grantableKinds(request);
    const current = pageParam((request.query as { page?: string }).page);
    const { rows, total, page } = await deps.licenceConsents.issuerGrantPage(
      request.staff.staff.isOperator ? null : kinds.map((k) => k.code),
      current,
      PAGE_SIZE,
    );
    const members = await deps.exchange.members();
    const nameOf = new Map(members.map((m) => [m.code, m.name]));
    const grantable = new Set(kinds.map((k) => k.code));
    return sendHtml(
      reply,
      renderDocument(
        <IssuerGrantsPage
          ctx={adminView(request)}
          kinds={kinds}
          members={members.filter((m) => m.status === "active" && !m.revokedAt)}
          grants={rows.map((g) => ({
            id: g.id,
            member: g.member,
            memberName: nameOf.get(g.member) ?? g.member,
            kindName: licenceKind(g.kind)?.name ?? g.kind,
            grantedBy: g.grantedBy,
            createdAt: g.createdAt,
            revokedAt: g.revokedAt,
            revocable: g.revokedAt === null && grantable.has(g.kind),
          }))}
          page={page}
          total={total}
          pageSize={PAGE_SIZE}
          form={extra.form ?? {}}
          errors={extra.errors}
          notice={extra.notice}
        />,
      ),
    );
  }

  app.get(
    "/admin/licences/issuers",
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          page: Type.Optional(Type.String({ maxLength: 10 })),
          done: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
    },
    async (request, reply) => {
      const done = request.query.done;
      const notice =
        done === "granted"
          ? "已授权：该接入系统现在可以经数据共享交换平台签发这种证照。"
          : done === "revoked"
            ? "授权已撤销：该接入系统不能再签发这种证照。"
            : undefined;
      return grantsPage(request, reply, { notice });
    },
  );

  app.post("/admin/licences/issuers", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const form: IssuerGrantForm = {
      member: formText(request.body, "member", 64).trim(),
      kind: formText(request.body, "kind", 40).trim(),
    };
    return handleForm({
      parse: async () => {
        const kinds = grantableKinds(request);
        const errors: Record<string, string> = {};
        const member = form.member ? await deps.exchange.memberByCode(form.member) : undefined;
        if (!form.member) errors.member = "请选择接入系统";
        else if (!member || member.status !== "active") errors.member = "该接入系统不存在或已停用";
        const kind = kinds.find((k) => k.code === form.kind);
        if (!form.kind) errors.kind = "请选择证照种类";
        else if (!kind) errors.kind = "您不能授权签发这种证照";
        if (Object.keys(errors).length > 0)
          throw new BadLicenceInput("授权信息有误，请修改后重新提交", errors);
        return { member: member!, kind: kind! };
      },
      run: ({ member, kind }) =>
        deps.licenceConsents.grantIssuer(member.code, kind.code, request.staff.staff.username),
      onSuccess: () => reply.redirect("/admin/licences/issuers?done=granted", 303),
      rerender: (problem) => {
        reply.status(problem.status);
        return grantsPage(request, reply, { form, errors: problem.errors });
      },
      shows: (error) => error instanceof BadLicenceInput,
    });
  });

  app.post(
    "/admin/licences/issuers/:id/revoke",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const id = idParam(request.params.id);
      const grant = id === null ? undefined : await deps.licenceConsents.issuerGrant(id);
      if (!grant) throw new UnknownIssuerGrant();
      const kind = licenceKind(grant.kind);
      if (!kind || !mayGrantIssuer(deps, request.staff.staff, kind)) throw new NotAGrantor();
      await deps.licenceConsents.revokeIssuer(grant.id, request.staff.staff.username);
      return reply.redirect("/admin/licences/issuers?done=revoked", 303);
    },
  );
};

export default licencesAdminRoutes;
