import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { maskIdNumber, maskName, maskPhone } from "../../../platform/mask/mask.ts";
import type { Account } from "../../accounts/index.ts";
import { formatPubDate, Layout, type PageContext } from "../../../web/layout.tsx";
import { Pagination } from "../../../web/components/pagination.tsx";
import { chinaTime } from "../../../platform/time/china-time.ts";
import {
  ACTION_LABELS,
  STATUS_LABELS,
  SUSPEND_KINDS,
  type Application,
  type ApplicationEvent,
  type ProgressStep,
} from "../applications.ts";

const PROGRESS_LABELS: Record<ProgressStep["state"], string> = {
  done: "已完成",
  current: "办理中",
  pending: "待办理",
  stopped: "未办理",
};
import type { ServiceItem } from "../catalogue.ts";
import { displayValue, type FormSchema, type FormValues } from "../forms.ts";
import {
  licenceMaterials,
  materialLicence,
  onceOnlyMaterials,
  ownRecordQuery,
  licenceKey,
  sparedKey,
  sourceText,
  type Filing,
  type OnceOnlyMaterial,
} from "../once-only.ts";
import { FormFields } from "./form-fields.tsx";

/**
 * A person applying for themselves: name, ID number and verified phone come from the account, shown
 * masked and read-only (what is posted in their place is ignored; see lockIdentity).
 */
export function lockedIdentity(account: Account): Record<string, string> {
  if (account.kind !== "person" || !account.idNumber) return {};
  return {
    applicantName: account.name,
    idNumber: maskIdNumber(account.idNumber),
    ...(account.phone ? { phone: maskPhone(account.phone) } : {}),
  };
}

export function ApplyPage(p: {
  ctx: PageContext;
  item: ServiceItem;
  schema: FormSchema;
  values: FormValues;
  errors: Record<string, string>;
  csrf: string;
  idem: string;
  application: Application | null;
  addRowFor?: string;
  rawRows?: Record<string, number>;
  saved?: boolean;
  /** A draft of this item the applicant has not submitted (shown on a fresh form). */
  draft?: { id: number; savedAt: string };
  account: Account;
  /** The 本人/代办 choice, consent and once-only state as posted or saved. */
  filing?: Filing | null;
  /** E-licences the applicant holds and may present instead of a material (valid ones). */
  held?: HeldForApply[];
}) {
  const { ctx, item, account } = p;
  const url = `${ctx.base}/services/apply/${encodeURIComponent(item.code)}`;
  const onceOnly = onceOnlyMaterials(item.guide);
  const spared = onceOnly.map((o) => o.material);
  const person = account.kind === "person" && Boolean(account.idNumber);
  const locked = lockedIdentity(account);
  const filing = p.filing ?? null;
  const proxy = filing?.mode === "proxy";
  const multipart = true; // 代办 authorisation and once-only fallbacks are uploads
  // "使用电子证照" next to the form's own upload of a material an e-licence can replace.
  const held = account.verified ? (p.held ?? []) : [];
  const licenceExtras = Object.fromEntries(
    licenceMaterials(item.guide, p.schema)
      .filter((l) => !l.onceOnly)
      .map((l) => [l.key, <LicenceChoice index={l.index} licence={l.licence} filing={filing} held={held} />]),
  );
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `在线办理：${item.name}`, url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "办事服务", href: `${ctx.base}/services/` },
        { name: item.name, href: `${ctx.base}/services/item/${encodeURIComponent(item.code)}` },
        { name: "在线办理" },
      ]}
    >
      <h1>在线办理：{item.name}</h1>
      {p.application?.status === "correction" ? (
        <div class="notice" role="alert">
          <h2>请按以下意见一次性补正后重新提交</h2>
          <p class="pre-line">{p.application.correctionNote}</p>
        </div>
      ) : null}
      {p.saved ? <p class="notice info">草稿已保存，可随时从“我的办件”继续填写。</p> : null}
      {p.draft ? (
        <p class="notice info">
          您有一份尚未提交的草稿（{chinaTime(p.draft.savedAt)} 保存），
          <a href={`${p.ctx.base}/services/apply/${encodeURIComponent(p.item.code)}?app=${p.draft.id}`}>
            继续填写草稿
          </a>
          ，或在下面重新填写。
        </p>
      ) : null}
      {spared.length > 0 ? (
        <p class="notice info">
          可免提交{spared.length}件：{spared.map((m) => m.name).join("、")}
          （经您同意后由发证部门通过数据共享提供；为他人代办时须上传）
        </p>
      ) : null}
      <ErrorSummary errors={p.errors} />
      <form
        method="post"
        action={url}
        enctype={multipart ? "multipart/form-data" : undefined}
        novalidate
        class="form"
      >
        <input type="hidden" name="_csrf" value={p.csrf} />
        <input type="hidden" name="_idem" value={p.idem} />
        {person ? (
          <fieldset class="field" id="filingMode">
            <legend>申请方式</legend>
            <label class="choice">
              <input type="radio" name="filingMode" value="self" checked={!proxy} />{" "}
              本人申请（姓名、身份证号码、手机号码来自您的实名账户，不可修改）
            </label>
            <label class="choice">
              <input type="radio" name="filingMode" value="proxy" checked={proxy} />{" "}
              为他人代办（须填写被代办人的姓名、身份证号码并上传其授权委托书）
            </label>
          </fieldset>
        ) : null}
        <FormFields
          schema={p.schema}
          values={p.values}
          errors={p.errors}
          addRowFor={p.addRowFor}
          rawRows={p.rawRows}
          locked={locked}
          extras={licenceExtras}
        />
        {person ? <ProxyFields filing={filing} errors={p.errors} /> : null}
        {onceOnly.length > 0 ? (
          <OnceOnlyFields
            onceOnly={onceOnly}
            filing={filing}
            errors={p.errors}
            account={account}
            held={p.held ?? []}
          />
        ) : null}
        <p>
          <button type="submit" name="_action" value="submit" class="button">
            提交申请
          </button>{" "}
          <button type="submit" name="_action" value="draft" class="button secondary" formnovalidate>
            保存草稿
          </button>
        </p>
      </form>
    </Layout>
  );
}

/** 代办: the principal's name, ID number and authorisation (asked only when 为他人代办 is chosen). */
function ProxyFields({ filing, errors }: { filing: Filing | null; errors: Record<string, string> }) {
  const p = filing?.mode === "proxy" ? filing.principal : null;
  return (
    <fieldset class="field">
      <legend>代办信息（选择“为他人代办”时填写）</legend>
      <Field id="principalName" label="被代办人姓名" error={errors.principalName}>
        <input
          id="principalName"
          name="principalName"
          type="text"
          maxLength={30}
          value={p?.name ?? ""}
          aria-invalid={errors.principalName ? "true" : undefined}
        />
      </Field>
      <Field id="principalIdNumber" label="被代办人身份证号码" error={errors.principalIdNumber}>
        <input
          id="principalIdNumber"
          name="principalIdNumber"
          type="text"
          maxLength={18}
          autocomplete="off"
          value={p?.idNumber ?? ""}
          aria-invalid={errors.principalIdNumber ? "true" : undefined}
        />
      </Field>
      <Field
        id="principalAuth"
        label="被代办人授权委托书"
        hint="被代办人签字的授权委托书，支持PDF、JPG、PNG，不超过5MB"
        error={errors.principalAuth}
      >
        {p?.authorisation ? (
          <span class="meta">已上传：{p.authorisation.name}，重新选择文件可替换</span>
        ) : null}
        <input
          id="principalAuth"
          name="principalAuth"
          type="file"
          accept="application/pdf,image/jpeg,image/png"
          aria-describedby="principalAuth-hint"
          aria-invalid={errors.principalAuth ? "true" : undefined}
        />
      </Field>
    </fieldset>
  );
}

/**
 * Once-only materials: what is fetched from whom (with the consent checkbox, off by default), and an
 * upload for each in case the applicant does not consent, files for someone else, or the fetch fails.
 */
/** A licence the applicant holds, as the apply page offers it. */
export interface HeldForApply {
  id: number;
  kindName: string;
  department: string;
  expiresAt: string | null;
}

function OnceOnlyFields({
  onceOnly,
  filing,
  errors,
  account,
  held,
}: {
  onceOnly: OnceOnlyMaterial[];
  filing: Filing | null;
  errors: Record<string, string>;
  account: Account;
  held: HeldForApply[];
}) {
  const fetchable = account.verified ? onceOnly.filter((o) => ownRecordQuery(o.source, account)) : [];
  return (
    <fieldset class="field once-only">
      <legend>免提交材料</legend>
      {fetchable.length > 0 ? (
        <label class="choice consent">
          <input type="checkbox" name="onceOnlyConsent" value="1" checked={filing?.consent === true} />{" "}
          我同意：为办理本事项，本平台以本办件编号为用途，通过楚云省数据共享交换平台调取本人的
          {fetchable
            .map(
              (o) =>
                `${o.source.resourceName}（${o.source.provider}：${o.source.fields.map((f) => f.label).join("、")}）`,
            )
            .join("；")}
          ，用于替代提交{fetchable.map((o) => o.material.name).join("、")}
          。仅限本人申请；调取记录可在“我的—谁查看了我的数据”中查看。
        </label>
      ) : (
        <p class="meta">
          {account.verified ? "" : "您的账户尚未实名认证，"}以下材料请上传（免提交仅限实名认证的本人申请）。
        </p>
      )}
      {onceOnly.map((o) => {
        const key = sparedKey(o.index);
        const done = filing?.materials.find((m) => m.index === o.index);
        return (
          <Field
            id={key}
            label={`${o.material.name}：免提交（${sourceText(o.source)}）`}
            hint="不同意调取、为他人代办或未能获取时，请在此上传（PDF、JPG、PNG，不超过5MB）"
            error={errors[key]}
          >
            {done?.status === "fetched" ? null : (
              <LicenceChoice
                index={o.index}
                licence={materialLicence(o.material)}
                filing={filing}
                held={account.verified ? held : []}
              />
            )}
            {done?.status === "licence" ? null : done?.status === "fetched" ? (
              <span class="meta">已由{o.source.provider}提供，无需上传</span>
            ) : done?.file ? (
              <span class="meta">已上传：{done.file.name}，重新选择文件可替换</span>
            ) : null}
            <input
              id={key}
              name={key}
              type="file"
              accept="application/pdf,image/jpeg,image/png"
              aria-describedby={`${key}-hint`}
              aria-invalid={errors[key] ? "true" : undefined}
            />
          </Field>
        );
      })}
    </fieldset>
  );
}

/**
 * "使用电子证照" for one material: the applicant's usable licence of the material's kind, offered in
 * place of the upload (the upload stays possible), or the licence already used (verified, trust A).
 */
function LicenceChoice({
  index,
  licence,
  filing,
  held,
}: {
  index: number;
  licence: string | null;
  filing: Filing | null;
  held: HeldForApply[];
}) {
  const done = filing?.materials.find((m) => m.index === index);
  if (done?.status === "licence")
    return (
      <span class="meta">已使用您的电子证照“{done.licence?.kindName}”（核验通过，可信等级A），无需上传</span>
    );
  const l = licence ? held.find((h) => h.kindName === licence) : undefined;
  if (!l) return null;
  return (
    <label class="choice">
      <input
        type="checkbox"
        name={licenceKey(index)}
        value={String(l.id)}
        checked={filing?.licenceChoices?.some((c) => c.index === index && c.licenceId === l.id)}
      />{" "}
      使用电子证照：{l.kindName}（{l.department}签发
      {l.expiresAt ? `，有效期至${l.expiresAt.slice(0, 10)}` : "，长期有效"}
      ）——由您的电子证照出示给本平台核验（可信等级A），无需上传
    </label>
  );
}

/** How the receipt and the console name who filed an application (代办 marked). */
export function filingSummary(filing: Filing | null): string | null {
  if (!filing || filing.mode !== "proxy" || !filing.principal) return null;
  return `代办：${maskName(filing.filedBy.name)}代${maskName(filing.principal.name)}（${maskIdNumber(filing.principal.idNumber)}）办理`;
}

export function Timeline({ events, showNotes }: { events: ApplicationEvent[]; showNotes: boolean }) {
  return (
    <ol class="timeline">
      {events.map((e) => (
        <li>
          <time dateTime={e.at}>{formatPubDate(e.at)}</time> {ACTION_LABELS[e.action] ?? e.action}
          {e.actorKind === "staff" && showNotes ? `（${e.actorName}）` : ""} →{" "}
          {STATUS_LABELS[e.toStatus] ?? e.toStatus}
          {showNotes && e.note ? <span class="pre-line">：{e.note}</span> : null}
        </li>
      ))}
    </ol>
  );
}

export function ReceiptPage(p: {
  ctx: PageContext;
  application: Application;
  item: ServiceItem | undefined;
  schema: FormSchema | null;
  events: ApplicationEvent[];
  progress?: ProgressStep[];
  csrf: string;
  department: string;
  duplicate?: boolean;
  evaluation?: { level: number; comment: string; isDefault: boolean } | null;
  rectification?: { status: string; result: string | null } | null;
}) {
  const a = p.application;
  const { ctx } = p;
  const url = `${ctx.base}/services/receipt/${a.trackingNo}`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: `办件回执 ${a.trackingNo}`, url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "我的办件", href: `${ctx.base}/services/my` },
        { name: "办件回执" },
      ]}
    >
      <h1>办件回执</h1>
      {p.duplicate ? <p class="notice info">该申请已提交过，无需重复提交。以下是已提交的办件。</p> : null}
      <table class="data-table">
        <caption class="visually-hidden">办件信息</caption>
        <tbody>
          <tr>
            <th scope="row">办件编号</th>
            <td>
              <strong class="tracking-no">{a.trackingNo}</strong>
            </td>
          </tr>
          <tr>
            <th scope="row">办理事项</th>
            <td>{a.itemName}</td>
          </tr>
          <tr>
            <th scope="row">办理部门</th>
            <td>{p.department}</td>
          </tr>
          <tr>
            <th scope="row">当前状态</th>
            <td>{STATUS_LABELS[a.status]}</td>
          </tr>
          {filingSummary(a.filing) ? (
            <tr>
              <th scope="row">申请方式</th>
              <td>{filingSummary(a.filing)}</td>
            </tr>
          ) : null}
          <tr>
            <th scope="row">提交时间</th>
            <td>{a.submittedAt ? formatPubDate(a.submittedAt) : "尚未提交"}</td>
          </tr>
          {a.dueCommitted ? (
            <tr>
              <th scope="row">承诺办结日期</th>
              <td>
                {a.dueCommitted}（法定时限截止 {a.dueLegal}）
                {a.status === "suspended"
                  ? `，${SUSPEND_KINDS[a.suspendKind ?? "suspend"] ?? "挂起"}期间计时暂停`
                  : ""}
                {a.extendedDays ? `；法定期限经批准延长${a.extendedDays}个工作日` : ""}
                {a.suspendedDays ? `；已有${a.suspendedDays}个工作日不计入时限` : ""}
              </td>
            </tr>
          ) : null}
          {a.outcomeText ? (
            <tr>
              <th scope="row">办理结果</th>
              <td>
                {a.outcome === "approved"
                  ? "准予办理"
                  : a.outcome === "denied"
                    ? "不予办理"
                    : a.outcome === "refused"
                      ? "不予受理"
                      : ""}
                ：{a.outcomeText}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {a.status === "draft" || a.status === "correction" ? (
        <p>
          <a class="button" href={`${ctx.base}/services/apply/${encodeURIComponent(a.itemCode)}?app=${a.id}`}>
            {a.status === "correction" ? "补正材料" : "继续填写"}
          </a>
        </p>
      ) : null}
      {a.status === "correction" ? (
        <div class="notice" role="alert">
          <h2>补正告知</h2>
          <p class="pre-line">{a.correctionNote}</p>
        </div>
      ) : null}
      {a.prereview ? (
        <>
          <h2>网上预审结果</h2>
          <ul>
            {a.prereview.checks.map((c) => (
              <li>
                {c.ok ? "✓" : "✗"} {c.name}：{c.detail}
              </li>
            ))}
            {a.prereview.spared.length ? (
              <li>
                免提交{a.prereview.spared.length}件：{a.prereview.spared.join("、")}
              </li>
            ) : null}
            {(a.filing?.materials ?? []).map((m) =>
              m.status === "licence" ? (
                <li>
                  {m.name}：已使用本人电子证照“{m.licence?.kindName}”替代（核验通过，可信等级A）
                </li>
              ) : m.status === "fetched" ? (
                <li>
                  {m.name}：已由{m.provider}“{m.resourceName}”提供（数据共享调用记录第{m.auditSeq}号）
                </li>
              ) : (
                <li>
                  {m.name}：已上传{m.file ? `（${m.file.name}）` : ""}
                </li>
              ),
            )}
          </ul>
        </>
      ) : null}
      {p.schema ? (
        <>
          <h2>申请内容</h2>
          <table class="data-table">
            <caption class="visually-hidden">申请内容</caption>
            <tbody>
              {p.schema.fields.map((f) => (
                <tr>
                  <th scope="row">{f.label}</th>
                  <td>
                    {f.type === "idnumber" && typeof a.data[f.name] === "string" && a.data[f.name]
                      ? maskIdNumber(a.data[f.name] as string)
                      : f.type === "phone" && typeof a.data[f.name] === "string" && a.data[f.name]
                        ? maskPhone(a.data[f.name] as string)
                        : displayValue(f, a.data[f.name])}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {p.progress && p.progress.length ? (
        <>
          <h2>办理环节</h2>
          <ol class="steps">
            {p.progress.map((st) => (
              <li class={`step-${st.state}`}>
                {st.name}
                {st.group ? `（${st.group}）` : ""}：{PROGRESS_LABELS[st.state]}
                {st.at ? ` ${formatPubDate(st.at)}` : ""}
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <h2>办理进度</h2>
      <Timeline events={p.events} showNotes />
      {["prereview", "correction", "review", "suspended"].includes(a.status) ? (
        <form method="post" action={`${ctx.base}/services/receipt/${a.trackingNo}/withdraw`} class="no-print">
          <input type="hidden" name="_csrf" value={p.csrf} />
          <label for="withdraw-reason">撤回原因（选填）</label>{" "}
          <input id="withdraw-reason" type="text" name="reason" maxLength={200} />{" "}
          <button type="submit" class="button secondary">
            撤回申请
          </button>
        </form>
      ) : null}
      {a.status === "closed" || a.status === "refused" ? (
        p.evaluation ? (
          <p>
            您的评价：{["", "非常不满意", "不满意", "基本满意", "满意", "非常满意"][p.evaluation.level]}
            {p.evaluation.isDefault ? "（超期未评价，系统默认）" : ""}
            {p.rectification
              ? `；整改情况：${p.rectification.status === "done" ? p.rectification.result : "整改中"}`
              : ""}
          </p>
        ) : (
          <p class="no-print">
            <a class="button" href={`${ctx.base}/services/receipt/${a.trackingNo}/evaluate`}>
              评价本次服务（好差评）
            </a>
          </p>
        )
      ) : null}
    </Layout>
  );
}

export function MyApplicationsPage({
  ctx,
  rows,
  total,
  page,
  bundles,
}: {
  ctx: PageContext;
  rows: Application[];
  total: number;
  page: number;
  /** The 一件事 number of each bundle application the rows belong to, by its id. */
  bundles: Map<number, string>;
}) {
  const url = `${ctx.base}/services/my`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "我的办件", url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "办事服务", href: `${ctx.base}/services/` },
        { name: "我的办件" },
      ]}
    >
      <h1>我的办件</h1>
      {rows.length === 0 ? (
        <p>
          您还没有办件。<a href={`${ctx.base}/services/`}>去办事</a>
        </p>
      ) : (
        <table class="data-table">
          <caption class="visually-hidden">我的办件列表</caption>
          <thead>
            <tr>
              <th scope="col">办件编号</th>
              <th scope="col">事项</th>
              <th scope="col">状态</th>
              <th scope="col">更新时间</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr>
                <td>
                  <a href={`${ctx.base}/services/receipt/${a.trackingNo}`}>
                    {a.status === "draft" ? "（草稿）" : a.trackingNo}
                  </a>
                </td>
                <td>
                  {a.itemName}
                  {a.bundleApplicationId && bundles.has(a.bundleApplicationId) ? (
                    <>
                      （一件事{" "}
                      <a href={`${ctx.base}/services/bundle-receipt/${bundles.get(a.bundleApplicationId)}`}>
                        {bundles.get(a.bundleApplicationId)}
                      </a>
                      ）
                    </>
                  ) : null}
                </td>
                <td>{STATUS_LABELS[a.status]}</td>
                <td>{formatPubDate(a.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination base={url} page={page} pageSize={20} total={total} />
    </Layout>
  );
}

export function TrackPage({
  ctx,
  no,
  application,
  events,
  message,
}: {
  ctx: PageContext;
  no: string;
  application: Application | null;
  events: ApplicationEvent[];
  message?: string;
}) {
  const url = `${ctx.base}/services/track`;
  return (
    <Layout
      ctx={ctx}
      meta={{ title: "办件查询", url }}
      crumbs={[
        { name: "首页", href: `${ctx.base}/` },
        { name: "办事服务", href: `${ctx.base}/services/` },
        { name: "办件查询" },
      ]}
    >
      <h1>办件进度查询</h1>
      <form method="get" action={url} class="filters" role="search">
        <label>
          办件编号
          <input type="text" name="no" value={no} maxLength={30} />
        </label>
        <button type="submit" class="button">
          查询
        </button>
      </form>
      {message ? <p class="notice">{message}</p> : null}
      {application ? (
        <section aria-labelledby="track-result">
          <h2 id="track-result">
            {application.itemName}：{STATUS_LABELS[application.status]}
          </h2>
          <p class="meta">为保护个人信息，此处只显示办理进度；申请内容请登录后在“我的办件”中查看。</p>
          <Timeline events={events} showNotes={false} />
        </section>
      ) : null}
    </Layout>
  );
}
