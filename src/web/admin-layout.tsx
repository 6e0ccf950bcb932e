import type { ComponentChildren } from "preact";

/** Who is looking at a console page (the staff principal, structurally). */
export interface AdminViewer {
  id: number;
  username: string;
  displayName: string;
  isOperator: boolean;
  roles: { siteId: number; role: string }[];
}

/** Console navigation; modules add their entries here. `role` null means every signed-in staff. */
export const ADMIN_NAV: { href: string; name: string; operatorOnly?: boolean }[] = [
  { href: "/admin", name: "工作台" },
  { href: "/admin/sites", name: "网站" },
  { href: "/admin/articles", name: "信息" },
  { href: "/admin/review", name: "审核" },
  { href: "/admin/error-reports", name: "找错反馈" },
  { href: "/admin/search/synonyms", name: "搜索同义词" },
  { href: "/admin/assistant", name: "智能客服" },
  { href: "/admin/interaction", name: "互动交流" },
  { href: "/admin/interaction/consultations", name: "意见征集" },
  { href: "/admin/interaction/surveys", name: "网上调查" },
  { href: "/admin/users", name: "用户" },
  { href: "/admin/audit", name: "审计日志" },
  { href: "/admin/services", name: "办件" },
  { href: "/admin/service-items", name: "服务事项" },
  { href: "/admin/exchange", name: "数据共享", operatorOnly: true },
];

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
}: {
  ctx: AdminContext | null;
  title: string;
  children: ComponentChildren;
  scripts?: string[];
}) {
  return (
    <html lang="zh-CN">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
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
                {ADMIN_NAV.filter((n) => !n.operatorOnly || ctx.staff.isOperator).map((n) => (
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
