import type { FastifyRequest } from "fastify";
import type { PageDeps } from "../page-context.ts";
import { renderDocument } from "../../../web/render.ts";
import { Layout } from "../../../web/layout.tsx";
import { pageContext } from "../page-context.ts";

/** 404/500 pages in the look of the site the address belongs to (the portal otherwise). */
export async function renderErrorPage(
  deps: PageDeps,
  request: FastifyRequest,
  status: number,
  message: string,
): Promise<string> {
  const code = /^\/sites\/([a-z0-9-]+)/.exec(request.url)?.[1];
  const site = (code && deps.sites.byCodeCached(code)) || deps.sites.portalSite();
  if (!site) return `<!doctype html><html lang="zh-CN"><title>${status}</title><p>${status}</p></html>`;
  let ctx;
  try {
    ctx = await pageContext(deps, site, request);
  } catch {
    ctx = {
      site,
      base: deps.sites.base(site),
      origin: deps.sites.origin(site),
      nav: [],
      elder: false,
      path: "/",
    };
  }
  const title =
    status === 404
      ? "页面不存在"
      : status === 403
        ? "无权访问"
        : status >= 500
          ? "服务暂时不可用"
          : "请求有误";
  return renderDocument(
    <Layout
      ctx={ctx}
      meta={{ title, url: request.url.slice(0, 300) }}
      crumbs={[{ name: "首页", href: `${ctx.base}/` }, { name: title }]}
    >
      <h1>{title}</h1>
      <p class="notice">{message}</p>
      <p>
        您可以返回 <a href={`${ctx.base}/`}>网站首页</a>，或使用页面上方的搜索查找所需信息。
      </p>
    </Layout>,
  );
}
