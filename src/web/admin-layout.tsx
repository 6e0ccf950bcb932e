import type { ComponentChildren } from "preact";
import { may, RIGHTS, type AdminViewer, type ConsoleRight } from "./console-rights.ts";

export type { AdminViewer };

/**
 * Console navigation; modules add their entries here. An entry is shown to those holding its right
 * (console-rights.ts), and the staff area enforces the same right for every page under the entry (403
 * otherwise), so the menu never shows a door that is locked.
 */
export interface AdminNavEntry {
  href: string;
  right: ConsoleRight;
}

export const ADMIN_NAV: AdminNavEntry[] = [
  { href: "/admin", right: RIGHTS.dashboard },
  { href: "/admin/sites", right: RIGHTS.sites },
  { href: "/admin/articles", right: RIGHTS.articles },
  { href: "/admin/review", right: RIGHTS.review },
  { href: "/admin/error-reports", right: RIGHTS.errorReports },
  { href: "/admin/search/synonyms", right: RIGHTS.searchSynonyms },
  { href: "/admin/assistant", right: RIGHTS.assistant },
  { href: "/admin/interaction", right: RIGHTS.letters },
  { href: "/admin/interaction/consultations", right: RIGHTS.consultations },
  { href: "/admin/interaction/surveys", right: RIGHTS.surveys },
  { href: "/admin/disclosure", right: RIGHTS.disclosure },
  { href: "/admin/users", right: RIGHTS.users },
  { href: "/admin/audit", right: RIGHTS.audit },
  { href: "/admin/services", right: RIGHTS.applications },
  { href: "/admin/service-items", right: RIGHTS.serviceItems },
  { href: "/admin/exchange", right: RIGHTS.exchange },
  { href: "/admin/analytics", right: RIGHTS.analytics },
  { href: "/admin/registration", right: RIGHTS.registration },
  { href: "/admin/licences", right: RIGHTS.licences },
  { href: "/admin/registration-batches", right: RIGHTS.registrationBatches },
  { href: "/admin/registration-notices", right: RIGHTS.registrationNotices },
  { href: "/admin/inspection", right: RIGHTS.inspection },
  { href: "/admin/analytics/demand", right: RIGHTS.demandDesk },
  { href: "/admin/federation", right: RIGHTS.federation },
  { href: "/admin/policies", right: RIGHTS.policies },
];

/** The entries of the menu the viewer may use. */
export function navFor(viewer: AdminViewer): AdminNavEntry[] {
  return ADMIN_NAV.filter((n) => may(viewer, n.right));
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
                {navFor(ctx.staff).map((n) => (
                  <li>
                    <a href={n.href} aria-current={n.href === currentNav(ctx.path) ? "page" : undefined}>
                      {n.right.name}
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
