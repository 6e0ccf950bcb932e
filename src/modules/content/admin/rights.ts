import { sitesWithRight, type StaffPrincipal } from "../../staff/index.ts";
import { forbidden } from "../../../platform/http/errors.ts";
import { may, RIGHTS } from "../../staff/index.ts";
import type { Article } from "../service.ts";

/** Statuses an editor may still change; reviewers may correct an article in any status. */
export const EDITABLE_STATUSES = ["draft", "withdrawn", "unpublished"];

export function canView(staff: StaffPrincipal, article: Article): boolean {
  return may(staff, RIGHTS.articles, article.ownerSiteId);
}

export function canEdit(staff: StaffPrincipal, article: Article): boolean {
  if (may(staff, RIGHTS.review, article.ownerSiteId)) return true;
  return may(staff, RIGHTS.articleEdit, article.ownerSiteId) && EDITABLE_STATUSES.includes(article.status);
}

export function canReview(staff: StaffPrincipal, article: Article): boolean {
  return may(staff, RIGHTS.review, article.ownerSiteId);
}

export function assertView(staff: StaffPrincipal, article: Article): void {
  if (!canView(staff, article)) throw forbidden("您没有该网站的信息管理权限");
}

export function assertReview(staff: StaffPrincipal, article: Article): void {
  if (!canReview(staff, article)) throw forbidden("您不是该网站的审核员，不能进行审核操作");
}

/** Site ids the staff member may write for (null: every site). */
export function editableSites(staff: StaffPrincipal): number[] | null {
  return sitesWithRight(staff, RIGHTS.articleEdit);
}
