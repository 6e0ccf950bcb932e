import type { LetterAttachmentRow, LetterEventRow, LetterRuleRow } from "../tables.ts";
import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";

import { ErrorSummary, Field, SelectField } from "../../../web/components/form.tsx";
import { PostButton } from "../../../web/components/post-button.tsx";

import { formatPubDate } from "../../../web/layout.tsx";

import { Pagination } from "../../../web/components/pagination.tsx";

import type { Selectable } from "kysely";

import type { Letter } from "../letters.ts";

import {
  ACTION_LABELS,
  actorLabel,
  LETTER_KINDS,
  LETTER_STATUS,
  RATINGS,
  type InteractionSettings,
} from "../model.ts";

import { FLAG_LABELS, type ScreenFlag } from "../screening.ts";

export interface SiteOption {
  id: number;
  name: string;
}

const VIEWS: [string, string][] = [
  ["", "全部"],
  ["overdue", "超期"],
  ["warned", "临期"],
  ["escalated", "督办"],
  ["transfer", "待批转办"],
];

function dueLabel(l: Pick<Letter, "dueAt" | "status" | "repliedAt">, now: string) {
  if (l.repliedAt || l.status === "invalid") return "";
  return l.dueAt < now ? "已超期" : "";
}

export function QueuePage({
  ctx,
  rows,
  total,
  page,
  filter,
  siteName,
  deflection,
  now,
}: {
  ctx: AdminContext;
  rows: Letter[];
  total: number;
  page: number;
  filter: { status: string; view: string; q: string };
  siteName: (id: number | null) => string;
  deflection: { shown: number; filed: number; left: number };
  now: string;
}) {
  return (
    <AdminLayout ctx={ctx} title="互动交流">
      <h1>信件办理</h1>
      <p class="actions">
        {ctx.staff.isOperator ? <a href="/admin/interaction/settings">时限与分办规则</a> : null}
        {ctx.staff.isOperator ? <a href="/admin/interaction/open311">Open311 接口密钥</a> : null}
      </p>
      <p class="meta">
        写信前分流：{deflection.shown} 次写信过程展示了相似问题，其中 {deflection.filed} 次仍提交了信件，
        {deflection.left} 次未提交（可能已找到答案）。
      </p>
      <nav aria-label="信件视图" class="actions">
        {VIEWS.map(([v, name]) => (
          <a
            href={`/admin/interaction${v ? `?view=${v}` : ""}`}
            aria-current={filter.view === v ? "page" : undefined}
          >
            {name}
          </a>
        ))}
      </nav>
      <form method="get" action="/admin/interaction" class="filters">
        <input type="hidden" name="view" value={filter.view} />
        <label for="status">状态</label>
        <select id="status" name="status">
          <option value="">全部</option>
          {Object.entries(LETTER_STATUS).map(([v, n]) => (
            <option value={v} selected={filter.status === v}>
              {n}
            </option>
          ))}
        </select>
        <label for="q">查询编号或标题</label>
        <input id="q" name="q" type="search" maxLength={60} value={filter.q} />
        <button type="submit" class="button">
          筛选
        </button>
      </form>
      <table class="data-table">
        <caption class="visually-hidden">信件列表</caption>
        <thead>
          <tr>
            <th scope="col">查询编号</th>
            <th scope="col">标题</th>
            <th scope="col">类型</th>
            <th scope="col">状态</th>
            <th scope="col">承办单位</th>
            <th scope="col">办理期限</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((l) => (
            <tr>
              <td>{l.queryNo}</td>
              <td>
                <a href={`/admin/interaction/letters/${l.id}`}>{l.subject}</a>
                {l.flags ? <span class="status"> 需甄别</span> : null}
                {l.duplicateOfId ? <span class="status"> 相似来信</span> : null}
                {l.escalatedAt && !l.repliedAt ? <span class="status"> 督办</span> : null}
                {l.transferToSiteId ? <span class="status"> 待批转办</span> : null}
              </td>
              <td>{LETTER_KINDS[l.kind]}</td>
              <td>{LETTER_STATUS[l.status]}</td>
              <td>{siteName(l.ownerSiteId)}</td>
              <td>
                {formatPubDate(l.dueAt)} <strong>{dueLabel(l, now)}</strong>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p>没有符合条件的信件。</p> : null}
      <Pagination base="/admin/interaction" params={filter} page={page} pageSize={20} total={total} />
    </AdminLayout>
  );
}

export interface LetterDetail {
  letter: Letter;
  events: Selectable<LetterEventRow>[];
  attachments: Selectable<LetterAttachmentRow>[];
  duplicate: { id: number; queryNo: string; subject: string; status: string } | null;
  copies: { id: number; queryNo: string; subject: string; status: string; similarity: number | null }[];
}

export function LetterAdminPage({
  ctx,
  detail,
  sites,
  siteName,
  can,
  draft,
  errors,
  values,
  done,
  now,
  staffNames = new Map(),
}: {
  ctx: AdminContext;
  detail: LetterDetail;
  sites: SiteOption[];
  siteName: (id: number | null) => string;
  can: { operator: boolean; handle: boolean; review: boolean };
  draft: { subject: string; content: string; answer: string };
  errors: Record<string, string>;
  values: Record<string, string>;
  done?: string;
  now: string;
  /** Display names of the staff members among the events' actors (login → name). */
  staffNames?: ReadonlyMap<string, string>;
}) {
  const l = detail.letter;
  const action = (name: string) => `/admin/interaction/letters/${l.id}/${name}`;
  const flags = l.flags ? l.flags.split(",").map((f) => FLAG_LABELS[f as ScreenFlag] ?? f) : [];
  const open = ["submitted", "screened", "assigned", "answered"].includes(l.status);
  return (
    <AdminLayout ctx={ctx} title={`信件 ${l.queryNo}`}>
      <p>
        <a href="/admin/interaction">返回信件列表</a>
      </p>
      <h1>{l.subject}</h1>
      {done ? (
        <div class="notice info" role="status">
          <p>已完成：{ACTION_LABELS[done] ?? done}</p>
        </div>
      ) : null}
      <ErrorSummary errors={errors} />
      <dl class="letter-meta">
        <dt>查询编号</dt>
        <dd>{l.queryNo}</dd>
        <dt>状态</dt>
        <dd class="letter-status">{LETTER_STATUS[l.status]}</dd>
        <dt>类型</dt>
        <dd>{LETTER_KINDS[l.kind]}</dd>
        <dt>收信对象</dt>
        <dd>
          {l.addresseeKind === "leader"
            ? `${siteName(l.addresseeSiteId)}领导信箱`
            : siteName(l.addresseeSiteId)}
        </dd>
        <dt>承办单位</dt>
        <dd>{l.ownerSiteId ? siteName(l.ownerSiteId) : "未分办"}</dd>
        <dt>来信人</dt>
        <dd>
          {[l.name, l.phone, l.email, l.address].filter(Boolean).join("，") ||
            "未留姓名和联系方式（Open311 来件）"}
        </dd>
        {l.lat !== null || l.location || l.addressId ? (
          <>
            <dt>事发位置</dt>
            <dd>
              {[
                l.location,
                l.addressId ? `地址编号 ${l.addressId}` : null,
                l.zipcode ? `邮编 ${l.zipcode}` : null,
                l.lat !== null ? `纬度 ${l.lat}，经度 ${l.long}` : null,
              ]
                .filter(Boolean)
                .join("；")}
            </dd>
          </>
        ) : null}
        <dt>同意公开</dt>
        <dd>{l.publishConsent ? "是" : "否"}</dd>
        <dt>来信时间</dt>
        <dd>{formatPubDate(l.createdAt)}</dd>
        <dt>办理期限</dt>
        <dd>
          {formatPubDate(l.dueAt)}（{l.limitDays}个工作日
          {l.extendedDays ? ` + 延期${l.extendedDays}个工作日：${l.extensionReason}` : ""}）
          {open && l.dueAt < now ? <strong> 已超期</strong> : null}
          {l.escalatedAt ? <strong> 督办：{l.escalationNote}</strong> : null}
        </dd>
        {flags.length ? (
          <>
            <dt>甄别提示</dt>
            <dd>{flags.join("、")}</dd>
          </>
        ) : null}
        {detail.duplicate ? (
          <>
            <dt>相似来信</dt>
            <dd>
              与 <a href={`/admin/interaction/letters/${detail.duplicate.id}`}>{detail.duplicate.queryNo}</a>
              （{detail.duplicate.subject}）相似度 {l.similarity}%
            </dd>
          </>
        ) : null}
        {detail.copies.length ? (
          <>
            <dt>相似的后续来信</dt>
            <dd>
              {detail.copies.map((c) => (
                <a href={`/admin/interaction/letters/${c.id}`}>
                  {c.queryNo}（{c.similarity}%）{" "}
                </a>
              ))}
            </dd>
          </>
        ) : null}
        {l.transferToSiteId ? (
          <>
            <dt>转办申请</dt>
            <dd>
              转至 {siteName(l.transferToSiteId)}：{l.transferReason}（批准前仍由首接单位负责）
            </dd>
          </>
        ) : null}
      </dl>
      <h2>来信内容</h2>
      <div class="plain-text">{l.content}</div>
      {detail.attachments.length ? (
        <ul>
          {detail.attachments.map((a) => (
            <li>
              <a href={`/admin/interaction/letters/${l.id}/attachments/${a.id}`}>{a.fileName}</a>（
              {Math.ceil(a.size / 1024)}KB）
            </li>
          ))}
        </ul>
      ) : null}
      {l.answer ? (
        <>
          <h2>答复</h2>
          <div class="plain-text answer">{l.answer}</div>
        </>
      ) : null}
      {l.ratedAt ? (
        <p>
          来信人评价：{RATINGS[l.rating ?? ""]}，{l.solved ? "已解决" : "未解决"} {l.ratingNote}
        </p>
      ) : null}

      <h2>办理</h2>
      {can.operator && ["submitted", "screened"].includes(l.status) ? (
        <section class="panel">
          <h3>甄别与分办</h3>
          <form method="post" action={action("screen")}>
            <CsrfField token={ctx.csrf} />
            <button type="submit" class="button">
              通过甄别（按规则分办）
            </button>
          </form>
          <form method="post" action={action("assign")}>
            <CsrfField token={ctx.csrf} />
            <SelectField
              id="siteId"
              label="分办至"
              error={errors.siteId}
              options={sites.map((s) => ({ value: String(s.id), label: s.name }))}
              value={values.siteId}
            />
            <button type="submit" class="button">
              分办
            </button>
          </form>
          <form method="post" action={action("invalid")}>
            <CsrfField token={ctx.csrf} />
            <Field id="reason" label="不予受理理由" error={errors.reason}>
              <input id="reason" name="reason" type="text" maxLength={500} value={values.reason ?? ""} />
            </Field>
            <button type="submit" class="button secondary">
              不予受理
            </button>
          </form>
        </section>
      ) : null}
      {can.operator && l.transferToSiteId ? (
        <section class="panel">
          <h3>审批转办</h3>
          <div class="actions">
            <form method="post" action={action("transfer-accept")}>
              <CsrfField token={ctx.csrf} />
              <button type="submit" class="button">
                同意转办
              </button>
            </form>
            <PostButton
              action={action("transfer-reject")}
              csrf={ctx.csrf}
              label="不同意（仍由首接单位办理）"
            />
          </div>
        </section>
      ) : null}
      {can.handle && l.status === "assigned" ? (
        <section class="panel">
          <h3>答复</h3>
          <form method="post" action={action("answer")}>
            <CsrfField token={ctx.csrf} />
            <Field id="answer" label="答复内容（提交后送审核）" error={errors.answer}>
              <textarea id="answer" name="answer" rows={8} maxLength={5000}>
                {values.answer ?? ""}
              </textarea>
            </Field>
            <button type="submit" class="button">
              提交答复
            </button>
          </form>
          {!l.transferToSiteId ? (
            <form method="post" action={action("transfer")}>
              <CsrfField token={ctx.csrf} />
              <Field id="toSiteId" label="申请转办至" error={errors.toSiteId}>
                <select id="toSiteId" name="toSiteId">
                  {sites
                    .filter((s) => s.id !== l.ownerSiteId)
                    .map((s) => (
                      <option value={s.id} selected={values.toSiteId === String(s.id)}>
                        {s.name}
                      </option>
                    ))}
                </select>
              </Field>
              <Field id="transferReason" label="转办理由" error={errors.transferReason}>
                <input
                  id="transferReason"
                  name="reason"
                  type="text"
                  maxLength={500}
                  value={values.transferReason ?? ""}
                />
              </Field>
              <button type="submit" class="button secondary">
                申请转办
              </button>
            </form>
          ) : null}
        </section>
      ) : null}
      {can.handle && ["assigned", "answered"].includes(l.status) && l.extendedDays === 0 ? (
        <section class="panel">
          <h3>申请延期</h3>
          <form method="post" action={action("extend")}>
            <CsrfField token={ctx.csrf} />
            <Field id="days" label="延期工作日数" error={errors.days}>
              <input id="days" name="days" type="number" min={1} max={15} value={values.days ?? "5"} />
            </Field>
            <Field id="extendReason" label="延期理由" error={errors.extendReason}>
              <input
                id="extendReason"
                name="reason"
                type="text"
                maxLength={500}
                value={values.extendReason ?? ""}
              />
            </Field>
            <button type="submit" class="button secondary">
              延期
            </button>
          </form>
        </section>
      ) : null}
      {can.review && l.status === "answered" ? (
        <section class="panel">
          <h3>审核答复</h3>
          <form method="post" action={action("approve")}>
            <CsrfField token={ctx.csrf} />
            <button type="submit" class="button">
              审核通过并答复来信人
            </button>
          </form>
          <form method="post" action={action("reject")}>
            <CsrfField token={ctx.csrf} />
            <Field id="note" label="退回意见" error={errors.note}>
              <input id="note" name="note" type="text" maxLength={500} value={values.note ?? ""} />
            </Field>
            <button type="submit" class="button secondary">
              退回修改
            </button>
          </form>
        </section>
      ) : null}
      {can.review && l.status === "reviewed" && l.publishConsent ? (
        <section class="panel">
          <h3>公开</h3>
          <p class="meta">以下为已隐去个人信息的公开版本，可再修改；发布时会再次隐去证件号和手机号。</p>
          <form method="post" action={action("publish")}>
            <CsrfField token={ctx.csrf} />
            <Field id="publicSubject" label="公开标题" error={errors.publicSubject}>
              <input
                id="publicSubject"
                name="publicSubject"
                type="text"
                maxLength={100}
                value={values.publicSubject ?? draft.subject}
              />
            </Field>
            <Field id="publicContent" label="公开的来信内容" error={errors.publicContent}>
              <textarea id="publicContent" name="publicContent" rows={6}>
                {values.publicContent ?? draft.content}
              </textarea>
            </Field>
            <Field id="publicAnswer" label="公开的答复内容" error={errors.publicAnswer}>
              <textarea id="publicAnswer" name="publicAnswer" rows={6}>
                {values.publicAnswer ?? draft.answer}
              </textarea>
            </Field>
            <button type="submit" class="button">
              公开
            </button>
          </form>
        </section>
      ) : null}
      {can.review && l.status === "published" ? (
        <PostButton action={action("unpublish")} csrf={ctx.csrf} label="撤下公开" />
      ) : null}
      {can.operator && open && !l.escalatedAt ? (
        <section class="panel">
          <h3>督办</h3>
          <form method="post" action={action("escalate")}>
            <CsrfField token={ctx.csrf} />
            <Field id="escalateNote" label="督办意见" error={errors.escalateNote}>
              <input
                id="escalateNote"
                name="note"
                type="text"
                maxLength={500}
                value={values.escalateNote ?? ""}
              />
            </Field>
            <button type="submit" class="button secondary">
              督办
            </button>
          </form>
        </section>
      ) : null}

      <h2>办理记录</h2>
      <ol class="timeline">
        {detail.events.map((e) => (
          <li>
            <span class="meta">{formatPubDate(e.at)}</span> {actorLabel(e.actor, staffNames)}：
            {ACTION_LABELS[e.action] ?? e.action}
            {e.note ? `（${e.note}）` : ""}
            {e.public ? "" : " [内部]"}
          </li>
        ))}
      </ol>
    </AdminLayout>
  );
}

export function SettingsPage({
  ctx,
  settings,
  rules,
  sites,
  siteName,
  errors,
  saved,
}: {
  ctx: AdminContext;
  settings: InteractionSettings;
  rules: Selectable<LetterRuleRow>[];
  sites: SiteOption[];
  siteName: (id: number | null) => string;
  errors: Record<string, string>;
  saved?: boolean;
}) {
  return (
    <AdminLayout ctx={ctx} title="时限与分办规则">
      <h1>时限与分办规则</h1>
      {saved ? (
        <div class="notice info" role="status">
          <p>已保存。</p>
        </div>
      ) : null}
      <ErrorSummary errors={errors} />
      <form method="post" action="/admin/interaction/settings">
        <CsrfField token={ctx.csrf} />
        <h2>办理时限（工作日，1至15）</h2>
        {Object.entries(LETTER_KINDS).map(([k, name]) => (
          <Field id={`limit_${k}`} label={name} error={errors[`limit_${k}`]}>
            <input
              id={`limit_${k}`}
              name={`limit_${k}`}
              type="number"
              min={1}
              max={15}
              value={settings.limits[k]}
            />
          </Field>
        ))}
        <Field id="ratingWindowDays" label="评价期限（天）" error={errors.ratingWindowDays}>
          <input
            id="ratingWindowDays"
            name="ratingWindowDays"
            type="number"
            min={1}
            max={30}
            value={settings.ratingWindowDays}
          />
        </Field>
        <Field id="maxExtensionDays" label="延期上限（工作日）" error={errors.maxExtensionDays}>
          <input
            id="maxExtensionDays"
            name="maxExtensionDays"
            type="number"
            min={0}
            max={15}
            value={settings.maxExtensionDays}
          />
        </Field>
        <div class="field">
          <label class="inline">
            <input
              type="checkbox"
              name="defaultRatingSatisfied"
              value="1"
              checked={settings.defaultRatingSatisfied}
            />{" "}
            评价期满未评价的按满意计（统计时始终与实评分列）
          </label>
        </div>
        <button type="submit" class="button">
          保存
        </button>
      </form>
      <h2>分办规则（门户领导信箱按关键词分办）</h2>
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">关键词</th>
            <th scope="col">承办单位</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr>
              <td>{r.keyword}</td>
              <td>{siteName(r.targetSiteId)}</td>
              <td>
                <PostButton action={`/admin/interaction/rules/${r.id}/delete`} csrf={ctx.csrf} label="删除" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/admin/interaction/rules">
        <CsrfField token={ctx.csrf} />
        <Field id="keyword" label="关键词" error={errors.keyword}>
          <input id="keyword" name="keyword" type="text" maxLength={20} />
        </Field>
        <SiteSelect id="targetSiteId" label="承办单位" sites={sites} />
        <button type="submit" class="button">
          添加规则
        </button>
      </form>
    </AdminLayout>
  );
}

export function Open311KeysPage({
  ctx,
  keys,
  sites,
  siteName,
  newKey,
  errors,
}: {
  ctx: AdminContext;
  keys: { id: number; name: string; siteId: number; createdAt: string; revokedAt: string | null }[];
  sites: SiteOption[];
  siteName: (id: number | null) => string;
  newKey?: string;
  errors: Record<string, string>;
}) {
  return (
    <AdminLayout ctx={ctx} title="Open311 接口密钥">
      <h1>Open311 接口密钥</h1>
      <p>
        持有密钥的客户端可通过 <code>POST /open311/v2/requests.json</code>{" "}
        代群众提交信件（信件进入所选网站的领导信箱）。
      </p>
      {newKey ? (
        <div class="notice info" role="status">
          <p>
            新密钥（只显示这一次，请妥善保存）：<code class="new-key">{newKey}</code>
          </p>
        </div>
      ) : null}
      <ErrorSummary errors={errors} />
      <table class="data-table">
        <thead>
          <tr>
            <th scope="col">客户端</th>
            <th scope="col">网站</th>
            <th scope="col">创建时间</th>
            <th scope="col">状态</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr>
              <td>{k.name}</td>
              <td>{siteName(k.siteId)}</td>
              <td>{formatPubDate(k.createdAt)}</td>
              <td>
                {k.revokedAt ? (
                  "已停用"
                ) : (
                  <PostButton
                    action={`/admin/interaction/open311/${k.id}/revoke`}
                    csrf={ctx.csrf}
                    label="停用"
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/admin/interaction/open311">
        <CsrfField token={ctx.csrf} />
        <Field id="name" label="客户端名称" error={errors.name}>
          <input id="name" name="name" type="text" maxLength={60} />
        </Field>
        <SiteSelect id="siteId" label="信件进入的网站" sites={sites} />
        <button type="submit" class="button">
          创建密钥
        </button>
      </form>
    </AdminLayout>
  );
}

/** A site chooser field named after its id. */
function SiteSelect({ id, label, sites }: { id: string; label: string; sites: SiteOption[] }) {
  return (
    <Field id={id} label={label}>
      <select id={id} name={id}>
        {sites.map((s) => (
          <option value={s.id}>{s.name}</option>
        ))}
      </select>
    </Field>
  );
}
