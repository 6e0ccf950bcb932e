import type { FastifyPluginAsync } from "fastify";
import { sendHtml } from "../../platform/http/reply.ts";
import { renderDocument } from "../../web/render.ts";
import { Layout } from "../../web/layout.tsx";
import { pageContext, type PageDeps } from "./page-context.ts";

/** The parts of an OpenAPI document the docs page lists. */
interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  responses?: Record<string, { description?: string }>;
}
export interface OpenApiDocument {
  info?: { title?: string; description?: string; version?: string };
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, OpenApiOperation>>;
}

const METHODS = ["get", "post", "put", "patch", "delete"];
const IN_NAMES: Record<string, string> = {
  query: "查询参数",
  path: "路径参数",
  header: "请求头",
  cookie: "Cookie",
};

interface Listed extends OpenApiOperation {
  method: string;
  path: string;
}

function grouped(doc: OpenApiDocument): { tag: string; description?: string; ops: Listed[] }[] {
  const groups = new Map<string, Listed[]>();
  for (const [path, ops] of Object.entries(doc.paths ?? {}))
    for (const method of METHODS) {
      const op = Object.hasOwn(ops, method) ? ops[method] : undefined;
      if (!op) continue;
      const tag = op.tags?.[0] ?? "其他";
      groups.set(tag, [...(groups.get(tag) ?? []), { ...op, method, path }]);
    }
  return [...groups].map(([tag, ops]) => ({
    tag,
    description: doc.tags?.find((t) => t.name === tag)?.description,
    ops,
  }));
}

/**
 * The open API's documentation as a page of the portal: every operation grouped by topic, with its
 * parameters, the credentials it needs and its answers, readable without JavaScript; the machine
 * readable document is linked (JSON and YAML).
 */
export function ApiDocsBody({ doc }: { doc: OpenApiDocument }) {
  const groups = grouped(doc);
  return (
    <>
      <h1>开放接口说明</h1>
      <p>
        本平台向社会开放以下 JSON 接口，供第三方应用查询公开信息、提交办件和咨询。接口说明遵循 OpenAPI 3
        规范，可下载{" "}
        <a href="/api/docs/json" type="application/json">
          JSON 格式
        </a>{" "}
        或{" "}
        <a href="/api/docs/yaml" type="application/yaml">
          YAML 格式
        </a>
        的完整接口描述文件导入开发工具使用。
      </p>
      <p>
        出错时接口统一返回 <code>{'{"error":{"code","message","fields"}}'}</code>：<code>code</code>{" "}
        为机器可读的错误代码，<code>message</code> 为中文说明，<code>fields</code> 逐项说明有误的参数。
        需登录的接口使用个人/法人用户的会话 Cookie，提交类接口另需 <code>x-csrf-token</code> 请求头。
        Open311（GeoReport v2）接口位于 <code>/open311/v2/</code>，接入密钥请放在 <code>X-Api-Key</code>{" "}
        请求头中。
      </p>
      <nav aria-label="接口分类">
        <ul>
          {groups.map((g) => (
            <li>
              <a href={`#${encodeURIComponent(g.tag)}`}>{g.tag}</a>（{g.ops.length}个）
            </li>
          ))}
        </ul>
      </nav>
      {groups.map((g) => (
        <section id={encodeURIComponent(g.tag)}>
          <h2>{g.tag}</h2>
          {g.description ? <p>{g.description}</p> : null}
          {g.ops.map((op) => (
            <article class="api-operation" id={op.operationId}>
              <h3>
                <code>
                  {op.method.toUpperCase()} {op.path}
                </code>
              </h3>
              <p>
                {op.summary ?? ""}
                {op.security && op.security.length > 0 ? "（需登录）" : "（公开，无需登录）"}
              </p>
              {op.description ? <p>{op.description}</p> : null}
              {op.parameters && op.parameters.length > 0 ? (
                <dl>
                  {op.parameters.map((p) => (
                    <>
                      <dt>
                        <code>{p.name}</code>（{IN_NAMES[p.in] ?? p.in}
                        {p.required ? "，必填" : ""}）
                      </dt>
                      <dd>{p.description ?? ""}</dd>
                    </>
                  ))}
                </dl>
              ) : null}
              <p>
                答复：
                {Object.entries(op.responses ?? {})
                  .map(([status, r]) => `${status} ${r.description ?? ""}`.trim())
                  .join("；")}
              </p>
            </article>
          ))}
        </section>
      ))}
    </>
  );
}

/**
 * /api/docs (the Chinese page in the portal's layout), /api/docs/json and /api/docs/yaml (the
 * OpenAPI document @fastify/swagger builds from the route schemas).
 */
export const apiDocsRoutes: FastifyPluginAsync<{
  deps: PageDeps;
  document: (yaml: boolean) => unknown;
}> = async (app, { deps, document }) => {
  app.get("/api/docs", { schema: { hide: true } }, async (request, reply) => {
    await deps.sites.ensureFresh();
    const site = deps.sites.portalSite();
    const doc = document(false) as OpenApiDocument;
    const body = <ApiDocsBody doc={doc} />;
    if (!site) return sendHtml(reply, renderDocument(<main>{body}</main>));
    const ctx = await pageContext(deps, site, request);
    const title = "开放接口说明";
    return sendHtml(
      reply,
      renderDocument(
        <Layout
          ctx={ctx}
          meta={{ title, url: "/api/docs" }}
          crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: title }]}
        >
          {body}
        </Layout>,
      ),
    );
  });
  app.get("/api/docs/json", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("application/json; charset=utf-8").send(JSON.stringify(document(false))),
  );
  app.get("/api/docs/yaml", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("application/yaml; charset=utf-8").send(document(true)),
  );
};
