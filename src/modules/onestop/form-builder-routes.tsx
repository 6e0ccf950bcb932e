import { guardStaffArea } from "../staff/index.ts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { OneStopDeps } from "./deps.ts";
import { forbidden, notFound } from "../../platform/http/errors.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { sendPage } from "../../web/console.ts";
import { may, RIGHTS } from "../staff/index.ts";
import { formText as text } from "../../platform/http/form-input.ts";
import { consoleRequest, type ConsoleRequest } from "../staff/index.ts";
import type { ServiceItem } from "./catalogue.ts";
import {
  applyAction,
  draftOf,
  FormDrafts,
  parseAction,
  readDraft,
  schemaOf,
  type FieldDraft,
} from "./form-builder.ts";
import { readValues, validateValues, type FormValues } from "./forms.ts";
import { FormBuilderPage, FormVersionPage, type BuilderPageProps } from "./views/form-builder.tsx";
import { FormBody, PathCode, PathId, QueryText } from "./route-kit.ts";

const ItemParams = Type.Object({ code: PathCode });
const VersionParams = Type.Object({ code: PathCode, v: PathId });

/** A form version number from the path (0, which no version has, when it is not one). */
const versionOf = (v: string) => (/^\d{1,6}$/.test(v) ? Number(v) : 0);

/**
 * Console: the no-code builder of an item's application form (/admin/service-items/:code/form).
 * Every editing action posts the whole builder form, keeps the draft and redirects (POST-redirect-GET);
 * saving checks the draft with forms.ts and stores a new version through the form store (audited).
 */
const formBuilderRoutes: FastifyPluginAsyncTypebox<{ deps: OneStopDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { oneStop } = deps;
  const drafts = new FormDrafts(deps.store);

  /** Site admins of the item's department (operators: every item) may design its form; others get 403. */
  async function editor(
    request: FastifyRequest,
    code: string,
  ): Promise<{ who: ConsoleRequest; item: ServiceItem }> {
    const who = consoleRequest(request);
    const item = await oneStop.catalogue.byCode(code, true);
    if (!item) throw notFound("该服务事项不存在");
    if (!may(who.auth.staff, RIGHTS.serviceItems, item.siteId))
      throw forbidden("只有该部门的站点管理员可以修改事项和表单");
    return { who, item };
  }

  const baseOf = (item: ServiceItem) => `/admin/service-items/${encodeURIComponent(item.code)}/form`;

  async function render(
    reply: FastifyReply,
    who: ConsoleRequest,
    item: ServiceItem,
    opts: {
      fields?: FieldDraft[];
      errors?: Record<string, string>;
      note?: string;
      notice?: string;
      json?: string;
      jsonError?: string;
      tried?: { values: FormValues; errors: Record<string, string> };
      status?: number;
      open?: "all" | number | null;
    } = {},
  ) {
    const current = await oneStop.forms.current(item);
    const draft = await drafts.get(item.code, who.auth.staff.id);
    const fields = opts.fields ?? draft?.fields ?? current.schema.fields.map(draftOf);
    const { schema } = schemaOf(fields);
    const props: BuilderPageProps = {
      ctx: who.view,
      item,
      current,
      fields,
      draft: draft ? { base: draft.base, updatedAt: draft.updatedAt } : null,
      errors: opts.errors ?? {},
      note: opts.note ?? "",
      notice: opts.notice,
      preview: {
        schema,
        values: opts.tried?.values ?? {},
        errors: opts.tried?.errors ?? {},
        tried: !!opts.tried,
      },
      history: await oneStop.forms.history(item.code),
      json: opts.json ?? JSON.stringify(schema, null, 2),
      jsonError: opts.jsonError,
      open: opts.open ?? null,
    };
    return sendPage(reply, <FormBuilderPage {...props} />, opts.status ?? 200);
  }

  app.get(
    "/admin/service-items/:code/form",
    {
      schema: {
        hide: true,
        params: ItemParams,
        querystring: Type.Object({ saved: QueryText(), open: QueryText() }),
      },
    },
    async (request, reply) => {
      const ok = await editor(request, request.params.code);
      const query = request.query;
      const saved = Number(query.saved);
      return render(reply, ok.who, ok.item, {
        open: query.open === "all" ? "all" : /^\d{1,3}$/.test(query.open ?? "") ? Number(query.open) : null,
        notice:
          Number.isInteger(saved) && saved > 0 ? `已保存为第${saved}版，新的申请将使用此版本。` : undefined,
      });
    },
  );

  /** Every builder action: edits are kept as the draft, then add / move / delete / save. */
  app.post(
    "/admin/service-items/:code/form/draft",
    { schema: { hide: true, params: ItemParams, body: FormBody } },
    async (request, reply) => {
      const { who, item } = await editor(request, request.params.code);
      const form = request.body;
      const staffId = who.auth.staff.id;
      const current = await oneStop.forms.current(item);
      const base = (await drafts.get(item.code, staffId))?.base ?? current.version;
      const action = parseAction(text(form, "_action", 20), text(form, "addType", 20));
      const next = applyAction(readDraft(form), action);
      await drafts.put(item.code, staffId, base, next.fields);
      if (action.kind === "save") {
        const note = text(form, "fb-note", 200).trim();
        const { schema, errors } = schemaOf(next.fields);
        if (!note) errors["fb-note"] = "请填写修改说明";
        if (Object.keys(errors).length)
          return render(reply, who, item, { fields: next.fields, errors, note, status: 400 });
        return handleForm({
          parse: () => schema,
          run: async (checked) => {
            const v = await oneStop.forms.saveSchema(item, checked, note, who.auth.staff.displayName, {
              via: "builder",
              staff: who.auth.staff.username,
              fields: checked.fields.length,
            });
            await drafts.clear(item.code, staffId);
            return v;
          },
          onSuccess: (v): FastifyReply => reply.redirect(`${baseOf(item)}?saved=${v.version}`, 303),
          // The store's objections are shown together at the "add field" box, above the fields.
          rerender: (problem) =>
            render(reply, who, item, {
              fields: next.fields,
              errors: { "fb-add": Object.values(problem.errors).join("；") },
              note,
              status: problem.status,
            }),
        });
      }
      // The field acted on is shown opened (and scrolled to) after the redirect.
      const open = /^fb-f-(\d+)/.exec(next.anchor)?.[1];
      return reply.redirect(
        `${baseOf(item)}${open ? `?open=${open}` : ""}${next.anchor ? `#${next.anchor}` : ""}`,
        303,
      );
    },
  );

  app.post(
    "/admin/service-items/:code/form/discard",
    { schema: { hide: true, params: ItemParams } },
    async (request, reply) => {
      const ok = await editor(request, request.params.code);
      await drafts.clear(ok.item.code, ok.who.auth.staff.id);
      return reply.redirect(baseOf(ok.item), 303);
    },
  );

  /** Trying the previewed form: the applicant-side validation, nothing stored. */
  app.post(
    "/admin/service-items/:code/form/try",
    { schema: { hide: true, params: ItemParams, body: FormBody } },
    async (request, reply) => {
      const ok = await editor(request, request.params.code);
      const draft = await drafts.get(ok.item.code, ok.who.auth.staff.id);
      const fields = draft?.fields ?? (await oneStop.forms.current(ok.item)).schema.fields.map(draftOf);
      const { schema } = schemaOf(fields);
      const values = readValues(schema, request.body);
      const errors = validateValues(schema, values);
      // No files are uploaded when trying: their "please upload" messages would only be noise.
      for (const f of schema.fields) if (f.type === "file") delete errors[f.name];
      return render(reply, ok.who, ok.item, { fields, tried: { values, errors } });
    },
  );

  /** Power users: a whole definition as JSON, saved as a new version at once (same checks). */
  app.post(
    "/admin/service-items/:code/form",
    { schema: { hide: true, params: ItemParams, body: FormBody } },
    async (request, reply) => {
      const ok = await editor(request, request.params.code);
      const form = request.body;
      const json = text(form, "schema", 200000);
      const note = (text(form, "note", 200) || text(form, "json-note", 200)).trim() || "导入 JSON";
      return handleForm({
        parse: () => json,
        run: async (definition) => {
          const v = await oneStop.forms.save(ok.item, definition, note, ok.who.auth.staff.displayName);
          await drafts.clear(ok.item.code, ok.who.auth.staff.id);
          return v;
        },
        onSuccess: (v): FastifyReply => reply.redirect(`${baseOf(ok.item)}?saved=${v.version}`, 303),
        rerender: (problem) =>
          render(reply, ok.who, ok.item, {
            json,
            jsonError: Object.values(problem.errors).join("；"),
            status: problem.status,
          }),
      });
    },
  );

  app.get(
    "/admin/service-items/:code/form/versions/:v",
    { schema: { hide: true, params: VersionParams } },
    async (request, reply) => {
      const ok = await editor(request, request.params.code);
      const version = await oneStop.forms.byVersion(ok.item.code, versionOf(request.params.v));
      if (!version) throw notFound("该表单版本不存在");
      return sendPage(
        reply,
        <FormVersionPage
          ctx={ok.who.view}
          item={ok.item}
          version={version}
          current={ok.item.formVersion ?? 0}
        />,
      );
    },
  );

  app.post(
    "/admin/service-items/:code/form/versions/:v/restore",
    { schema: { hide: true, params: VersionParams } },
    async (request, reply) => {
      const ok = await editor(request, request.params.code);
      const old = await oneStop.forms.byVersion(ok.item.code, versionOf(request.params.v));
      if (!old) throw notFound("该表单版本不存在");
      const v = await oneStop.forms.saveSchema(
        ok.item,
        old.schema,
        `恢复第${old.version}版`,
        ok.who.auth.staff.displayName,
        { via: "restore", restoredFrom: old.version, staff: ok.who.auth.staff.username },
      );
      await drafts.clear(ok.item.code, ok.who.auth.staff.id);
      return reply.redirect(`${baseOf(ok.item)}?saved=${v.version}`, 303);
    },
  );
};

export default formBuilderRoutes;
