import { createHash, randomBytes } from "node:crypto";
import { Forbidden, NotFound } from "../../platform/http/errors.ts";
import { sitesWithRight, type StaffPrincipal } from "../staff/index.ts";
import { RIGHTS, type ConsoleRight } from "../staff/index.ts";
import type { AnalyticsDeps } from "./deps.ts";

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function newApiKey(): string {
  return `cyk_${randomBytes(24).toString("base64url")}`;
}

/**
 * The site codes a staff member may read figures of (null: every site and the cluster, operators), by
 * the right of the page reading them (访问统计, or the 需求台 built on the same figures).
 */
export function readableSites(
  deps: AnalyticsDeps,
  staff: StaffPrincipal,
  right: ConsoleRight = RIGHTS.analytics,
): Set<string> | null {
  const ids = sitesWithRight(staff, right);
  if (ids === null) return null;
  return new Set(
    deps.sites
      .list()
      .filter((s) => ids.includes(s.id))
      .map((s) => s.code),
  );
}

export function checkSiteAccess(deps: AnalyticsDeps, allowed: Set<string> | null, site: string | null): void {
  if (site && !deps.sites.byCodeCached(site)) throw new NotFound("未找到该站点");
  if (allowed === null) return;
  if (!site) throw new Forbidden("只有平台运维可以查看全部网站的统计");
  if (!allowed.has(site)) throw new Forbidden("您没有该站点的统计查看权限");
}
