import type { ComponentChildren } from "preact";
/** Who is looking at a console page (the staff principal, structurally). */
export interface AdminViewer {
  id: number;
  username: string;
  displayName: string;
  isOperator: boolean;
  roles: { siteId: number; role: string }[];
}

/** A console menu entry as the layout draws it (the staff module decides which the viewer sees). */
export interface AdminNavLink {
  href: string;
  name: string;
  /** The entry the current page belongs to. */
  current: boolean;
}

export interface AdminContext {
  staff: AdminViewer;
  csrf: string;
  path: string;
  /** The menu entries the viewer may use. */
  nav: AdminNavLink[];
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
                {ctx.nav.map((n) => (
                  <li>
                    <a href={n.href} aria-current={n.current ? "page" : undefined}>
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
