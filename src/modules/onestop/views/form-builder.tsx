import type { ComponentChildren } from "preact";
import { AdminLayout, CsrfField, type AdminContext } from "../../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../../web/components/form.tsx";
import { chinaTime } from "../../../platform/time/china-time.ts";
import type { ServiceItem } from "../catalogue.ts";
import type { FormVersion } from "../form-store.ts";
import { SUB_FIELD_TYPES, type FieldDraft } from "../form-builder.ts";
import { FIELD_TYPES, MIME_LABEL, type FormSchema, type FormValues } from "../forms.ts";
import { FormFields } from "./form-fields.tsx";

type Errors = Record<string, string>;
type VersionInfo = Omit<FormVersion, "schema">;

const described = (id: string, errors: Errors, hint?: string) =>
  [hint ? `${id}-hint` : "", errors[id] ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;

const invalid = (id: string, errors: Errors) => (errors[id] ? ("true" as const) : undefined);

/** A labelled single-line setting of a field. */
function Setting({
  id,
  label,
  value,
  errors,
  hint,
  maxLength = 200,
  inputMode,
  code,
}: {
  id: string;
  label: string;
  value: string;
  errors: Errors;
  hint?: string;
  maxLength?: number;
  inputMode?: "numeric" | "decimal";
  code?: boolean;
}) {
  return (
    <Field id={id} label={label} hint={hint} error={errors[id]}>
      <input
        id={id}
        name={id}
        value={value}
        maxLength={maxLength}
        inputMode={inputMode}
        class={code ? "code" : undefined}
        aria-describedby={described(id, errors, hint)}
        aria-invalid={invalid(id, errors)}
      />
    </Field>
  );
}

function TypeSettings({ f, p, errors }: { f: FieldDraft; p: string; errors: Errors }) {
  switch (f.type) {
    case "text":
    case "textarea":
      return (
        <>
          <Setting
            id={`${p}pattern`}
            label="格式要求（正则表达式，选填）"
            hint="例如 ^\d{6}$ 表示6位数字；留空不限"
            value={f.pattern}
            errors={errors}
            maxLength={300}
            code
          />
          <Setting
            id={`${p}patternMessage`}
            label="格式不符时的提示"
            hint="例如：邮政编码应为6位数字"
            value={f.patternMessage}
            errors={errors}
            maxLength={100}
          />
          <Setting
            id={`${p}maxLength`}
            label="最多字数（选填）"
            value={f.maxLength}
            errors={errors}
            maxLength={6}
            inputMode="numeric"
          />
        </>
      );
    case "number":
      return (
        <>
          <Setting
            id={`${p}min`}
            label="最小值（选填）"
            value={f.min}
            errors={errors}
            maxLength={20}
            inputMode="decimal"
          />
          <Setting
            id={`${p}max`}
            label="最大值（选填）"
            value={f.max}
            errors={errors}
            maxLength={20}
            inputMode="decimal"
          />
        </>
      );
    case "select":
    case "multiselect": {
      const id = `${p}options`;
      const options = (
        <Field id={id} label="选项（每行一项）" hint="申请人从这些选项中选择" error={errors[id]}>
          <textarea
            id={id}
            name={id}
            rows={4}
            aria-describedby={described(id, errors, "hint")}
            aria-invalid={invalid(id, errors)}
          >
            {f.options}
          </textarea>
        </Field>
      );
      return f.type === "multiselect" ? (
        <>
          {options}
          <Setting
            id={`${p}exclusiveOption`}
            label="互斥选项（选填）"
            hint="选了它就不能再选其他选项，如“无以上症状”；须与上面某一项完全相同"
            value={f.exclusiveOption}
            errors={errors}
            maxLength={100}
          />
        </>
      ) : (
        options
      );
    }
    case "file": {
      const id = `${p}accept`;
      return (
        <>
          <fieldset
            id={id}
            class={errors[id] ? "field has-error" : "field"}
            aria-describedby={described(id, errors)}
          >
            <legend>允许的文件类型</legend>
            {errors[id] ? (
              <span class="field-error" id={`${id}-error`}>
                {errors[id]}
              </span>
            ) : null}
            {Object.entries(MIME_LABEL).map(([mime, name]) => (
              <label class="choice">
                <input type="checkbox" name={id} value={mime} checked={f.accept.includes(mime)} /> {name}
              </label>
            ))}
          </fieldset>
          <Setting
            id={`${p}maxSizeKb`}
            label="大小上限（KB，选填）"
            hint="留空为5120 KB（5MB）"
            value={f.maxSizeKb}
            errors={errors}
            maxLength={6}
            inputMode="numeric"
          />
        </>
      );
    }
    default:
      return null;
  }
}

function Condition({
  f,
  p,
  earlier,
  errors,
}: {
  f: FieldDraft;
  p: string;
  earlier: FieldDraft[];
  errors: Errors;
}) {
  const fid = `${p}whenField`;
  const candidates = earlier.filter((x) => !["file", "group", "address"].includes(x.type) && x.name);
  const missing = f.whenField && !candidates.some((x) => x.name === f.whenField);
  return (
    <fieldset class="fb-condition">
      <legend>显示条件</legend>
      <Field id={fid} label="仅当此字段的值符合条件时显示" error={errors[fid]}>
        <select
          id={fid}
          name={fid}
          aria-describedby={described(fid, errors)}
          aria-invalid={invalid(fid, errors)}
        >
          <option value="">（始终显示）</option>
          {candidates.map((x) => (
            <option value={x.name} selected={x.name === f.whenField}>
              {x.label || "（未填标签）"}（{x.name}）
            </option>
          ))}
          {missing ? (
            <option value={f.whenField} selected>
              {f.whenField}（不在本字段之前）
            </option>
          ) : null}
        </select>
      </Field>
      <Setting
        id={`${p}whenEquals`}
        label="等于"
        hint="所选字段为此值时才显示并校验本字段；多个值用 | 分隔"
        value={f.whenEquals}
        errors={errors}
        maxLength={300}
      />
    </fieldset>
  );
}

function Hidden({ children }: { children: ComponentChildren }) {
  return <span class="visually-hidden">{children}</span>;
}

/** One field's settings, with its move and delete buttons; groups hold their sub-fields the same way. */
function FieldEditor({
  f,
  path,
  count,
  earlier,
  errors,
  open = true,
}: {
  f: FieldDraft;
  path: number[];
  count: number;
  earlier: FieldDraft[];
  errors: Errors;
  open?: boolean;
}) {
  const sub = path.length > 1;
  const p = sub ? `f.${path[0]}.sub.${path[1]}.` : `f.${path[0]}.`;
  const anchor = sub ? `fb-f-${path[0]}-${path[1]}` : `fb-f-${path[0]}`;
  const ref = path.join(".");
  const i = path[path.length - 1];
  const types = sub ? SUB_FIELD_TYPES : Object.keys(FIELD_TYPES);
  const title = f.label || "（未填标签）";
  const hasError = Object.keys(errors).some((k) => k.startsWith(p));
  return (
    <fieldset id={anchor} class={`fb-field${sub ? " fb-sub" : ""}${hasError ? " has-error" : ""}`}>
      <legend>
        {sub ? `子字段${i + 1}` : `第${i + 1}个字段`}：{title}（{FIELD_TYPES[f.type] ?? f.type}）
        {f.required ? " · 必填" : ""}
        {f.whenField ? " · 条件显示" : ""}
      </legend>
      <details open={open || hasError}>
        <summary>{sub ? "子字段设置" : "字段设置"}</summary>
        <Setting
          id={`${p}label`}
          label="标签（申请人看到的名称）"
          value={f.label}
          errors={errors}
          maxLength={60}
        />
        <Setting
          id={`${p}name`}
          label="字段名（name）"
          hint="以小写字母开头，只含字母、数字和下划线；办件按字段名保存填写的值"
          value={f.name}
          errors={errors}
          maxLength={40}
          code
        />
        <Field
          id={`${p}type`}
          label="类型"
          hint="改变类型后请点“应用修改”，再填写该类型的设置"
          error={errors[`${p}type`]}
        >
          <select
            id={`${p}type`}
            name={`${p}type`}
            aria-describedby={described(`${p}type`, errors, "hint")}
            aria-invalid={invalid(`${p}type`, errors)}
          >
            {types.map((t) => (
              <option value={t} selected={t === f.type}>
                {FIELD_TYPES[t]}
              </option>
            ))}
          </select>
        </Field>
        <div class="field">
          <label class="choice">
            <input type="checkbox" name={`${p}required`} value="1" checked={f.required} /> 必填
          </label>
        </div>
        <Setting id={`${p}hint`} label="填写提示（选填）" value={f.hint} errors={errors} maxLength={200} />
        <TypeSettings f={f} p={p} errors={errors} />
        {f.type === "group" && !sub ? <GroupSettings f={f} index={path[0]} errors={errors} /> : null}
        <Condition f={f} p={p} earlier={earlier} errors={errors} />
      </details>
      <div class="actions">
        {sub ? null : (
          <button type="submit" name="_action" value={`apply:${ref}`} class="button secondary">
            应用修改<Hidden>“{title}”</Hidden>
          </button>
        )}
        {i > 0 ? (
          <button type="submit" name="_action" value={`up:${ref}`} class="button secondary">
            上移<Hidden>“{title}”</Hidden>
          </button>
        ) : null}
        {i < count - 1 ? (
          <button type="submit" name="_action" value={`down:${ref}`} class="button secondary">
            下移<Hidden>“{title}”</Hidden>
          </button>
        ) : null}
        <button type="submit" name="_action" value={`del:${ref}`} class="button secondary">
          删除<Hidden>“{title}”</Hidden>
        </button>
      </div>
    </fieldset>
  );
}

function GroupSettings({ f, index, errors }: { f: FieldDraft; index: number; errors: Errors }) {
  const p = `f.${index}.`;
  const id = `${p}fields`;
  return (
    <>
      <Setting
        id={`${p}minRows`}
        label="最少行数（选填）"
        hint="留空时：必填为1行，否则0行"
        value={f.minRows}
        errors={errors}
        maxLength={2}
        inputMode="numeric"
      />
      <Setting
        id={`${p}maxRows`}
        label="最多行数（选填）"
        hint="留空为20行，最多50行"
        value={f.maxRows}
        errors={errors}
        maxLength={2}
        inputMode="numeric"
      />
      <div id={id} class={errors[id] ? "field has-error fb-subfields" : "field fb-subfields"}>
        <p>
          <strong>每行的子字段</strong>
        </p>
        {errors[id] ? (
          <span class="field-error" id={`${id}-error`}>
            {errors[id]}
          </span>
        ) : null}
        {f.fields.map((s, j) => (
          <FieldEditor
            f={s}
            path={[index, j]}
            count={f.fields.length}
            earlier={f.fields.slice(0, j)}
            errors={errors}
          />
        ))}
        <button type="submit" name="_action" value={`addsub:${index}`} class="button secondary">
          添加子字段<Hidden>到“{f.label || "可重复组"}”</Hidden>
        </button>
      </div>
    </>
  );
}

function History({ base, history, current }: { base: string; history: VersionInfo[]; current: number }) {
  if (!history.length) return <p>尚无保存的版本，申请人看到的是系统默认表单。</p>;
  return (
    <table class="data-table">
      <caption>表单版本（最近50个）</caption>
      <thead>
        <tr>
          <th scope="col">版本</th>
          <th scope="col">保存时间</th>
          <th scope="col">保存人</th>
          <th scope="col">修改说明</th>
          <th scope="col">操作</th>
        </tr>
      </thead>
      <tbody>
        {history.map((h) => (
          <tr>
            <td>
              第{h.version}版{h.version === current ? "（当前使用）" : ""}
            </td>
            <td>{chinaTime(h.createdAt)}</td>
            <td>{h.createdBy}</td>
            <td>{h.note || "—"}</td>
            <td>
              <a href={`${base}/versions/${h.version}`}>查看第{h.version}版</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface BuilderPageProps {
  ctx: AdminContext;
  item: ServiceItem;
  current: VersionInfo;
  fields: FieldDraft[];
  draft: { base: number; updatedAt: string } | null;
  errors: Errors;
  note: string;
  notice?: string;
  preview: { schema: FormSchema; values: FormValues; errors: Errors; tried: boolean };
  history: VersionInfo[];
  json: string;
  jsonError?: string;
  /** Which fields show their settings opened: all, one, or none (fields with errors always do). */
  open: "all" | number | null;
}

/** The no-code form builder: fields and their settings, a live preview, versions, JSON for power users. */
export function FormBuilderPage(props: BuilderPageProps) {
  const { ctx, item, current, fields, draft, errors, preview } = props;
  const base = `/admin/service-items/${encodeURIComponent(item.code)}/form`;
  const currentText = current.version ? `当前为第${current.version}版` : "当前为系统默认表单";
  return (
    <AdminLayout ctx={ctx} title={`设计申请表单：${item.name}`}>
      <h1>设计申请表单：{item.name}</h1>
      <p>
        {currentText}
        。在下方增删字段、调整顺序和设置，右侧预览申请人看到的表单；“保存为新版本”后对新申请生效，
        已提交的办件仍按提交时的版本显示。
      </p>
      <p>
        <a href="/admin/service-items">返回事项列表</a> ·{" "}
        <a href={`/admin/service-items/${encodeURIComponent(item.code)}`}>编辑办事指南</a>
      </p>
      {props.notice ? (
        <p class="notice info" role="status">
          {props.notice}
        </p>
      ) : null}
      {draft ? (
        <div class="notice">
          <p>
            正在编辑未保存的草稿（基于{draft.base ? `第${draft.base}版` : "系统默认表单"}，
            {chinaTime(draft.updatedAt)}修改）。
            {draft.base !== current.version
              ? `注意：此后表单已保存为${current.version ? `第${current.version}版` : "默认表单"}，保存草稿将以草稿内容生成新版本。`
              : ""}
          </p>
          <form method="post" action={`${base}/discard`} class="inline-form">
            <CsrfField token={ctx.csrf} />
            <button type="submit" class="button secondary">
              放弃草稿
            </button>
          </form>
        </div>
      ) : null}
      <ErrorSummary errors={errors} title="表单设计有误，请按提示修改后再保存" />
      <div class="fb-layout">
        <section class="fb-editor" aria-labelledby="fb-fields-title">
          <h2 id="fb-fields-title">字段（共{fields.length}个）</h2>
          <form method="post" action={`${base}/draft`} class="form">
            <CsrfField token={ctx.csrf} />
            <p>
              <button type="submit" name="_action" value="apply" class="button secondary">
                应用修改并刷新预览
              </button>
            </p>
            <p class="meta">
              点“字段设置”展开修改；<a href={`${base}?open=all`}>全部展开</a> · <a href={base}>全部收起</a>
              （未应用的修改会丢失）
            </p>
            {fields.map((f, i) => (
              <FieldEditor
                f={f}
                path={[i]}
                count={fields.length}
                earlier={fields.slice(0, i)}
                errors={errors}
                open={props.open === "all" || props.open === i}
              />
            ))}
            <fieldset id="fb-add" class={errors["fb-add"] ? "fb-field has-error" : "fb-field"}>
              <legend>添加字段</legend>
              {errors["fb-add"] ? <span class="field-error">{errors["fb-add"]}</span> : null}
              <Field id="fb-add-type" label="新字段的类型">
                <select id="fb-add-type" name="addType">
                  {Object.entries(FIELD_TYPES).map(([t, name]) => (
                    <option value={t}>{name}</option>
                  ))}
                </select>
              </Field>
              <button type="submit" name="_action" value="add" class="button secondary">
                添加字段
              </button>
            </fieldset>
            <fieldset class="fb-field">
              <legend>保存</legend>
              <Setting
                id="fb-note"
                label="修改说明"
                hint="写明改了什么，会记入版本历史和审计日志"
                value={props.note}
                errors={errors}
              />
              <button type="submit" name="_action" value="save" class="button">
                保存为新版本
              </button>
            </fieldset>
          </form>
        </section>
        <section class="fb-preview" aria-labelledby="fb-preview-title">
          <h2 id="fb-preview-title">预览：申请人看到的表单</h2>
          <p class="meta">可以试填并点“试填校验”，查看条件显示和校验提示；试填不会提交，也不上传文件。</p>
          {preview.tried ? (
            <p class="notice info" role="status">
              {Object.keys(preview.errors).length
                ? `试填发现${Object.keys(preview.errors).length}处问题，提示已显示在对应字段旁。`
                : "试填的内容通过了校验。"}
            </p>
          ) : null}
          <form method="post" action={`${base}/try`} class="form" novalidate>
            <CsrfField token={ctx.csrf} />
            <FormFields schema={preview.schema} values={preview.values} errors={preview.errors} />
            <button type="submit" name="_action" value="try" class="button secondary">
              试填校验
            </button>
          </form>
        </section>
      </div>
      <section aria-labelledby="fb-history-title">
        <h2 id="fb-history-title">版本历史</h2>
        <History base={base} history={props.history} current={current.version} />
      </section>
      <section aria-labelledby="fb-json-title">
        <h2 id="fb-json-title">高级：导入或导出 JSON</h2>
        <details open={!!props.jsonError}>
          <summary>展开 JSON（供熟悉表单定义格式的人员使用）</summary>
          <form method="post" action={base} class="form">
            <CsrfField token={ctx.csrf} />
            <Field
              id="schema"
              label="表单定义（JSON）"
              hint="下面是当前编辑内容的 JSON，可复制导出；粘贴修改后点“导入并保存为新版本”"
              error={props.jsonError}
            >
              <textarea
                id="schema"
                name="schema"
                rows={16}
                class="code"
                aria-describedby={described("schema", props.jsonError ? { schema: "x" } : {}, "hint")}
              >
                {props.json}
              </textarea>
            </Field>
            <Setting id="json-note" label="修改说明" value="" errors={{}} />
            <button type="submit" class="button secondary">
              导入并保存为新版本
            </button>
          </form>
        </details>
      </section>
    </AdminLayout>
  );
}

/** One saved version, read-only as the applicant saw it, with a button to make it current again. */
export function FormVersionPage({
  ctx,
  item,
  version,
  current,
}: {
  ctx: AdminContext;
  item: ServiceItem;
  version: FormVersion;
  current: number;
}) {
  const base = `/admin/service-items/${encodeURIComponent(item.code)}/form`;
  return (
    <AdminLayout ctx={ctx} title={`第${version.version}版申请表单：${item.name}`}>
      <h1>
        第{version.version}版申请表单：{item.name}
      </h1>
      <p>
        {chinaTime(version.createdAt)} 由 {version.createdBy} 保存；修改说明：{version.note || "—"}。
        {version.version === current ? "这是当前使用的版本。" : ""}
      </p>
      <p>
        <a href={base}>返回表单设计</a>
      </p>
      {version.version !== current ? (
        <form method="post" action={`${base}/versions/${version.version}/restore`} class="form">
          <CsrfField token={ctx.csrf} />
          <button type="submit" class="button">
            恢复此版本（另存为新版本）
          </button>
        </form>
      ) : null}
      <h2>申请人看到的表单</h2>
      <div class="form fb-preview">
        <FormFields schema={version.schema} values={{}} errors={{}} />
      </div>
      <h2>字段一览</h2>
      <table class="data-table">
        <caption>第{version.version}版的字段</caption>
        <thead>
          <tr>
            <th scope="col">顺序</th>
            <th scope="col">标签</th>
            <th scope="col">字段名</th>
            <th scope="col">类型</th>
            <th scope="col">必填</th>
          </tr>
        </thead>
        <tbody>
          {version.schema.fields.map((f, i) => (
            <tr>
              <td>{i + 1}</td>
              <td>{f.label}</td>
              <td>
                <code>{f.name}</code>
              </td>
              <td>{FIELD_TYPES[f.type] ?? f.type}</td>
              <td>{f.required ? "是" : "否"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminLayout>
  );
}
