import { guardStaffArea } from "./auth.ts";

import { consoleRequest, type ConsoleRequest } from "./console-request.ts";

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";

import { Type } from "typebox";

import type { StaffDeps } from "./deps.ts";

import { sitesWithRole, type StaffPrincipal } from "./auth.ts";

import { forbidden, notFound, Invalid } from "../../platform/http/errors.ts";

import { FormBody, formText, type FormValues } from "../../platform/http/form-input.ts";

import { handleForm, type FormProblem } from "../../platform/http/handle-form.ts";

import { sendPage } from "../../web/console.ts";

import { IdParams, idParam, NoticeQuery, pageParam } from "../../platform/http/params.ts";

import { inSites } from "./auth.ts";

import { NewUserPage, UserPage, UsersPage, type NewUserValues, type UserRow } from "./views/users.tsx";

const PAGE_SIZE = 30;
const DONE: Record<string, string> = {
  created: "用户已创建。",
  granted: "角色已授予。",
  revoked: "角色已移除。",
  disabled: "账号已停用，其登录会话已失效。",
  enabled: "账号已启用。",
  unlocked: "已解除锁定。",
};

/** Sites whose roles the staff member may hand out (null: all, for operators). */
const adminSites = (staff: StaffPrincipal) => sitesWithRole(staff, "site_admin");

const userRoutes: FastifyPluginAsyncTypebox<{ deps: StaffDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const staffService = deps.staff;
  const siteNames = () => new Map(deps.sites.list().map((s) => [s.id, s.name]));
  const siteOptions = (allowed: number[] | null) =>
    deps.sites
      .list()
      .filter((s) => inSites(s.id, allowed))
      .map((s) => ({ id: s.id, name: s.name }));

  function requireUserAdmin(c: ConsoleRequest): number[] | null {
    const allowed = adminSites(c.auth.staff);
    if (allowed !== null && allowed.length === 0) throw forbidden("只有平台运维人员和网站管理员可以管理用户");
    return allowed;
  }

  /** The user, if the viewer may manage them: operators all; site admins those holding roles on their sites. */
  async function loadUser(c: ConsoleRequest, rawId: string): Promise<UserRow> {
    const allowed = requireUserAdmin(c);
    const id = idParam(rawId);
    const user = id ? await staffService.byId(id) : undefined;
    if (!user) throw notFound("用户不存在");
    const roles = await staffService.rolesOf(user.id);
    if (allowed !== null && !roles.some((r) => allowed.includes(r.siteId)))
      throw forbidden("该用户不在您管理的网站中");
    const { totpSecret, passwordHash: _p, ...rest } = user;
    return { ...rest, hasTotp: !!totpSecret, roles };
  }

  app.get(
    "/admin/users",
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 500 })),
          page: Type.Optional(Type.String({ maxLength: 40 })),
        }),
      },
    },
    async (request, reply) => {
      const c = consoleRequest(request);
      const allowed = requireUserAdmin(c);
      const query = request.query;
      const q = (query.q ?? "").slice(0, 40);
      const page = pageParam(query.page);
      const list = await staffService.list({ siteIds: allowed, q }, page, PAGE_SIZE);
      return sendPage(
        reply,
        <UsersPage
          ctx={c.view}
          rows={list.rows}
          total={list.total}
          page={page}
          pageSize={PAGE_SIZE}
          q={q}
          siteNames={siteNames()}
        />,
      );
    },
  );

  app.get("/admin/users/new", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const allowed = requireUserAdmin(c);
    const values: NewUserValues = {
      username: "",
      displayName: "",
      isOperator: false,
      siteId: "",
      role: "editor",
    };
    return sendPage(
      reply,
      <NewUserPage
        ctx={c.view}
        values={values}
        errors={{}}
        sites={siteOptions(allowed)}
        operator={c.auth.staff.isOperator}
      />,
    );
  });

  app.post("/admin/users/new", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const c = consoleRequest(request);
    const allowed = requireUserAdmin(c);
    const operator = c.auth.staff.isOperator;
    const form = request.body;
    const withRole = !operator || formText(form, "withRole") === "1";
    const values: NewUserValues = {
      username: formText(form, "username", 40),
      displayName: formText(form, "displayName", 60),
      isOperator: operator && formText(form, "isOperator") === "1",
      siteId: withRole ? formText(form, "siteId", 12) : "",
      role: formText(form, "role", 20),
    };
    return handleForm({
      parse: () => {
        const siteId = idParam(values.siteId);
        if (withRole && (!siteId || !deps.sites.byId(siteId) || !inSites(siteId, allowed)))
          throw new Invalid("请选择您管理的网站", { siteId: "请选择您管理的网站" });
        return withRole ? siteId : null;
      },
      run: async (siteId) => {
        const user = await staffService.create(
          {
            username: values.username,
            displayName: values.displayName,
            password: formText(form, "password", 200),
            isOperator: values.isOperator,
          },
          c.auth.staff.username,
        );
        if (siteId) await staffService.grantRole(user.id, siteId, values.role, c.auth.staff.username);
        return user;
      },
      onSuccess: (user) => reply.redirect(`/admin/users/${user.id}?done=created`, 303),
      rerender: ({ errors, message, status }) =>
        sendPage(
          reply,
          <NewUserPage
            ctx={c.view}
            values={values}
            errors={errors}
            message={message}
            sites={siteOptions(allowed)}
            operator={operator}
          />,
          status,
        ),
    });
  });

  async function userPage(c: ConsoleRequest, user: UserRow, done?: string, problem?: FormProblem) {
    const allowed = adminSites(c.auth.staff);
    const manageable = siteOptions(allowed);
    return (
      <UserPage
        ctx={c.view}
        user={user}
        siteNames={siteNames()}
        manageableSites={manageable}
        canManageAccount={c.auth.staff.isOperator && user.id !== c.auth.staff.id}
        canUnlock={c.auth.staff.isOperator || user.roles.some((r) => inSites(r.siteId, allowed))}
        errors={problem?.errors ?? {}}
        message={problem?.message}
        done={done}
      />
    );
  }

  app.get(
    "/admin/users/:id",
    {
      schema: {
        hide: true,
        params: IdParams,
        querystring: NoticeQuery,
      },
    },
    async (request, reply) => {
      const c = consoleRequest(request);
      const user = await loadUser(c, request.params.id);
      return sendPage(reply, await userPage(c, user, DONE[request.query.done ?? ""]));
    },
  );

  /** A POST on one user: rights checked by loadUser, then `run`, then back to the page (or the page with the problem). */
  function userAction(
    path: string,
    run: (c: ConsoleRequest, user: UserRow, form: FormValues) => Promise<string>,
  ) {
    app.post(
      `/admin/users/:id/${path}`,
      { schema: { hide: true, params: IdParams, body: FormBody } },
      async (request, reply) => {
        const c = consoleRequest(request);
        const user = await loadUser(c, request.params.id);
        return handleForm({
          parse: () => request.body,
          run: (form) => run(c, user, form),
          onSuccess: (done) => reply.redirect(`/admin/users/${user.id}?done=${done}`, 303),
          rerender: async (problem) =>
            sendPage(reply, await userPage(c, user, undefined, problem), problem.status),
        });
      },
    );
  }

  const roleTarget = (c: ConsoleRequest, form: FormValues) => {
    const siteId = idParam(formText(form, "siteId", 12));
    if (!siteId || !deps.sites.byId(siteId)) throw new Invalid("请选择网站", { siteId: "请选择网站" });
    if (!inSites(siteId, adminSites(c.auth.staff))) throw forbidden("您不是该网站的管理员");
    return { siteId, role: formText(form, "role", 20) };
  };

  userAction("roles", async (c, user, form) => {
    const { siteId, role } = roleTarget(c, form);
    await staffService.grantRole(user.id, siteId, role, c.auth.staff.username);
    return "granted";
  });

  userAction("roles/remove", async (c, user, form) => {
    const { siteId, role } = roleTarget(c, form);
    await staffService.revokeRole(user.id, siteId, role, c.auth.staff.username);
    return "revoked";
  });

  for (const [path, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    userAction(path, async (c, user) => {
      if (!c.auth.staff.isOperator) throw forbidden("只有平台运维人员可以停用或启用账号");
      if (user.id === c.auth.staff.id) throw new Invalid("不能停用自己的账号");
      await staffService.setDisabled(user.id, disabled, c.auth.staff.username);
      return disabled ? "disabled" : "enabled";
    });
  }

  userAction("unlock", async (c, user) => {
    await staffService.resetLockout(user.id, c.auth.staff.username);
    return "unlocked";
  });
};
export default userRoutes;
