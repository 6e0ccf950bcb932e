import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { consoleRequest, guardStaffArea, requireRole } from "../staff/index.ts";
import { notFound } from "../../platform/http/errors.ts";
import { FormBody } from "../../platform/http/form-input.ts";
import { IdParams, idParam, pageParam } from "../../platform/http/params.ts";
import { nowIso } from "../../platform/time/china-time.ts";
import {
  mineSynonymCandidates,
  reformulationCandidates,
  storeSynonymCandidates,
} from "../../platform/search/synonym-mining.ts";
import type { SynonymStatus } from "../../platform/search/tables.ts";
import { AdminLayout, CsrfField } from "../../web/admin-layout.tsx";
import { ErrorSummary, Field } from "../../web/components/form.tsx";
import { Pagination } from "../../web/components/pagination.tsx";
import { PostButton } from "../../web/components/post-button.tsx";
import { sendPage } from "../../web/console.ts";
import type { SearchDeps } from "./deps.ts";

const PAGE_SIZE = 30;
/** Synonyms change every search of the cluster: editors and site administrators review them. */
const REVIEW_ROLES = ["site_admin", "editor"];
const STATUS_LABELS: Record<SynonymStatus, string> = {
  candidate: "待审核",
  approved: "已采用",
  rejected: "已拒绝",
};
const SOURCE_LABELS: Record<string, string> = {
  definition: "文中定义（以下简称）",
  abbreviation: "缩略形式",
  cooccurrence: "缩略形式且同文出现",
  reformulation: "访客换词再搜",
  manual: "人工添加（需求台）",
};

/** Checks a synonym pair typed in the console; returns the problems by field (Chinese). */
function synonymProblems(word: string, canonical: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!word) errors.word = "请填写搜索词";
  else if (word.length > 20) errors.word = "搜索词不超过20个字";
  if (!canonical) errors.canonical = "请填写等同的规范词";
  else if (canonical.length > 20) errors.canonical = "规范词不超过20个字";
  else if (canonical === word) errors.canonical = "规范词不能与搜索词相同";
  return errors;
}

function SynonymForm(props: {
  csrf: string;
  word: string;
  canonical: string;
  errors: Record<string, string>;
  added: boolean;
}) {
  const { errors } = props;
  return (
    <form method="post" action="/admin/search/synonyms/add" id="add-synonym" class="filter-form">
      <CsrfField token={props.csrf} />
      {props.added ? (
        <p class="notice info" role="status">
          已添加并采用该同义词，5秒内用于全站搜索。
        </p>
      ) : null}
      <ErrorSummary errors={errors} />
      <Field id="word" label="搜索词（如无结果的词）" error={errors.word}>
        <input id="word" name="word" value={props.word} maxLength={20} />
      </Field>
      <Field id="canonical" label="等同于（规范词）" error={errors.canonical}>
        <input id="canonical" name="canonical" value={props.canonical} maxLength={20} />
      </Field>
      <button type="submit" class="button">
        添加同义词
      </button>
    </form>
  );
}

/** The console page where mined synonym candidates are approved before search uses them. */
const searchAdminRoutes: FastifyPluginAsyncTypebox<{ deps: SearchDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const db = deps.store.db;

  app.get(
    "/admin/search/synonyms",
    {
      schema: {
        hide: true,
        querystring: Type.Object({
          status: Type.Optional(Type.String({ maxLength: 20 })),
          page: Type.Optional(Type.String({ maxLength: 40 })),
          mined: Type.Optional(Type.String({ maxLength: 10 })),
          word: Type.Optional(Type.String({ maxLength: 100 })),
          canonical: Type.Optional(Type.String({ maxLength: 100 })),
          added: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
    },
    async (request, reply) => {
      const c = consoleRequest(request);
      requireRole(c.auth, REVIEW_ROLES);
      const status: SynonymStatus =
        request.query.status === "approved" || request.query.status === "rejected"
          ? request.query.status
          : "candidate";
      const page = pageParam(request.query.page);
      const base = db.selectFrom("searchSynonyms").where("status", "=", status);
      const rows = await base
        .selectAll()
        .orderBy("score", "desc")
        .orderBy("id")
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .execute();
      const total = Number(
        (await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
      );
      const mined = request.query.mined;
      return sendPage(
        reply,
        <AdminLayout ctx={c.view} title="搜索同义词">
          <h1>搜索同义词</h1>
          <p class="meta">
            候选词对从本平台已发布的文本（文中“以下简称”的定义、标题词的缩略形式及其同文出现次数）和访客的换词再搜（90
            天内至少 2 次）中挖掘，审核采用后5秒内用于全站搜索：搜索其中一个词也会找到含另一个词的文档。
          </p>
          {mined !== undefined ? (
            <p class="notice info" role="status">
              已挖掘，新增候选 {mined} 对。
            </p>
          ) : null}
          <PostButton action="/admin/search/synonyms/mine" csrf={c.view.csrf} label="重新挖掘候选" />
          <SynonymForm
            csrf={c.view.csrf}
            word={request.query.word ?? ""}
            canonical={request.query.canonical ?? ""}
            errors={
              request.query.word !== undefined && request.query.canonical !== undefined
                ? synonymProblems(request.query.word.trim(), request.query.canonical.trim())
                : {}
            }
            added={request.query.added !== undefined}
          />
          <p class="actions">
            {(Object.keys(STATUS_LABELS) as SynonymStatus[]).map((s) => (
              <a
                href={`/admin/search/synonyms${s === "candidate" ? "" : `?status=${s}`}`}
                aria-current={s === status ? "page" : undefined}
              >
                {STATUS_LABELS[s]}
              </a>
            ))}
          </p>
          {rows.length === 0 ? (
            <p>没有{STATUS_LABELS[status]}的词对。</p>
          ) : (
            <table class="data-table">
              <caption class="visually-hidden">{STATUS_LABELS[status]}的同义词对</caption>
              <thead>
                <tr>
                  <th scope="col">词</th>
                  <th scope="col">等同于</th>
                  <th scope="col">来源</th>
                  <th scope="col">得分</th>
                  <th scope="col">依据</th>
                  <th scope="col">操作</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>{r.word}</td>
                    <td>{r.canonical}</td>
                    <td>{SOURCE_LABELS[r.source] ?? r.source}</td>
                    <td>{r.score}</td>
                    <td>{r.evidence}</td>
                    <td>
                      {r.status !== "approved" ? (
                        <PostButton
                          action={`/admin/search/synonyms/${r.id}/approve`}
                          csrf={c.view.csrf}
                          label="采用"
                        />
                      ) : null}
                      {r.status !== "rejected" ? (
                        <PostButton
                          action={`/admin/search/synonyms/${r.id}/reject`}
                          csrf={c.view.csrf}
                          label={r.status === "approved" ? "停用" : "拒绝"}
                        />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pagination
            base="/admin/search/synonyms"
            params={status === "candidate" ? {} : { status }}
            page={page}
            pageSize={PAGE_SIZE}
            total={total}
          />
        </AdminLayout>,
      );
    },
  );

  app.post(
    "/admin/search/synonyms/mine",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      requireRole(c.auth, REVIEW_ROLES);
      const candidates = [
        ...(await mineSynonymCandidates(deps.store)),
        ...reformulationCandidates(await deps.analytics.reformulations()),
      ];
      const added = await storeSynonymCandidates(deps.store, candidates);
      await deps.audit.record({
        actor: c.auth.staff.username,
        action: "search.synonyms.mine",
        targetType: "search-synonym",
        targetId: "*",
        detail: { added },
      });
      return reply.redirect(`/admin/search/synonyms?mined=${added}`, 303);
    },
  );

  // A pair typed by an editor (e.g. from the demand desk's zero-result searches): adopted at once.
  app.post(
    "/admin/search/synonyms/add",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      requireRole(c.auth, REVIEW_ROLES);
      const body = request.body as Record<string, unknown>;
      const word = String(body.word ?? "").trim();
      const canonical = String(body.canonical ?? "").trim();
      if (Object.keys(synonymProblems(word, canonical)).length > 0) {
        const kept = new URLSearchParams({ word: word.slice(0, 100), canonical: canonical.slice(0, 100) });
        return reply.redirect(`/admin/search/synonyms?${kept}#add-synonym`, 303);
      }
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("searchSynonyms")
          .values({
            word,
            canonical,
            source: "manual",
            score: 1,
            evidence: "",
            status: "approved",
            decidedBy: c.auth.staff.username,
            decidedAt: nowIso(),
            createdAt: nowIso(),
          })
          .onConflict((oc) =>
            oc.columns(["word", "canonical"]).doUpdateSet({
              status: "approved",
              decidedBy: c.auth.staff.username,
              decidedAt: nowIso(),
            }),
          )
          .execute();
        await deps.audit.record(
          {
            actor: c.auth.staff.username,
            action: "search.synonym.add",
            targetType: "search-synonym",
            targetId: word,
            detail: { word, canonical },
          },
          trx,
        );
      });
      deps.search.clearCache();
      return reply.redirect(`/admin/search/synonyms?status=approved&added=1`, 303);
    },
  );

  for (const [action, status] of [
    ["approve", "approved"],
    ["reject", "rejected"],
  ] as const) {
    app.post(
      `/admin/search/synonyms/:id/${action}`,
      { schema: { hide: true, params: IdParams, body: FormBody } },
      async (request, reply) => {
        const c = consoleRequest(request);
        requireRole(c.auth, REVIEW_ROLES);
        const id = idParam(request.params.id);
        const row = id
          ? await db.selectFrom("searchSynonyms").selectAll().where("id", "=", id).executeTakeFirst()
          : undefined;
        if (!row) throw notFound("词对不存在");
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable("searchSynonyms")
            .set({ status, decidedBy: c.auth.staff.username, decidedAt: nowIso() })
            .where("id", "=", row.id)
            .execute();
          await deps.audit.record(
            {
              actor: c.auth.staff.username,
              action: `search.synonym.${action}`,
              targetType: "search-synonym",
              targetId: row.id,
              detail: { word: row.word, canonical: row.canonical },
            },
            trx,
          );
        });
        deps.search.clearCache();
        return reply.redirect(
          `/admin/search/synonyms${row.status === "candidate" ? "" : `?status=${row.status}`}`,
          303,
        );
      },
    );
  }
};

export default searchAdminRoutes;
