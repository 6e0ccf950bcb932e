import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { VNode } from "preact";
import { Type } from "typebox";
import type { ParticipationDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { adminView, sitesWithRole, type StaffContext } from "../staff/index.ts";
import { notFound, Forbidden, Invalid } from "../../platform/http/errors.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { idParam, pageParam } from "../../platform/http/params.ts";
import type { Page } from "../../platform/db/paginate.ts";
import type { AdminContext } from "../../web/admin-layout.tsx";
import type { FormValues as Form } from "../../platform/http/form-input.ts";
import { renderDocument } from "../../web/render.ts";
import { FormBody, problemFields } from "../../web/public-form.ts";
import { MANAGE_ROLES, phaseOf, type Phase } from "./consultations.ts";
import type { SiteOption } from "./views/console-views.tsx";

/*
 * What the consoles of consultations and surveys share: the list of one's own, the new-item form on
 * the sites one manages, and the item actions (save, publish, …) that show the item page again with
 * the messages when they fail.
 */

export type TypedApp = Parameters<FastifyPluginAsyncTypebox>[0];

export const IdParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
/** A console query value: odd values fall back to defaults in the handler (never a 400). */
export const QueryValue = Type.Optional(Type.String({ maxLength: 200 }));

/** A console form body as single strings (first value when repeated, cut to `max`). */
export function bodyFields(body: Form, max = 200_000): Record<string, string> {
  const f: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (typeof value === "string") f[k] = value.slice(0, max);
  }
  return f;
}

/** Sites on which the staff member may run consultations and surveys. */
export function managedSites(deps: ParticipationDeps, c: StaffContext): SiteOption[] {
  const ids = sitesWithRole(c.staff, MANAGE_ROLES);
  return deps.sites
    .list()
    .filter((s) => ids == null || ids.includes(s.id))
    .map((s) => ({ id: s.id, name: s.name }));
}

/** An item action of the console: runs with the item id and the form's fields. */
export type ItemAction = (id: number, f: Record<string, string>, c: StaffContext) => Promise<unknown>;

export interface DetailExtra {
  errors?: Record<string, string>;
  values?: Record<string, string>;
  done?: string;
  summary?: string;
}

interface Phased {
  status: string;
  opensAt: string;
  closesAt: string;
}

export interface ConsoleSpec<Row extends Phased, Values extends { siteId: string }> {
  /** The console's path, e.g. /admin/interaction/surveys. */
  base: string;
  /** The longest form field kept. */
  maxField: number;
  /** Why someone who manages no site may not create one. */
  noSiteMessage: string;
  listForStaff: (c: StaffContext, page: number) => Promise<Page<Row>>;
  listPage: (p: {
    ctx: AdminContext;
    rows: (Row & { phase: Phase })[];
    total: number;
    page: number;
    siteName: (id: number) => string;
  }) => VNode;
  /** The new-item form's values from the submitted fields (or the empty form for a site). */
  formValues: (f: Record<string, string>) => Values;
  create: (values: Values, c: StaffContext) => Promise<number>;
  formPage: (p: {
    ctx: AdminContext;
    values: Values;
    errors: Record<string, string>;
    sites: SiteOption[];
  }) => VNode;
  /** The item page, with the messages and kept values of a failed action. */
  detailPage: (c: StaffContext, request: FastifyRequest, id: number, extra: DetailExtra) => Promise<string>;
  actions: Record<string, ItemAction>;
  /** The values the item page keeps after a failed action (default: the submitted fields). */
  keep?: (action: string, f: Record<string, string>) => Record<string, string>;
}

/** Registers the shared console routes: the list, the new-item form and the item actions. */
export function consoleRoutes<Row extends Phased, Values extends { siteId: string }>(
  app: TypedApp,
  deps: ParticipationDeps,
  spec: ConsoleSpec<Row, Values>,
): void {
  const { base } = spec;
  const siteName = (id: number) => deps.sites.byId(id)?.name ?? String(id);

  app.get(
    base,
    { schema: { hide: true, querystring: Type.Object({ page: QueryValue }) } },
    async (request, reply) => {
      const c = request.staff;
      const page = pageParam(request.query.page);
      const list = await spec.listForStaff(c, page);
      return sendHtml(
        reply,
        renderDocument(
          spec.listPage({
            ctx: adminView(request),
            rows: list.rows.map((r) => ({ ...r, phase: phaseOf(r) })),
            total: list.total,
            page: list.page,
            siteName,
          }),
        ),
      );
    },
  );

  app.get(`${base}/new`, { schema: { hide: true } }, async (request, reply) => {
    const options = managedSites(deps, request.staff);
    if (options.length === 0) throw new Forbidden(spec.noSiteMessage);
    const values = spec.formValues({ siteId: String(options[0].id) });
    return sendHtml(
      reply,
      renderDocument(spec.formPage({ ctx: adminView(request), values, errors: {}, sites: options })),
    );
  });

  app.post(`${base}/new`, { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const c = request.staff;
    const values = spec.formValues(bodyFields(request.body, spec.maxField));
    return handleForm<Values, number, FastifyReply>({
      parse: () => values,
      run: (input) => spec.create(input, c),
      onSuccess: (id) => reply.redirect(`${base}/${id}?done=create`, 303),
      rerender: (problem) => {
        reply.status(problem.status);
        return sendHtml(
          reply,
          renderDocument(
            spec.formPage({
              ctx: adminView(request),
              values,
              errors: problem.errors,
              sites: managedSites(deps, c),
            }),
          ),
        );
      },
      shows: (error) => error instanceof Invalid,
    });
  });

  app.post(
    `${base}/:id/:action`,
    {
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ maxLength: 20 }), action: Type.String({ maxLength: 40 }) }),
        body: FormBody,
      },
    },
    async (request, reply) => {
      const c = request.staff;
      const { action: name } = request.params;
      const id = idParam(request.params.id);
      const action = Object.hasOwn(spec.actions, name) ? spec.actions[name] : undefined;
      if (id == null || !action) throw notFound("操作不存在");
      const f = bodyFields(request.body, spec.maxField);
      return handleForm({
        parse: () => f,
        run: (input) => action(id, input, c),
        onSuccess: () => reply.redirect(`${base}/${id}?done=${name}`, 303),
        rerender: async (problem) => {
          reply.status(problem.status);
          const errors = problemFields(problem, "action");
          const values = spec.keep ? spec.keep(name, f) : f;
          return sendHtml(
            reply,
            await spec.detailPage(c, request, id, { errors, values, summary: problem.message }),
          );
        },
      });
    },
  );
}
