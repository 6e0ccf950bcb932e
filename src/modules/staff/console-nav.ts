import type { AdminNavLink, AdminViewer } from "../../web/admin-layout.tsx";
import { may, RIGHTS, type ConsoleRight } from "./console-rights.ts";

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

/** The navigation entry a console path belongs to: the longest matching prefix (one entry at most). */
export function currentNav(path: string): string | undefined {
  let best: string | undefined;
  for (const n of ADMIN_NAV) {
    const match = path === n.href || (n.href !== "/admin" && path.startsWith(`${n.href}/`));
    if (match && (!best || n.href.length > best.length)) best = n.href;
  }
  return best;
}

/** The console menu as the layout draws it: the entries the viewer may use, the current one marked. */
export function consoleNav(viewer: AdminViewer, path: string): AdminNavLink[] {
  const current = currentNav(path);
  return navFor(viewer).map((n) => ({ href: n.href, name: n.right.name, current: n.href === current }));
}
