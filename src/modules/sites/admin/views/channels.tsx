import { AdminLayout, CsrfField, type AdminContext } from "../../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../../web/components/form.tsx";
import type { Channel, Site } from "../../service.ts";

export const CHANNEL_KINDS: Record<string, string> = {
  list: "信息列表",
  policy: "政策文件",
  disclosure: "政务公开",
  interaction: "互动交流",
  service: "办事服务",
  link: "外部链接",
};

/** 审核级数 choices (三审制: 初审, 复审, 终审). */
const STAGE_CHOICES: Record<string, string> = {
  "1": "一审（审核后发布）",
  "2": "二审（初审、终审）",
  "3": "三审（初审、复审、终审）",
};

export interface ChannelFormValues {
  name: string;
  slug: string;
  kind: string;
  parentId: string;
}

export function ChannelsPage({
  ctx,
  site,
  channels,
  values,
  errors,
  message,
  done,
}: {
  ctx: AdminContext;
  site: Site;
  channels: Channel[];
  values: ChannelFormValues;
  errors: Record<string, string>;
  message?: string;
  done?: string;
}) {
  const ordered = [...channels].sort((a, b) => a.path.localeCompare(b.path));
  const depth = (c: Channel) => Math.min(c.path.split("/").length - 1, 3);
  return (
    <AdminLayout ctx={ctx} title={`栏目管理：${site.name}`}>
      <h1>栏目管理：{site.name}</h1>
      {done ? (
        <p class="notice info" role="status">
          {done}
        </p>
      ) : null}
      <ErrorSummary errors={errors} title={message} />
      <p class="meta">修改栏目路径或合并栏目后，旧地址会自动301跳转到新地址。</p>
      <h2 id="review-stages-h">审核级数（三审制）</h2>
      <form method="post" action={`/admin/sites/${site.id}/review-stages`} class="inline-form">
        <CsrfField token={ctx.csrf} />
        <label>
          本网站信息发布前的审核级数
          <select name="reviewStages">
            {Object.entries(STAGE_CHOICES).map(([n, label]) => (
              <option value={n} selected={String(site.reviewStages) === n}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button secondary">
          保存审核级数
        </button>
      </form>
      <p class="meta">
        栏目可单独设置审核级数；信息发布到多个栏目时按其中最严格的执行。每一审须由不同审核员完成。
      </p>
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">栏目</th>
            <th scope="col">地址</th>
            <th scope="col">改名 / 改路径</th>
            <th scope="col">审核级数</th>
          </tr>
        </thead>
        <tbody>
          {ordered.map((c) => (
            <tr>
              <td class={`depth-${depth(c)}`}>{c.name}</td>
              <td>
                <a href={`/sites/${site.code}/col/${c.path}/`}>{c.path}</a>
              </td>
              <td>
                <form method="post" action={`/admin/channels/${c.id}/rename`} class="inline-form">
                  <CsrfField token={ctx.csrf} />
                  <label>
                    <span class="visually-hidden">{c.name}的</span>名称
                    <input name="name" value={c.name} maxLength={30} />
                  </label>
                  <label>
                    <span class="visually-hidden">{c.name}的</span>路径
                    <input name="slug" value={c.slug} maxLength={31} />
                  </label>
                  <button type="submit" class="button secondary">
                    保存
                  </button>
                </form>
              </td>
              <td>
                <form method="post" action={`/admin/channels/${c.id}/review-stages`} class="inline-form">
                  <CsrfField token={ctx.csrf} />
                  <label>
                    <span class="visually-hidden">{c.name}的审核级数</span>
                    <select name="reviewStages">
                      <option value="">按网站设置</option>
                      {Object.entries(STAGE_CHOICES).map(([n, label]) => (
                        <option value={n} selected={String(c.reviewStages ?? "") === n}>
                          {label}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button type="submit" class="button secondary">
                    保存
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>新建栏目</h2>
      <form method="post" action={`/admin/sites/${site.id}/channels`}>
        <CsrfField token={ctx.csrf} />
        <Field id="name" label="栏目名称" error={errors.name}>
          <input id="name" name="name" value={values.name} maxLength={30} />
        </Field>
        <Field id="slug" label="栏目路径" hint="小写字母、数字或连字符，如 rcgz" error={errors.slug}>
          <input id="slug" name="slug" value={values.slug} maxLength={31} aria-describedby="slug-hint" />
        </Field>
        <Field id="kind" label="栏目类型">
          <select id="kind" name="kind">
            {Object.entries(CHANNEL_KINDS).map(([k, v]) => (
              <option value={k} selected={values.kind === k}>
                {v}
              </option>
            ))}
          </select>
        </Field>
        <Field id="parentId" label="上级栏目" error={errors.parentId}>
          <select id="parentId" name="parentId">
            <option value="">（顶级栏目）</option>
            {ordered.map((c) => (
              <option value={String(c.id)} selected={values.parentId === String(c.id)}>
                {c.path}（{c.name}）
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="button">
          新建栏目
        </button>
      </form>

      <h2>合并栏目（机构改革）</h2>
      <form method="post" action={`/admin/sites/${site.id}/channels/merge`}>
        <CsrfField token={ctx.csrf} />
        <Field id="sourceId" label="被合并的栏目（将删除，信息移入目标栏目）" error={errors.sourceId}>
          <select id="sourceId" name="sourceId">
            {ordered.map((c) => (
              <option value={String(c.id)}>
                {c.path}（{c.name}）
              </option>
            ))}
          </select>
        </Field>
        <Field id="targetId" label="并入的目标栏目">
          <select id="targetId" name="targetId">
            {ordered.map((c) => (
              <option value={String(c.id)}>
                {c.path}（{c.name}）
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="button secondary">
          合并
        </button>
      </form>
    </AdminLayout>
  );
}
