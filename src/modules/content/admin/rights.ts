import { hasRole, sitesWithRole, type StaffPrincipal } from "../../staff/index.ts";
import { forbidden } from "../../../platform/http/errors.ts";
import type { Article } from "../service.ts";

/** Who may write articles of a site, review them, and see them. Operators hold every role. */
export const EDIT_ROLES = ["editor", "site_admin"];
export const REVIEW_ROLES = ["reviewer"];
export const VIEW_ROLES = ["editor", "site_admin", "reviewer"];
/** Statuses an editor may still change; reviewers may correct an article in any status. */
export const EDITABLE_STATUSES = ["draft", "withdrawn", "unpublished"];

export function canView(staff: StaffPrincipal, article: Article): boolean {
  return hasRole(staff, VIEW_ROLES, article.ownerSiteId);
}

export function canEdit(staff: StaffPrincipal, article: Article): boolean {
  if (hasRole(staff, REVIEW_ROLES, article.ownerSiteId)) return true;
  return hasRole(staff, EDIT_ROLES, article.ownerSiteId) && EDITABLE_STATUSES.includes(article.status);
}

export function canReview(staff: StaffPrincipal, article: Article): boolean {
  return hasRole(staff, REVIEW_ROLES, article.ownerSiteId);
}

export function assertView(staff: StaffPrincipal, article: Article): void {
  if (!canView(staff, article)) throw forbidden("您没有该网站的信息管理权限");
}

export function assertReview(staff: StaffPrincipal, article: Article): void {
  if (!canReview(staff, article)) throw forbidden("您不是该网站的审核员，不能进行审核操作");
}

/** Site ids the staff member may write for (null: every site). */
export function editableSites(staff: StaffPrincipal): number[] | null {
  return sitesWithRole(staff, EDIT_ROLES);
}
