import type { ComponentChildren } from "preact";
import { chinaTime } from "../platform/time/china-time.ts";

export interface SiteIdentity {
  code: string;
  siteCode: string;
  name: string;
  host: string;
  themeColor: string;
  logoText: string;
  sponsor: string;
  organizer: string;
  contact: string;
  icp: string;
  policeRecord: string;
  kind: string;
}

export interface NavItem {
  name: string;
  href: string;
  current?: boolean;
}

export interface Crumb {
  name: string;
  href?: string;
}

/** National metadata that inspection crawlers read from every government page. */
export interface PageMeta {
  title: string;
  columnName?: string;
  columnType?: string;
  articleTitle?: string;
  pubDate?: string | null;
  contentSource?: string;
  keywords?: string;
  description?: string;
  /** 栏目描述 and 栏目关键词 of a column page. */
  columnDescription?: string;
  columnKeywords?: string;
  /** The page's address: a path of the site (/sites/rst/col/x/ or /col/x/) or an absolute URL. */
  url: string;
  /** The absolute address search engines should index instead (a shared article read on another site). */
  canonical?: string;
  /** Feeds offered for discovery (<link rel="alternate">), with absolute or site paths. */
  feeds?: { type: "application/rss+xml" | "application/atom+xml"; title: string; href: string }[];
}

export interface ElderOptions {
  contrast: boolean;
  bigCursor: boolean;
}

export interface PageContext {
  site: SiteIdentity;
  /** Path prefix of the site, e.g. "/sites/rst". */
  base: string;
  /** The site's public origin from configuration (http://rst.example.gov.cn), never from the Host header. */
  origin: string;
  nav: NavItem[];
  elder: boolean;
  /** Elder-mode display options: high-contrast colours, an extra-large mouse cursor. */
  elderOptions?: ElderOptions;
  /** Current request path (for the elder toggle's way back). */
  path: string;
  /** The signed-in citizen (masked name, CSRF token for 退出), or null/absent when signed out. */
  viewer?: { maskedName: string; csrf: string } | null;
  /** The other sites of the cluster, the portal first (站群导航 in the footer). */
  cluster?: NavItem[];
}

/** PubDate as the national convention wants it: YYYY-MM-DD HH:MM in China time. */
export const formatPubDate = chinaTime;

export function formatDate(iso: string | null | undefined): string {
  return formatPubDate(iso).slice(0, 10);
}

/**
 * The one public address of a page: a site path (/sites/rst/x or /x) becomes a URL at the site's own
 * host root (http://rst.example.gov.cn/x); absolute URLs are kept.
 */
export function absoluteUrl(ctx: Pick<PageContext, "base" | "origin">, path: string): string {
  if (/^https?:\/\//.test(path)) return path;
  const rest =
    path === ctx.base
      ? "/"
      : path.startsWith(`${ctx.base}/`) || path.startsWith(`${ctx.base}?`)
        ? path.slice(ctx.base.length)
        : path;
  return `${ctx.origin}${rest.startsWith("/") ? rest : `/${rest}`}`;
}

function MetaTags({ site, meta, url }: { site: SiteIdentity; meta: PageMeta; url: string }) {
  return (
    <>
      <meta name="SiteName" content={site.name} />
      <meta name="SiteDomain" content={site.host} />
      <meta name="SiteIDCode" content={site.siteCode} />
      {meta.columnName ? <meta name="ColumnName" content={meta.columnName} /> : null}
      {meta.columnDescription ? <meta name="ColumnDescription" content={meta.columnDescription} /> : null}
      {meta.columnKeywords ? <meta name="ColumnKeywords" content={meta.columnKeywords} /> : null}
      {meta.columnType ? <meta name="ColumnType" content={meta.columnType} /> : null}
      {meta.articleTitle ? <meta name="ArticleTitle" content={meta.articleTitle} /> : null}
      {meta.pubDate ? <meta name="PubDate" content={formatPubDate(meta.pubDate)} /> : null}
      {meta.contentSource ? <meta name="ContentSource" content={meta.contentSource} /> : null}
      <meta name="Keywords" content={meta.keywords ?? site.name} />
      <meta name="Description" content={meta.description ?? site.name} />
      <meta name="Url" content={url} />
    </>
  );
}

/** 登录/注册 when signed out; the masked name, 我的 and 退出 (a POST with CSRF) when signed in. */
function AccountLinks({ ctx }: { ctx: PageContext }) {
  const viewer = ctx.viewer;
  if (!viewer) {
    const onAccountPage = ctx.path.startsWith(`${ctx.base}/account/`);
    const next = onAccountPage ? "" : `?next=${encodeURIComponent(ctx.path)}`;
    return (
      <>
        <a href={`${ctx.base}/account/login${next}`} class="account-login">
          登录
        </a>
        <a href={`${ctx.base}/account/register${next}`}>注册</a>
      </>
    );
  }
  return (
    <>
      <span class="account-name">
        <span class="visually-hidden">已登录：</span>
        {viewer.maskedName}
      </span>
      <a href={`${ctx.base}/account/`} class="account-mine">
        我的
      </a>
      <form method="post" action={`${ctx.base}/account/logout`} class="account-logout">
        <input type="hidden" name="_csrf" value={viewer.csrf} />
        <button type="submit">退出</button>
      </form>
    </>
  );
}

function Header({ ctx }: { ctx: PageContext }) {
  const back = encodeURIComponent(ctx.path);
  return (
    <header class="site-header">
      <a class="skip-link" href="#main">
        跳到主要内容
      </a>
      <div class="toolbar">
        <div class="container toolbar-inner">
          <span class="toolbar-site">{ctx.site.kind === "portal" ? "欢迎访问" : ctx.site.name}</span>
          <nav aria-label="辅助功能" class="toolbar-links">
            <a href={`${ctx.base}/elder?on=${ctx.elder ? "0" : "1"}&back=${back}`} class="elder-toggle">
              {ctx.elder ? "退出长辈版" : "长辈版"}
            </a>
            <button type="button" class="read-aloud" hidden data-read-aloud="#main">
              朗读正文
            </button>
            <a href={`${ctx.base}/assistant`} data-assistant-open>
              智能客服
            </a>
            <AccountLinks ctx={ctx} />
            <a href="/admin">工作人员登录</a>
          </nav>
        </div>
      </div>
      <div class="masthead">
        <div class="container masthead-inner">
          <a href={`${ctx.base}/`} class="logo">
            <span class="logo-emblem" aria-hidden="true">
              ★
            </span>
            <span class="logo-text">{ctx.site.logoText}</span>
          </a>
          <form class="search-box" action={`${ctx.base}/search`} method="get" role="search">
            <label for="site-search" class="visually-hidden">
              搜索
            </label>
            <input
              id="site-search"
              name="q"
              type="search"
              maxLength={100}
              placeholder="搜索政策、服务、信息"
            />
            <button type="submit">搜索</button>
          </form>
        </div>
      </div>
      <nav class="main-nav" aria-label="主栏目">
        <ul class="container">
          {ctx.nav.map((item) => (
            <li>
              <a href={item.href} aria-current={item.current ? "page" : undefined}>
                {item.name}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}

export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav class="breadcrumbs" aria-label="当前位置">
      <span class="visually-hidden">当前位置：</span>
      <ol>
        {items.map((c, i) => (
          <li>
            {c.href && i < items.length - 1 ? (
              <a href={c.href}>{c.name}</a>
            ) : (
              <span aria-current="page">{c.name}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function Footer({ ctx }: { ctx: PageContext }) {
  const s = ctx.site;
  return (
    <footer class="site-footer">
      <div class="container footer-inner">
        <a class="conac-badge" href="https://bszs.conac.cn/" rel="noopener noreferrer">
          <span aria-hidden="true">党政机关</span>
          <span class="visually-hidden">党政机关网站标识</span>
        </a>
        <div class="footer-text">
          <p class="footer-row">
            <span>主办单位：{s.sponsor}</span>
            <span>承办单位：{s.organizer}</span>
            <span>联系方式：{s.contact}</span>
          </p>
          <p class="footer-row">
            <span>网站标识码：{s.siteCode}</span>
            <a href="https://beian.miit.gov.cn/">{s.icp}</a>
            {s.policeRecord ? <span>{s.policeRecord}</span> : null}
          </p>
          <p class="footer-row">
            <a href={`${ctx.base}/report-error?url=${encodeURIComponent(ctx.path)}`}>我为政府网站找错</a>
            <a href={`${ctx.base}/zwgk`}>政务公开</a>
            <a href={`${ctx.base}/assistant`}>智能客服</a>
            <a href={`${ctx.base}/sitemap`}>网站地图</a>
            <a href="/api/docs">开放接口</a>
          </p>
          {ctx.cluster && ctx.cluster.length > 0 ? (
            <ClusterNav sites={ctx.cluster} portal={ctx.site.kind === "portal" ? null : ctx.cluster[0]} />
          ) : null}
        </div>
      </div>
    </footer>
  );
}

/** 站群导航: the way back to the portal and over to every other site of the cluster. */
function ClusterNav({ sites, portal }: { sites: NavItem[]; portal: NavItem | null }) {
  return (
    <nav class="cluster-nav" aria-label="站群导航">
      {portal ? (
        <p class="footer-row">
          <a href={portal.href}>返回{portal.name}门户网站</a>
        </p>
      ) : null}
      <details>
        <summary>站群导航</summary>
        <ul>
          {sites.map((s) => (
            <li>
              <a href={s.href}>{s.name}</a>
            </li>
          ))}
        </ul>
      </details>
    </nav>
  );
}

function htmlClass(ctx: PageContext): string | undefined {
  if (!ctx.elder) return undefined;
  const o = ctx.elderOptions;
  return ["elder", o?.contrast ? "elder-contrast" : "", o?.bigCursor ? "elder-cursor" : ""]
    .filter(Boolean)
    .join(" ");
}

/** 长辈版设置: high contrast, extra-large cursor, read-aloud (with JavaScript) and the way out. */
function ElderSettings({ ctx }: { ctx: PageContext }) {
  const back = encodeURIComponent(ctx.path);
  const o = ctx.elderOptions ?? { contrast: false, bigCursor: false };
  const href = (q: string) => `${ctx.base}/elder?on=1&${q}&back=${back}`;
  return (
    <nav class="elder-settings" aria-label="长辈版设置">
      <a href={href(`contrast=${o.contrast ? 0 : 1}`)}>{o.contrast ? "标准配色" : "高对比度"}</a>
      <a href={href(`cursor=${o.bigCursor ? 0 : 1}`)}>{o.bigCursor ? "标准鼠标" : "大号鼠标"}</a>
      <button type="button" hidden data-read-aloud="#main">
        朗读正文
      </button>
      <button type="button" hidden data-read-focus>
        指读
      </button>
      <a href={`${ctx.base}/elder?on=0&back=${back}`}>返回标准版</a>
    </nav>
  );
}

export function Layout({
  ctx,
  meta,
  crumbs,
  children,
}: {
  ctx: PageContext;
  meta: PageMeta;
  crumbs?: Crumb[];
  children: ComponentChildren;
}) {
  const url = absoluteUrl(ctx, meta.url);
  return (
    <html lang="zh-CN" class={htmlClass(ctx)}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{meta.title === ctx.site.name ? meta.title : `${meta.title} - ${ctx.site.name}`}</title>
        <MetaTags site={ctx.site} meta={meta} url={url} />
        <link rel="canonical" href={meta.canonical ?? url} />
        {(meta.feeds ?? []).map((f) => (
          <link rel="alternate" type={f.type} title={f.title} href={absoluteUrl(ctx, f.href)} />
        ))}
        <link rel="icon" href="/favicon.ico" />
        <link rel="stylesheet" href="/static/css/site.css" />
        <link rel="stylesheet" href={`${ctx.base}/theme.css`} />
        <script src="/static/js/site.js" defer></script>
        <script src="/static/js/assistant.js" defer></script>
        <script src="/static/js/beacon.js" defer data-site={ctx.site.code}></script>
      </head>
      <body>
        <Header ctx={ctx} />
        <div class="container page">
          {crumbs ? <Breadcrumbs items={crumbs} /> : null}
          <main id="main" tabIndex={-1}>
            {children}
          </main>
          {ctx.elder ? <ElderSettings ctx={ctx} /> : null}
        </div>
        <Footer ctx={ctx} />
      </body>
    </html>
  );
}
