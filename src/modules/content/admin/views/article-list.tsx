import { AdminLayout, type AdminContext } from "../../../../web/admin-layout.tsx";
import { Pagination } from "../../../../web/components/pagination.tsx";
import { ARTICLE_KINDS, STATUS_LABELS, stageName } from "../../service.ts";
import { chinaTime } from "../../../../platform/time/china-time.ts";

export interface ArticleListRow {
  id: number;
  kind: string;
  title: string;
  status: string;
  updatedAt: string;
  ownerSiteId: number;
  version: number;
  scheduledAt: string | null;
  reviewStage: number;
  reviewStages: number;
}

/** What a submitted article waits for: 待初审（第1/3审）. */
function waitingFor(r: ArticleListRow): string {
  const stage = Math.max(r.reviewStage, 1);
  return `待${stageName(stage, r.reviewStages)}${r.reviewStages > 1 ? `（第${stage}/${r.reviewStages}审）` : ""}`;
}

const STAGE_QUEUES = ["第一审", "第二审", "第三审"];

export function ArticleListPage({
  ctx,
  title,
  base,
  rows,
  total,
  page,
  pageSize,
  filter,
  sites,
  siteNames,
  linkFor,
  showNew,
  stageCounts,
}: {
  ctx: AdminContext;
  title: string;
  base: string;
  rows: ArticleListRow[];
  total: number;
  page: number;
  pageSize: number;
  /** `mine` "1": only what the viewer created (the 工作台's 我的草稿). */
  filter: { status: string; site: string; q: string; stage?: string; mine?: string };
  sites: { id: number; name: string }[];
  siteNames: Map<number, string>;
  linkFor: (id: number) => string;
  showNew: boolean;
  /** The review queue: how many submitted articles wait at stage 1, 2 and 3 for this reviewer. */
  stageCounts?: number[];
}) {
  return (
    <AdminLayout ctx={ctx} title={title}>
      <h1>{title}</h1>
      {showNew ? (
        <p>
          <a class="button" href="/admin/articles/new">
            新建信息
          </a>
        </p>
      ) : null}
      {stageCounts ? (
        <nav aria-label="按审核环节查看" class="stage-queues">
          <ul class="inline-list">
            <li>
              <a href={`${base}?status=submitted`} aria-current={filter.stage ? undefined : "page"}>
                全部待审
              </a>
            </li>
            {stageCounts.map((n, i) => (
              <li>
                <a
                  href={`${base}?status=submitted&stage=${i + 1}`}
                  aria-current={filter.stage === String(i + 1) ? "page" : undefined}
                >
                  {STAGE_QUEUES[i]} <span class="badge">{n}</span>
                </a>
              </li>
            ))}
          </ul>
          <p class="hint">
            三审制：初审（第一审）、复审（第二审）、终审（最后一审）须由不同审核员完成；您已审核通过的信息等待他人审核，不再列出。
          </p>
        </nav>
      ) : null}
      <form method="get" action={base} class="filters" role="search" aria-label="筛选信息">
        <label>
          状态
          <select name="status">
            <option value="">全部</option>
            {Object.entries(STATUS_LABELS).map(([k, v]) => (
              <option value={k} selected={filter.status === k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          网站
          <select name="site">
            <option value="">全部有权限的网站</option>
            {sites.map((s) => (
              <option value={String(s.id)} selected={filter.site === String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          标题包含
          <input name="q" value={filter.q} maxLength={50} />
        </label>
        {filter.mine !== undefined ? (
          <label>
            <input type="checkbox" name="mine" value="1" checked={filter.mine === "1"} /> 仅看我创建的
          </label>
        ) : null}
        <button type="submit" class="button secondary">
          筛选
        </button>
      </form>
      {rows.length === 0 ? (
        <p>没有符合条件的信息。</p>
      ) : (
        <table class="data-table">
          <caption class="visually-hidden">
            {title}，共{total}条
          </caption>
          <thead>
            <tr>
              <th scope="col">标题</th>
              <th scope="col">类型</th>
              <th scope="col">所属网站</th>
              <th scope="col">状态</th>
              <th scope="col">版本</th>
              <th scope="col">更新时间</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>
                  <a href={linkFor(r.id)}>{r.title}</a>
                </td>
                <td>{ARTICLE_KINDS[r.kind] ?? r.kind}</td>
                <td>{siteNames.get(r.ownerSiteId) ?? ""}</td>
                <td>
                  <span class="status">
                    {r.status === "submitted" ? waitingFor(r) : (STATUS_LABELS[r.status] ?? r.status)}
                  </span>
                  {r.status === "scheduled" && r.scheduledAt ? ` ${chinaTime(r.scheduledAt)}` : null}
                </td>
                <td>{r.version}</td>
                <td>{chinaTime(r.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination base={base} params={filter} page={page} pageSize={pageSize} total={total} />
    </AdminLayout>
  );
}
