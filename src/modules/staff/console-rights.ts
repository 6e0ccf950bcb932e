import type { AdminViewer } from "../../web/admin-layout.tsx";

/**
 * A right in the staff console and the per-site roles that hold it. The route that needs a right and
 * every menu entry, 工作台 counter and link leading to that route read the same entry of RIGHTS, so a
 * link is shown exactly to those the page lets in. Operators hold every right.
 */
export interface ConsoleRight {
  /** What the right is for, as the menu and a refusal name it. */
  readonly name: string;
  /** The per-site roles holding it; empty: every signed-in staff member. */
  readonly roles: readonly string[];
  /** Only platform operators hold it. */
  readonly operatorOnly?: boolean;
}

const CONTENT_ROLES = ["editor", "site_admin", "reviewer"] as const;
const WRITER_ROLES = ["editor", "site_admin"] as const;

export const RIGHTS = {
  dashboard: { name: "工作台", roles: [] },
  sites: { name: "网站", roles: ["site_admin"] },
  articles: { name: "信息", roles: CONTENT_ROLES },
  articleEdit: { name: "编写信息", roles: WRITER_ROLES },
  review: { name: "审核", roles: ["reviewer"] },
  errorReports: { name: "找错反馈", roles: WRITER_ROLES },
  /** Synonyms change every search of the cluster: editors and site administrators review them. */
  searchSynonyms: { name: "搜索同义词", roles: WRITER_ROLES },
  assistant: { name: "智能客服", roles: CONTENT_ROLES },
  assistantEdit: { name: "编写智能客服问答", roles: WRITER_ROLES },
  assistantPublish: { name: "发布智能客服问答", roles: ["reviewer", "site_admin"] },
  letters: { name: "互动交流", roles: ["handler", "reviewer"] },
  consultations: { name: "意见征集", roles: WRITER_ROLES },
  surveys: { name: "网上调查", roles: WRITER_ROLES },
  disclosure: { name: "依申请公开", roles: ["handler", "reviewer", "site_admin"] },
  users: { name: "用户", roles: ["site_admin"] },
  audit: { name: "审计日志", roles: [], operatorOnly: true },
  applications: { name: "办件", roles: ["handler", "site_admin"] },
  /** The department's catalogue: guides, forms and workflows of its service items (not the handling). */
  serviceItems: { name: "服务事项", roles: ["site_admin"] },
  workGroups: { name: "办理组", roles: ["site_admin"] },
  exchange: { name: "数据共享", roles: ["data_officer"] },
  analytics: { name: "访问统计", roles: CONTENT_ROLES },
  /** Campaigns are managed by operators; data officers read records (see registration's admin routes). */
  registration: { name: "应急登记", roles: ["data_officer"] },
  licences: { name: "电子证照", roles: ["handler", "data_officer"] },
  registrationBatches: { name: "登记批量上传", roles: ["data_officer", "handler"] },
  registrationNotices: { name: "风险提示", roles: [] },
  inspection: { name: "网站巡检", roles: ["site_admin"] },
  demandDesk: { name: "需求台", roles: CONTENT_ROLES },
  federation: { name: "跨省通办", roles: [], operatorOnly: true },
  policies: { name: "惠企政策", roles: WRITER_ROLES },
} as const satisfies Record<string, ConsoleRight>;

/** Whether the viewer holds the right: on `siteId` when given, else on some site. */
export function may(
  viewer: Pick<AdminViewer, "isOperator" | "roles">,
  right: ConsoleRight,
  siteId?: number | null,
): boolean {
  if (viewer.isOperator) return true;
  if (right.operatorOnly) return false;
  if (right.roles.length === 0) return true;
  return viewer.roles.some((r) => right.roles.includes(r.role) && (siteId == null || r.siteId === siteId));
}
