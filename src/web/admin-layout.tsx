import type { ComponentChildren } from "preact";

/** Who is looking at a console page (the staff principal, structurally). */
export interface AdminViewer {
  id: number;
  username: string;
  displayName: string;
  isOperator: boolean;
  roles: { siteId: number; role: string }[];
}

/**
 * Console navigation; modules add their entries here. Who may use an entry: `roles` lists the per-site
 * roles (any site) that open it — empty means every signed-in staff member; `operatorOnly` keeps it to
 * platform operators. Operators may use every entry. The staff area enforces the same rule (a page under
 * an entry the viewer may not use answers 403), so the menu never shows a door that is locked.
 */
export interface AdminNavEntry {
  href: string;
  name: string;
  roles: string[];
  operatorOnly?: boolean;
}

export const ADMIN_NAV: AdminNavEntry[] = [
  { href: "/admin", name: "工作台", roles: [] },
  { href: "/admin/sites", name: "网站", roles: ["site_admin"] },
  { href: "/admin/articles", name: "信息", roles: ["editor", "site_admin", "reviewer"] },
  { href: "/admin/review", name: "审核", roles: ["reviewer"] },
  { href: "/admin/error-reports", name: "找错反馈", roles: ["site_admin", "editor"] },
  { href: "/admin/search/synonyms", name: "搜索同义词", roles: ["editor", "site_admin", "reviewer"] },
  { href: "/admin/assistant", name: "智能客服", roles: ["editor", "site_admin", "reviewer"] },
  { href: "/admin/interaction", name: "互动交流", roles: ["handler", "reviewer"] },
  { href: "/admin/interaction/consultations", name: "意见征集", roles: ["site_admin", "editor"] },
  { href: "/admin/interaction/surveys", name: "网上调查", roles: ["site_admin", "editor"] },
  { href: "/admin/disclosure", name: "依申请公开", roles: ["handler", "reviewer", "site_admin"] },
  { href: "/admin/users", name: "用户", roles: ["site_admin"] },
  { href: "/admin/audit", name: "审计日志", roles: [], operatorOnly: true },
  { href: "/admin/services", name: "办件", roles: ["handler", "site_admin"] },
  { href: "/admin/service-items", name: "服务事项", roles: ["handler", "site_admin"] },
  { href: "/admin/exchange", name: "数据共享", roles: ["data_officer"] },
  { href: "/admin/analytics", name: "访问统计", roles: ["site_admin", "editor", "reviewer"] },
  { href: "/admin/registration", name: "应急登记", roles: [], operatorOnly: true },
  { href: "/admin/licences", name: "电子证照", roles: ["handler", "data_officer"] },
  { href: "/admin/registration-batches", name: "登记批量上传", roles: ["data_officer", "handler"] },
  { href: "/admin/registration-notices", name: "风险提示", roles: [] },
  { href: "/admin/inspection", name: "网站巡检", roles: ["site_admin"] },
  { href: "/admin/analytics/demand", name: "需求台", roles: ["site_admin", "editor", "reviewer"] },
  { href: "/admin/federation", name: "跨省通办", roles: [], operatorOnly: true },
  { href: "/admin/policies", name: "惠企政策", roles: ["editor", "site_admin"] },
];

/** Whether a staff member may use a console navigation entry (see AdminNavEntry). */
export function mayUseNav(staff: AdminViewer, entry: AdminNavEntry): boolean {
  if (staff.isOperator) return true;
  if (entry.operatorOnly) return false;
  return entry.roles.length === 0 || staff.roles.some((r) => entry.roles.includes(r.role));
}

/** The navigation entry a console path belongs to (the longest matching prefix), if any. */
export function navEntryFor(path: string): AdminNavEntry | undefined {
  const href = currentNav(path);
  return href === undefined ? undefined : ADMIN_NAV.find((n) => n.href === href);
}

export interface AdminContext {
  staff: AdminViewer;
  csrf: string;
  path: string;
}

/** The navigation entry a console path belongs to: the longest matching prefix (one entry at most). */
export function currentNav(path: string): string | undefined {
  let best: string | undefined;
  for (const n of ADMIN_NAV) {
    const match = path === n.href || (n.href !== "/admin" && path.startsWith(`${n.href}/`));
    if (match && (!best || n.href.length > best.length)) best = n.href;
  }
  return best;
}

/** CSRF token field every console form carries. */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function AdminLayout({
  ctx,
  title,
  children,
  scripts = [],
  refreshSeconds,
}: {
  ctx: AdminContext | null;
  title: string;
  children: ComponentChildren;
  scripts?: string[];
  /** Reloads the page every N seconds (progress of a background job, without script). */
  refreshSeconds?: number;
}) {
  return (
    <html lang="zh-CN">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        {refreshSeconds ? <meta http-equiv="refresh" content={String(refreshSeconds)} /> : null}
        <title>{`${title} - 楚云平台管理后台`}</title>
        <link rel="stylesheet" href="/static/css/site.css" />
        <link rel="stylesheet" href="/static/css/admin.css" />
        {scripts.map((src) => (
          <script src={src} defer></script>
        ))}
      </head>
      <body class="admin">
        <a class="skip-link" href="#main">
          跳到主要内容
        </a>
        <header class="admin-header">
          <div class="container admin-header-inner">
            <a href="/admin" class="admin-brand">
              楚云平台管理后台
            </a>
            {ctx ? (
              <form method="post" action="/admin/logout" class="admin-user">
                <span>
                  {ctx.staff.displayName}（{ctx.staff.username}）
                </span>
                <CsrfField token={ctx.csrf} />
                <button type="submit" class="button secondary">
                  退出
                </button>
              </form>
            ) : null}
          </div>
          {ctx ? (
            <nav class="admin-nav" aria-label="后台导航">
              <ul class="container">
                {ADMIN_NAV.filter((n) => mayUseNav(ctx.staff, n)).map((n) => (
                  <li>
                    <a href={n.href} aria-current={n.href === currentNav(ctx.path) ? "page" : undefined}>
                      {n.name}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
        </header>
        <main id="main" class="container page" tabIndex={-1}>
          {children}
        </main>
      </body>
    </html>
  );
}
