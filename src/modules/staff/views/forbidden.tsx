import type { FastifyRequest } from "fastify";
import { AdminLayout } from "../../../web/admin-layout.tsx";
import type { ConsoleRight } from "../console-rights.ts";
import { renderDocument } from "../../../web/render.ts";
import { neededRight, STAFF_ROLES, type StaffContext } from "../auth.ts";
import { adminView } from "../console-request.ts";

/** The signed-in staff member of a console request, when the staff area resolved one. */
export function staffOfRequest(request: FastifyRequest): StaffContext | null {
  return (request as { staff?: StaffContext | null }).staff ?? null;
}

/**
 * A console page answering 403 inside the console (not the public site's error page): what was refused,
 * the right that refused it when the viewer lacks one (`missing`), and which rights the viewer holds. A
 * refusal about one object (another department's letter) has no missing right: its message says why.
 */
export function renderConsoleForbidden(
  request: FastifyRequest,
  message: string,
  missing: ConsoleRight | null,
  siteName: (siteId: number) => string,
): string {
  const view = adminView(request);
  const { staff } = view;
  const held = staff.isOperator
    ? ["平台运维"]
    : staff.roles.map((r) => `${STAFF_ROLES[r.role] ?? r.role}（${siteName(r.siteId)}）`);
  return renderDocument(
    <AdminLayout ctx={view} title="无权访问">
      <h1>无权访问</h1>
      <p class="notice error" role="alert">
        {message}
      </p>
      <dl class="meta">
        {missing ? (
          <>
            <dt>所需权限</dt>
            <dd>
              「{missing.name}」需要{neededRight(missing)}角色
              {missing.operatorOnly ? null : "，或平台运维"}
            </dd>
          </>
        ) : null}
        <dt>您当前的权限</dt>
        <dd>{held.length ? held.join("、") : "尚未授予任何角色"}</dd>
      </dl>
      <p>
        {missing
          ? "如需开通，请联系本网站的站点管理员或平台运维。"
          : "如有疑问，请联系本网站的站点管理员或平台运维。"}
      </p>
      <p>
        <a href="/admin">返回工作台</a>
      </p>
    </AdminLayout>,
  );
}
