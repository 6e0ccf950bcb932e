import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { consoleRequest, guardStaffArea, requireRight } from "../staff/index.ts";
import { Invalid, notFound } from "../../platform/http/errors.ts";
import { FormBody } from "../../platform/http/form-input.ts";
import { IdParams, idParam, pageParam } from "../../platform/http/params.ts";
import { nowIso } from "../../platform/time/china-time.ts";
import {
  mineSynonymCandidates,
  reformulationCandidates,
  storeSynonymCandidates,
} from "../../platform/search/synonym-mining.ts";
import { QUERY_SYNONYMS, SYNONYM_GROUPS } from "../../platform/search/synonyms.ts";
import { switchedOffBuiltIns, synonymPairKey } from "../../platform/search/learned-synonyms.ts";
import type { SynonymSource, SynonymStatus } from "../../platform/search/tables.ts";
import { AdminLayout, CsrfField } from "../../web/admin-layout.tsx";
import { RIGHTS } from "../staff/index.ts";
import { ErrorSummary, Field } from "../../web/components/form.tsx";
import { Pagination } from "../../web/components/pagination.tsx";
import { PostButton } from "../../web/components/post-button.tsx";
import { sendPage } from "../../web/console.ts";
import type { SearchDeps } from "./deps.ts";

const PAGE_SIZE = 30;
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
  builtin: "内置",
};
/** The tabs of the page: the review states, then the built-in pairs. */
const TABS: { value: SynonymStatus | "builtin"; label: string }[] = [
  ...(Object.keys(STATUS_LABELS) as SynonymStatus[]).map((s) => ({ value: s, label: STATUS_LABELS[s] })),
  { value: "builtin", label: "内置" },
];
const tabHref = (tab: SynonymStatus | "builtin") =>
  `/admin/search/synonyms${tab === "candidate" ? "" : `?status=${tab}`}`;

/** The built-in query-time pairs with whether each is in use (not switched off in the console). */
function BuiltInPairs(props: { csrf: string; off: Set<string> }) {
  return (
    <>
      <p class="meta">
        内置词对随系统提供，在搜索时使用（群众说法 ↔
        规范说法）；发现某对在本省用法不同或造成误检时可停用，5秒内全站生效，随时可恢复。
      </p>
      <table class="data-table">
        <caption>内置搜索词对（{QUERY_SYNONYMS.length} 对）</caption>
        <thead>
          <tr>
            <th scope="col">词</th>
            <th scope="col">等同于</th>
            <th scope="col">状态</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {QUERY_SYNONYMS.map(([word, canonical]) => {
            const off = props.off.has(synonymPairKey(word, canonical));
            return (
              <tr>
                <td>{word}</td>
                <td>{canonical}</td>
                <td>{off ? "已停用" : "使用中"}</td>
                <td>
                  <PostButton
                    action="/admin/search/synonyms/builtin"
                    csrf={props.csrf}
                    label={off ? "恢复使用" : "停用"}
                    fields={{ word, canonical, use: off ? "1" : "0" }}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <table class="data-table">
        <caption>
          建立索引时合并的同义词组（{SYNONYM_GROUPS.length} 组，修改须重建索引，不能在此停用）
        </caption>
        <thead>
          <tr>
            <th scope="col">规范词</th>
            <th scope="col">同义词</th>
          </tr>
        </thead>
        <tbody>
          {SYNONYM_GROUPS.map(([canonical, ...words]) => (
            <tr>
              <td>{canonical}</td>
              <td>{words.join("、")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

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
      requireRight(c.auth, RIGHTS.searchSynonyms);
      const builtIn = request.query.status === "builtin";
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
            {TABS.map((tab) => (
              <a
                href={tabHref(tab.value)}
                aria-current={tab.value === (builtIn ? "builtin" : status) ? "page" : undefined}
              >
                {tab.label}
              </a>
            ))}
          </p>
          {builtIn ? (
            <BuiltInPairs csrf={c.view.csrf} off={await switchedOffBuiltIns(deps.store)} />
          ) : rows.length === 0 ? (
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
          {builtIn ? null : (
            <Pagination
              base="/admin/search/synonyms"
              params={status === "candidate" ? {} : { status }}
              page={page}
              pageSize={PAGE_SIZE}
              total={total}
            />
          )}
        </AdminLayout>,
      );
    },
  );

  app.post(
    "/admin/search/synonyms/mine",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      requireRight(c.auth, RIGHTS.searchSynonyms);
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

  /**
   * Records an editor's decision on a pair (a new row, or the pair's row updated: one row per pair)
   * and audits it as search.synonym.ACTION.
   */
  async function decidePair(
    actor: string,
    pair: { word: string; canonical: string; source: SynonymSource; status: SynonymStatus },
    action: string,
  ): Promise<void> {
    const decided = { status: pair.status, source: pair.source, decidedBy: actor, decidedAt: nowIso() };
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto("searchSynonyms")
        .values({
          word: pair.word,
          canonical: pair.canonical,
          score: 1,
          evidence: "",
          createdAt: nowIso(),
          ...decided,
        })
        .onConflict((oc) => oc.columns(["word", "canonical"]).doUpdateSet(decided))
        .execute();
      await deps.audit.record(
        {
          actor,
          action: `search.synonym.${action}`,
          targetType: "search-synonym",
          targetId: pair.word,
          detail: { word: pair.word, canonical: pair.canonical },
        },
        trx,
      );
    });
  }

  // A pair typed by an editor (e.g. from the demand desk's zero-result searches): adopted at once.
  app.post(
    "/admin/search/synonyms/add",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      requireRight(c.auth, RIGHTS.searchSynonyms);
      const body = request.body as Record<string, unknown>;
      const word = String(body.word ?? "").trim();
      const canonical = String(body.canonical ?? "").trim();
      if (Object.keys(synonymProblems(word, canonical)).length > 0) {
        const kept = new URLSearchParams({ word: word.slice(0, 100), canonical: canonical.slice(0, 100) });
        return reply.redirect(`/admin/search/synonyms?${kept}#add-synonym`, 303);
      }
      await decidePair(
        c.auth.staff.username,
        { word, canonical, source: "manual", status: "approved" },
        "add",
      );
      deps.search.clearCache();
      return reply.redirect(`/admin/search/synonyms?status=approved&added=1`, 303);
    },
  );

  // A built-in pair switched off (use=0) or on again (use=1): its decision is kept as a row of the pair.
  app.post(
    "/admin/search/synonyms/builtin",
    { schema: { hide: true, body: FormBody } },
    async (request, reply) => {
      const c = consoleRequest(request);
      requireRight(c.auth, RIGHTS.searchSynonyms);
      const body = request.body as Record<string, unknown>;
      const word = String(body.word ?? "");
      const canonical = String(body.canonical ?? "");
      if (!QUERY_SYNONYMS.some(([w, k]) => w === word && k === canonical)) throw notFound("内置词对不存在");
      if (body.use !== "0" && body.use !== "1") throw new Invalid("请选择停用或恢复使用");
      const status: SynonymStatus = body.use === "1" ? "approved" : "rejected";
      await decidePair(
        c.auth.staff.username,
        { word, canonical, source: "builtin", status },
        `builtin.${body.use === "1" ? "on" : "off"}`,
      );
      deps.search.clearCache();
      return reply.redirect("/admin/search/synonyms?status=builtin", 303);
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
        requireRight(c.auth, RIGHTS.searchSynonyms);
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
