import { AdminLayout, type AdminContext } from "../../../../web/admin-layout.tsx";
import { chinaTime } from "../../../../platform/time/china-time.ts";

export function VersionsPage({
  ctx,
  articleId,
  title,
  versions,
  from,
  to,
  diff,
}: {
  ctx: AdminContext;
  articleId: number;
  title: string;
  versions: { version: number; note: string; createdAt: string; title: string }[];
  from: number;
  to: number;
  diff: { value: string; added: boolean; removed: boolean }[] | null;
}) {
  return (
    <AdminLayout ctx={ctx} title={`版本历史：${title}`}>
      <h1>版本历史：{title}</h1>
      <p>
        <a href={`/admin/articles/${articleId}`}>返回编辑</a>
      </p>
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">版本</th>
            <th scope="col">说明</th>
            <th scope="col">时间</th>
            <th scope="col">标题</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr>
              <td>第{v.version}版</td>
              <td>{v.note}</td>
              <td>{chinaTime(v.createdAt)}</td>
              <td>{v.title}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>比较版本</h2>
      <form method="get" action={`/admin/articles/${articleId}/versions`} class="filters">
        <label>
          从
          <select name="from">
            {versions.map((v) => (
              <option value={String(v.version)} selected={v.version === from}>
                第{v.version}版
              </option>
            ))}
          </select>
        </label>
        <label>
          到
          <select name="to">
            {versions.map((v) => (
              <option value={String(v.version)} selected={v.version === to}>
                第{v.version}版
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button secondary">
          比较
        </button>
      </form>
      {diff ? (
        <>
          <p class="meta">
            第{from}版 → 第{to}版：<ins class="diff-added">绿色为新增</ins>，
            <del class="diff-removed">红色为删除</del>。
          </p>
          <div class="diff" aria-label={`第${from}版与第${to}版的差异`}>
            {diff.map((part) =>
              part.added ? (
                <ins class="diff-added">
                  <span class="visually-hidden">［新增：</span>
                  {part.value}
                  <span class="visually-hidden">］</span>
                </ins>
              ) : part.removed ? (
                <del class="diff-removed">
                  <span class="visually-hidden">［删除：</span>
                  {part.value}
                  <span class="visually-hidden">］</span>
                </del>
              ) : (
                <span>{part.value}</span>
              ),
            )}
          </div>
        </>
      ) : (
        <p>只有一个版本，暂无可比较的内容。</p>
      )}
    </AdminLayout>
  );
}
