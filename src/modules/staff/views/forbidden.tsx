import type { FastifyRequest } from "fastify";
import { AdminLayout, navEntryFor } from "../../../web/admin-layout.tsx";
import { renderDocument } from "../../../web/render.ts";
import { neededRight, STAFF_ROLES, type StaffContext } from "../auth.ts";
import { adminView } from "../console-request.ts";

/** The signed-in staff member of a console request, when the staff area resolved one. */
export function staffOfRequest(request: FastifyRequest): StaffContext | null {
  return (request as { staff?: StaffContext | null }).staff ?? null;
}

/**
 * A console page answering 403 inside the console (not the public site's error page): what was refused,
 * which right the area needs, and which rights the viewer holds.
 */
export function renderConsoleForbidden(
  request: FastifyRequest,
  message: string,
  siteName: (siteId: number) => string,
): string {
  const view = adminView(request);
  const entry = navEntryFor(view.path);
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
        {entry ? (
          <>
            <dt>所需权限</dt>
            <dd>
              「{entry.name}」需要{neededRight(entry)}角色
              {entry.operatorOnly ? null : "，或平台运维"}
            </dd>
          </>
        ) : null}
        <dt>您当前的权限</dt>
        <dd>{held.length ? held.join("、") : "尚未授予任何角色"}</dd>
      </dl>
      <p>如需开通，请联系本网站的站点管理员或平台运维。</p>
      <p>
        <a href="/admin">返回工作台</a>
      </p>
    </AdminLayout>,
  );
}
