import { guardStaffArea } from "./auth.ts";

import { consoleRequest } from "./console-request.ts";

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";

import type { StaffDeps } from "./deps.ts";

import { sitesWithRole } from "./auth.ts";

import { AdminLayout } from "../../web/admin-layout.tsx";

import { sendPage } from "../../web/console.ts";

const ANY_ROLE = ["site_admin", "editor", "reviewer"];

const dashboardRoutes: FastifyPluginAsyncTypebox<{ deps: StaffDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });

  app.get("/admin", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const staff = c.auth.staff;
    const inSites = (ids: number[] | null) => (ids === null ? null : ids.length ? ids : [-1]);
    const reviewSites = inSites(sitesWithRole(staff, "reviewer"));
    const mySites = inSites(sitesWithRole(staff, ANY_ROLE));
    const reportSites = inSites(sitesWithRole(staff, ["site_admin", "editor"]));
    const weekAgo = new Date(Date.now() - 7 * 86400_000).toISOString();
    const { content, sites } = deps;

    const drafts = await content.countArticles({ status: "draft", createdBy: staff.id });
    const waiting = content.countArticles({ status: "submitted", ownerSiteIds: reviewSites });
    const published = content.countArticles({
      status: "published",
      ownerSiteIds: mySites,
      publishedSince: weekAgo,
    });
    const reports = sites.countOpenErrorReports(reportSites);

    const cards = [
      { label: "我的草稿", value: drafts, href: "/admin/articles?status=draft" },
      { label: "待审核", value: await waiting, href: "/admin/review" },
      { label: "本周发布", value: await published, href: "/admin/articles?status=published" },
      { label: "待答复的找错反馈", value: await reports, href: "/admin/error-reports" },
    ];
    return sendPage(
      reply,
      <AdminLayout ctx={c.view} title="工作台">
        <h1>工作台</h1>
        <p>
          您好，{staff.displayName}。{staff.isOperator ? "您是平台运维管理员，可管理所有网站。" : null}
        </p>
        <ul class="cards" aria-label="工作概况">
          {cards.map((card) => (
            <li class="card">
              <a href={card.href}>
                <strong>{card.value}</strong>
                {card.label}
              </a>
            </li>
          ))}
        </ul>
        <h2>常用操作</h2>
        <ul>
          <li>
            <a href="/admin/articles/new">新建信息</a>
          </li>
          <li>
            <a href="/admin/review">审核队列</a>
          </li>
          <li>
            <a href="/admin/sites">网站与栏目</a>
          </li>
          <li>
            <a href="/admin/error-reports">我为政府网站找错</a>
          </li>
        </ul>
      </AdminLayout>,
    );
  });
};
export default dashboardRoutes;
