import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { guardStaffArea, sitesWithRight } from "./auth.ts";
import { consoleRequest } from "./console-request.ts";
import type { StaffDeps } from "./deps.ts";
import { WORK_STATE_NAMES, type WorkloadSection } from "./workload.ts";
import { AdminLayout } from "../../web/admin-layout.tsx";
import { navFor } from "./console-nav.ts";
import { may, RIGHTS } from "./console-rights.ts";
import { sendPage } from "../../web/console.ts";

const dashboardRoutes: FastifyPluginAsyncTypebox<{ deps: StaffDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });

  app.get("/admin", { schema: { hide: true } }, async (request, reply) => {
    const c = consoleRequest(request);
    const staff = c.auth.staff;
    const inSites = (ids: number[] | null) => (ids === null ? null : ids.length ? ids : [-1]);
    const { content, sites } = deps;

    // Content counters only for those who write or review content, each leading to a page they may open.
    let cards: { label: string; value: number; href: string }[] = [];
    if (may(staff, RIGHTS.articles)) {
      const mySites = inSites(sitesWithRight(staff, RIGHTS.articles));
      const weekAgo = new Date(Date.now() - 7 * 86400_000).toISOString();
      const reviewer = may(staff, RIGHTS.review);
      const [drafts, waiting, published] = await Promise.all([
        content.countArticles({ status: "draft", createdBy: staff.id }),
        // A reviewer's queue; for a writer, what their sites have submitted and wait for a reviewer.
        content.countArticles({
          status: "submitted",
          ownerSiteIds: reviewer ? inSites(sitesWithRight(staff, RIGHTS.review)) : mySites,
        }),
        content.countArticles({ status: "published", ownerSiteIds: mySites, publishedSince: weekAgo }),
      ]);
      cards = [
        { label: "我的草稿", value: drafts, href: "/admin/articles?status=draft&mine=1" },
        reviewer
          ? { label: "待审核", value: waiting, href: "/admin/review" }
          : { label: "已提交待审核", value: waiting, href: "/admin/articles?status=submitted" },
        { label: "本周发布", value: published, href: "/admin/articles?status=published" },
      ];
      if (may(staff, RIGHTS.errorReports)) {
        const reports = await sites.countOpenErrorReports(
          inSites(sitesWithRight(staff, RIGHTS.errorReports)),
        );
        cards.push({ label: "待答复的找错反馈", value: reports, href: "/admin/error-reports" });
      }
    }
    const sections = (await Promise.all(deps.workloads.map((w) => w.workload(staff)))).filter(
      (s): s is WorkloadSection => s !== null,
    );
    const shortcuts = navFor(staff).filter((n) => n.href !== "/admin");
    return sendPage(
      reply,
      <AdminLayout ctx={c.view} title="工作台">
        <h1>工作台</h1>
        <p>
          您好，{staff.displayName}。{staff.isOperator ? "您是平台运维管理员，可管理所有网站。" : null}
        </p>
        {sections.map((section, i) => (
          <section class="workload" aria-labelledby={`work-${i}`}>
            <h2 id={`work-${i}`}>{section.title}</h2>
            <ul class="cards" aria-label={`${section.title}概况`}>
              {section.figures.map((f) => (
                <li class={`card ${f.state}`}>
                  <a href={f.href}>
                    <strong>{f.value}</strong>
                    {f.label}
                  </a>
                </li>
              ))}
            </ul>
            {section.items.length ? (
              <table class="admin-table">
                <caption>最紧急的{section.title}</caption>
                <thead>
                  <tr>
                    <th scope="col">状态</th>
                    <th scope="col">编号</th>
                    <th scope="col">事项</th>
                    <th scope="col">办理时限</th>
                  </tr>
                </thead>
                <tbody>
                  {section.items.map((item) => (
                    <tr class={`work-${item.state}`}>
                      <td>
                        <span class={`badge ${item.state}`}>{WORK_STATE_NAMES[item.state]}</span>
                      </td>
                      <td>{item.ref}</td>
                      <td>
                        <a href={item.href}>{item.title}</a>
                      </td>
                      <td>{item.due ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p>暂无到期或待您处理的{section.title}。</p>
            )}
          </section>
        ))}
        {cards.length ? (
          <section aria-labelledby="work-content">
            <h2 id="work-content">信息发布</h2>
            <ul class="cards" aria-label="信息发布概况">
              {cards.map((card) => (
                <li class="card">
                  <a href={card.href}>
                    <strong>{card.value}</strong>
                    {card.label}
                  </a>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <h2>常用功能</h2>
        <ul>
          {shortcuts.map((n) => (
            <li>
              <a href={n.href}>{n.right.name}</a>
            </li>
          ))}
        </ul>
      </AdminLayout>,
    );
  });
};
export default dashboardRoutes;
