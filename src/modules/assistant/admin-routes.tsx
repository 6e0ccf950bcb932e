import { guardStaffArea } from "../staff/index.ts";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { AssistantDeps } from "./deps.ts";
import { sendHtml } from "../../platform/http/reply.ts";
import { adminView, requireRight, sitesWithRight, type StaffContext } from "../staff/index.ts";
import { forbidden, Invalid, NotFound } from "../../platform/http/errors.ts";
import type { AdminContext } from "../../web/admin-layout.tsx";
import { may, RIGHTS } from "../staff/index.ts";
import { renderDocument } from "../../web/render.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { idParam, pageParam } from "../../platform/http/params.ts";
import { FormBody, formField } from "./form-body.ts";
import type { FaqInput, FaqLink, FaqRecord } from "./service.ts";
import {
  AssistantDashboard,
  FaqFormPage,
  FaqListPage,
  LetterCandidatesPage,
  QueueFixPage,
  QueuePage,
  type FaqFormValues,
  type QueueFixValues,
} from "./views/admin.tsx";

const PAGE_SIZE = 30;
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
/** Odd paging or filter values fall back to the defaults rather than answering 400. */
const PageQuery = Type.Object({ page: Type.Optional(Type.String({ maxLength: 100 })) });
const FaqListQuery = Type.Object({
  page: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(Type.String({ maxLength: 100 })),
  q: Type.Optional(Type.String({ maxLength: 1000 })),
});
const LINK_KINDS: Record<string, FaqLink["kind"]> = {
  办事指南: "service",
  在线办理: "apply",
  apply: "apply",
  政策: "policy",
  页面: "page",
  service: "service",
  policy: "policy",
  page: "page",
};
const LINK_NAMES: Record<string, string> = {
  service: "办事指南",
  apply: "在线办理",
  policy: "政策",
  page: "页面",
};
const FixQuery = Type.Object({
  question: Type.Optional(Type.String({ maxLength: 1000 })),
  turns: Type.Optional(Type.String({ maxLength: 5000 })),
});

function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** "类型 | 标题 | 地址" lines → links; a line that does not parse becomes an invalid link (reported). */
function parseLinks(text: string): FaqLink[] {
  return lines(text).map((line) => {
    const parts = line.split("|").map((p) => p.trim());
    if (parts.length === 2) return { kind: "page", title: parts[0], href: parts[1] };
    return { kind: LINK_KINDS[parts[0]] ?? "page", title: parts[1] ?? "", href: parts[2] ?? "" };
  });
}

export function formValues(entry: FaqRecord): FaqFormValues {
  return {
    siteId: String(entry.siteId),
    department: entry.department,
    category: entry.category,
    question: entry.question,
    alternatives: entry.alternatives.join("\n"),
    answer: entry.answer,
    keywords: entry.keywords.join("，"),
    links: entry.links.map((l) => `${LINK_NAMES[l.kind] ?? "页面"} | ${l.title} | ${l.href}`).join("\n"),
    resolveTurns: "",
  };
}

function readFaqForm(body: FormBody): FaqFormValues {
  const s = formField(body);
  return {
    siteId: s("siteId", 12),
    department: s("department", 100),
    category: s("category", 100),
    question: s("question", 500),
    alternatives: s("alternatives", 20000),
    answer: s("answer", 10000),
    keywords: s("keywords", 2000),
    links: s("links", 5000),
    resolveTurns: s("resolveTurns", 3000),
  };
}

function toInput(values: FaqFormValues): FaqInput {
  return {
    siteId: Number(values.siteId),
    department: values.department,
    category: values.category,
    question: values.question,
    alternatives: lines(values.alternatives),
    answer: values.answer,
    keywords: values.keywords
      .split(/[,，、;；\s]+/)
      .map((k) => k.trim())
      .filter(Boolean),
    links: parseLinks(values.links),
  };
}

function turnIds(text: string): number[] {
  return text
    .split(",")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
    .slice(0, 200);
}

const assistantAdminRoutes: FastifyPluginAsyncTypebox<{ deps: AssistantDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { assistant, sites } = deps;

  /** Staff who edit or review some site's content may use the assistant console. */
  function staffFor(request: FastifyRequest): StaffContext {
    const ctx = request.staff;
    requireRight(ctx, RIGHTS.assistant);
    return ctx;
  }

  function editableSites(ctx: StaffContext) {
    const ids = sitesWithRight(ctx.staff, RIGHTS.assistantEdit);
    return sites.list().filter((s) => ids === null || ids.includes(s.id));
  }

  function actor(ctx: StaffContext) {
    return { id: ctx.staff.id, name: ctx.staff.username };
  }

  app.get("/admin/assistant", { schema: { hide: true } }, async (request, reply) => {
    const ctx = staffFor(request);
    await assistant.currentEngine();
    const editIds = sitesWithRight(ctx.staff, RIGHTS.assistantEdit);
    const [figures, groups, total, live, submitted, candidates] = await Promise.all([
      assistant.figures(30),
      assistant.queue(),
      assistant.repo.listFaqs({ siteIds: null }, 1, 1),
      deps.store.db
        .selectFrom("assistantFaqs")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("publishedJson", "is not", null)
        .executeTakeFirstOrThrow(),
      assistant.repo.listFaqs({ siteIds: null, status: "submitted" }, 1, 1),
      assistant.letterCandidates(editIds, 1, 10),
    ]);
    return sendHtml(
      reply,
      renderDocument(
        <AssistantDashboard
          ctx={adminView(request)}
          figures={figures}
          top={groups.slice(0, 10)}
          entries={{ total: total.total, live: Number(live.n), submitted: submitted.total }}
          buildMs={assistant.lastBuildMs}
          candidates={{
            ...candidates,
            canCreate: editIds === null || editIds.length > 0,
            siteNames: siteNames(),
          }}
        />,
      ),
    );
  });

  function siteNames() {
    return new Map(sites.list().map((s) => [s.id, s.name]));
  }

  app.get(
    "/admin/assistant/letters",
    { schema: { hide: true, querystring: PageQuery } },
    async (request, reply) => {
      const ctx = staffFor(request);
      const editIds = sitesWithRight(ctx.staff, RIGHTS.assistantEdit);
      const page = pageParam(request.query.page);
      const list = await assistant.letterCandidates(editIds, page, PAGE_SIZE);
      return sendHtml(
        reply,
        renderDocument(
          <LetterCandidatesPage
            ctx={adminView(request)}
            rows={list.rows}
            total={list.total}
            page={page}
            pages={Math.max(1, Math.ceil(list.total / PAGE_SIZE))}
            canCreate={editIds === null || editIds.length > 0}
            siteNames={siteNames()}
          />,
        ),
      );
    },
  );

  app.post(
    "/admin/assistant/letters/:id",
    { schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const ctx = staffFor(request);
      requireRight(ctx, RIGHTS.assistantEdit);
      const editIds = sitesWithRight(ctx.staff, RIGHTS.assistantEdit);
      const id = idParam(request.params.id);
      if (id === null) throw new NotFound("信件编号有误");
      const entry = await assistant.entryFromLetter(id, editIds, actor(ctx));
      return reply.redirect(`/admin/assistant/faqs/${encodeURIComponent(entry.id)}?saved=1`, 303);
    },
  );

  app.get(
    "/admin/assistant/queue",
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          page: Type.Optional(Type.String({ maxLength: 100 })),
          fixed: Type.Optional(Type.String({ maxLength: 100 })),
        }),
      },
    },
    async (request, reply) => {
      staffFor(request);
      const groups = await assistant.queue();
      const pages = Math.max(1, Math.ceil(groups.length / PAGE_SIZE));
      const page = Math.min(pageParam(request.query.page), pages);
      return sendHtml(
        reply,
        renderDocument(
          <QueuePage
            ctx={adminView(request)}
            groups={groups.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)}
            page={page}
            pages={pages}
            notice={
              request.query.fixed
                ? `已修正：问题已加入条目 ${request.query.fixed}，几秒内智能客服即可回答。`
                : undefined
            }
          />,
        ),
      );
    },
  );

  /** The closest live entries to a question that this editor may change (they pick the one it belongs to). */
  async function candidatesFor(ctx: StaffContext, question: string) {
    const engine = await assistant.currentEngine();
    return engine
      .nearest(question, 20)
      .map((id) => assistant.publishedEntry(id))
      .filter((e): e is NonNullable<typeof e> => !!e && may(ctx.staff, RIGHTS.assistantEdit, e.siteId))
      .slice(0, 5)
      .map((e) => ({ id: e.id, question: e.question }));
  }

  async function renderFix(
    reply: FastifyReply,
    ctx: StaffContext,
    request: FastifyRequest,
    values: QueueFixValues,
    errors: Record<string, string>,
    form: "alternative" | "entry" | null,
    status = 200,
  ) {
    return sendHtml(
      reply.code(status),
      renderDocument(
        <QueueFixPage
          ctx={adminView(request)}
          values={values}
          candidates={await candidatesFor(ctx, values.question)}
          sites={editableSites(ctx)}
          errors={errors}
          form={form}
          reviewSiteIds={sitesWithRight(ctx.staff, RIGHTS.assistantPublish)}
        />,
      ),
    );
  }

  app.get(
    "/admin/assistant/queue/fix",
    { schema: { hide: true, querystring: FixQuery } },
    async (request, reply) => {
      const ctx = staffFor(request);
      requireRight(ctx, RIGHTS.assistantEdit);
      const sitesForm = editableSites(ctx);
      const values: QueueFixValues = {
        question: (request.query.question ?? "").slice(0, 200),
        turns: turnIds(request.query.turns ?? "").join(","),
        faqId: "",
        siteId: String(sitesForm[0].id),
        department: "",
        category: "",
        alternatives: "",
        answer: "",
        keywords: "",
      };
      return renderFix(reply, ctx, request, values, {}, null);
    },
  );

  app.post(
    "/admin/assistant/queue/fix",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const ctx = staffFor(request);
      requireRight(ctx, RIGHTS.assistantEdit);
      const s = formField(request.body);
      const mode = s("mode", 20) === "entry" ? "entry" : "alternative";
      const values: QueueFixValues = {
        question: s("question", 500),
        turns: s("turns", 5000),
        faqId: s("faqId", 100).trim(),
        siteId: s("siteId", 12),
        department: s("department", 100),
        category: s("category", 100),
        alternatives: s("alternatives", 20000),
        answer: s("answer", 10000),
        keywords: s("keywords", 2000),
      };
      const turns = turnIds(values.turns);
      return handleForm({
        parse: () => values,
        run: async (v) => {
          if (mode === "alternative") {
            const row = v.faqId ? await assistant.repo.faqById(v.faqId) : undefined;
            if (!row) throw new Invalid("没有找到该问答条目", { faqId: "请选择或填写一个已上线的条目编号" });
            if (!may(ctx.staff, RIGHTS.assistantEdit, row.siteId))
              throw new Invalid("没有权限", { faqId: "您没有编辑该条目所属网站知识库的权限" });
            const entry = await assistant.addAlternative(row.id, v.question, turns, actor(ctx));
            return `/admin/assistant/queue?fixed=${encodeURIComponent(entry.id)}`;
          }
          const input = toInput({ ...v, links: "", resolveTurns: "" });
          if (!editableSites(ctx).some((site) => site.id === input.siteId))
            throw new Invalid("请选择所属网站", { siteId: "请选择您可以编辑的网站" });
          const mayPublish = may(ctx.staff, RIGHTS.assistantPublish, input.siteId);
          const entry = await assistant.entryFromQueue(input, turns, actor(ctx), mayPublish);
          return `/admin/assistant/faqs/${encodeURIComponent(entry.id)}?saved=1`;
        },
        onSuccess: (location) => reply.redirect(location, 303),
        rerender: (problem) => renderFix(reply, ctx, request, values, problem.errors, mode, problem.status),
      });
    },
  );

  app.post(
    "/admin/assistant/queue/resolve",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const ctx = staffFor(request);
      requireRight(ctx, RIGHTS.assistantEdit);
      await assistant.resolve(turnIds(formField(request.body)("turns", 100_000)), actor(ctx));
      return reply.redirect("/admin/assistant/queue", 303);
    },
  );

  app.get(
    "/admin/assistant/faqs",
    { schema: { hide: true, querystring: FaqListQuery } },
    async (request, reply) => {
      const ctx = staffFor(request);
      const query = request.query;
      const status = ["draft", "submitted", "published"].includes(query.status ?? "") ? query.status! : "";
      const q = (query.q ?? "").slice(0, 100).trim();
      const siteIds = sitesWithRight(ctx.staff, RIGHTS.assistant);
      const page = pageParam(query.page);
      const list = await assistant.repo.listFaqs(
        { siteIds, status: status || null, q: q || null },
        page,
        PAGE_SIZE,
      );
      return sendHtml(
        reply,
        renderDocument(
          <FaqListPage
            ctx={adminView(request)}
            rows={list.rows}
            total={list.total}
            page={page}
            pages={Math.max(1, Math.ceil(list.total / PAGE_SIZE))}
            status={status}
            q={q}
            siteNames={siteNames()}
          />,
        ),
      );
    },
  );

  app.get(
    "/admin/assistant/faqs/new",
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          question: Type.Optional(Type.String({ maxLength: 1000 })),
          turns: Type.Optional(Type.String({ maxLength: 5000 })),
        }),
      },
    },
    async (request, reply) => {
      const ctx = staffFor(request);
      requireRight(ctx, RIGHTS.assistantEdit);
      const editable = editableSites(ctx);
      const query = request.query;
      const values: FaqFormValues = {
        siteId: String(editable[0].id),
        department: editable[0].name,
        category: "",
        question: (query.question ?? "").slice(0, 200),
        alternatives: "",
        answer: "",
        keywords: "",
        links: "",
        resolveTurns: turnIds(query.turns ?? "").join(","),
      };
      return sendHtml(
        reply,
        renderDocument(
          <FaqFormPage
            ctx={adminView(request)}
            entry={null}
            values={values}
            errors={{}}
            sites={editable}
            canEdit
            canReview={false}
          />,
        ),
      );
    },
  );

  /** The FAQ form, new or edited: saved and shown again, or shown again with the messages and input. */
  function submitFaq(
    reply: FastifyReply,
    form: {
      admin: AdminContext;
      ctx: StaffContext;
      body: FormBody;
      entry: FaqRecord | null;
      canReview: boolean;
    },
    save: (input: FaqInput, values: FaqFormValues) => Promise<FaqRecord>,
  ) {
    const values = readFaqForm(form.body);
    const editable = editableSites(form.ctx);
    return handleForm({
      parse: () => {
        const input = toInput(values);
        if (!editable.some((s) => s.id === input.siteId))
          throw new Invalid("问答条目填写有误", { siteId: "请选择您有编辑权限的网站" });
        return input;
      },
      run: (input) => save(input, values),
      onSuccess: (entry) =>
        reply.redirect(`/admin/assistant/faqs/${encodeURIComponent(entry.id)}?saved=1`, 303),
      rerender: (problem) => {
        reply.status(problem.status);
        return sendHtml(
          reply,
          renderDocument(
            <FaqFormPage
              ctx={form.admin}
              entry={form.entry}
              values={values}
              errors={problem.errors}
              sites={editable}
              canEdit
              canReview={form.canReview}
            />,
          ),
        );
      },
      shows: (error) => error instanceof Invalid,
    });
  }

  app.post("/admin/assistant/faqs", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const ctx = staffFor(request);
    const form = { admin: adminView(request), ctx, body: request.body, entry: null, canReview: false };
    return submitFaq(reply, form, async (input, values) => {
      const entry = await assistant.createEntry(input, actor(ctx));
      const turns = turnIds(values.resolveTurns);
      if (turns.length > 0) await assistant.resolve(turns, actor(ctx));
      return entry;
    });
  });

  async function loadEntry(ctx: StaffContext, id: string) {
    const entry = await assistant.entry(id);
    const canEdit = may(ctx.staff, RIGHTS.assistantEdit, entry.siteId);
    const canReview = may(ctx.staff, RIGHTS.assistantPublish, entry.siteId);
    if (!canEdit && !canReview) throw forbidden("您没有管理此网站知识库的权限");
    return { entry, canEdit, canReview };
  }

  app.get(
    "/admin/assistant/faqs/:id",
    {
      schema: {
        hide: true,
        params: IdParams,
        querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 100 })) }),
      },
    },
    async (request, reply) => {
      const ctx = staffFor(request);
      const { entry, canEdit, canReview } = await loadEntry(ctx, request.params.id);
      const saved = request.query.saved;
      const sitesForForm = canEdit ? editableSites(ctx) : sites.list().filter((s) => s.id === entry.siteId);
      return sendHtml(
        reply,
        renderDocument(
          <FaqFormPage
            ctx={adminView(request)}
            entry={entry}
            values={formValues(entry)}
            errors={{}}
            sites={sitesForForm}
            canEdit={canEdit}
            canReview={canReview}
            notice={saved ? "已保存。" : undefined}
          />,
        ),
      );
    },
  );

  app.post(
    "/admin/assistant/faqs/:id",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const ctx = staffFor(request);
      const { entry, canEdit, canReview } = await loadEntry(ctx, request.params.id);
      if (!canEdit) throw forbidden();
      const form = { admin: adminView(request), ctx, body: request.body, entry, canReview };
      return submitFaq(reply, form, (input) => assistant.updateEntry(entry.id, input, actor(ctx)));
    },
  );

  const ACTIONS: Record<string, "edit" | "review"> = {
    submit: "edit",
    publish: "review",
    reject: "review",
    unpublish: "review",
  };
  app.post(
    "/admin/assistant/faqs/:id/:action",
    {
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ maxLength: 100 }), action: Type.String({ maxLength: 20 }) }),
      },
    },
    async (request, reply) => {
      const ctx = staffFor(request);
      const { id, action } = request.params;
      const need = ACTIONS[action];
      if (!need) throw new NotFound("未知操作");
      const { entry, canEdit, canReview } = await loadEntry(ctx, id);
      if ((need === "edit" && !canEdit) || (need === "review" && !canReview)) throw forbidden();
      const who = actor(ctx);
      if (action === "submit") await assistant.submit(entry.id, who);
      else if (action === "publish") await assistant.publish(entry.id, who);
      else if (action === "reject") await assistant.reject(entry.id, who, "");
      else await assistant.unpublish(entry.id, who);
      return reply.redirect(`/admin/assistant/faqs/${encodeURIComponent(entry.id)}?saved=1`, 303);
    },
  );
};

export default assistantAdminRoutes;
