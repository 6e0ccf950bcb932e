import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  compressedVariants,
  preferredEncoding,
  varyWithEncoding,
  type Encoding,
} from "./content-encoding.ts";

/** Bytes on the wire with the headers that go with them. */
interface Wire {
  head: Record<string, string | string[]>;
  bytes: Buffer;
}

/**
 * A small in-memory cache of rendered public pages for anonymous visitors. Only routes that opt in
 * with `config: { pageCache: true }` are cached, only for GET requests without cookies other than
 * the elder-mode one, only 200 HTML answers that set no cookie. Keyed by host + URL + elder mode.
 * Cleared whenever content or sites change in this process; entries also expire after `ttlMs` so
 * changes made by another process (the import CLI, another instance) show within that time.
 */
export interface CachedPage {
  at: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** May be served by the raw fast path, before Fastify (false when a hit must run route code). */
  raw?: boolean;
  /** The address the page was rendered for inside the platform (after host rewriting), no query. */
  path?: string;
  /** The body as bytes, with the headers the fast path writes (built once, on the first fast hit). */
  wire?: Wire & {
    /** The body compressed (built on the first hit that accepts it; null: too short to gain). */
    encoded?: Record<Encoding, Wire> | null;
  };
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Cache this route's 200 HTML answers for anonymous visitors (see PageCache). */
    pageCache?: boolean;
    /** Runs when a cached answer is served instead of the route (e.g. to log a search query). */
    onPageCacheHit?: (request: FastifyRequest) => void;
  }
}

const CACHE_KEY = Symbol("pageCacheKey");
type KeyedRequest = FastifyRequest & { [CACHE_KEY]?: string };

export class PageCache {
  private readonly entries = new Map<string, CachedPage>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 5000,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now = Date.now()): CachedPage | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, page: CachedPage, generation: number): void {
    // A page rendered before the last invalidation may already be stale: don't keep it.
    if (!this.enabled || generation !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, page);
  }

  currentGeneration(): number {
    return this.generation;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

const ONLY_ELDER_COOKIE = /^\s*elder=[^;]*;?\s*$/;

/** The key of an anonymous GET, from the address the visitor asked for (before any rewrite). */
function keyOf(host: string | undefined, cookie: string | undefined, url: string): string | null {
  if (cookie && !ONLY_ELDER_COOKIE.test(cookie)) return null;
  // Elder mode with its display options ("1", "1c", "1cx"…) renders differently: one entry each.
  const elder = (cookie && /elder=(1[cx]{0,2})\s*(;|$)/.exec(cookie)?.[1]) || "0";
  return `${(host ?? "").toLowerCase()}|${elder}|${url}`;
}

function cacheKey(request: FastifyRequest): string | null {
  if (request.method !== "GET" || !request.routeOptions.config?.pageCache) return null;
  return keyOf(request.headers.host, request.headers.cookie, request.originalUrl);
}

/**
 * The fast path: answers an anonymous GET for a cached page straight from the Node request handler,
 * before Fastify's routing and hooks (session lookup, CSRF, rate-limit store, logging), which cost
 * more than the page itself. Returns false when the request must go through Fastify.
 */
export function servePageCacheFast(
  cache: PageCache,
  req: IncomingMessage,
  res: ServerResponse,
  onHit?: (req: IncomingMessage, page: CachedPage) => void,
): boolean {
  if (!cache.enabled || req.method !== "GET" || !req.url) return false;
  const key = keyOf(req.headers.host, req.headers.cookie, req.url);
  if (!key) return false;
  const hit = cache.get(key);
  if (!hit?.raw) return false;
  const wire = (hit.wire ??= {
    head: {
      ...hit.headers,
      vary: varyWithEncoding(hit.headers.vary),
      "x-page-cache": "hit",
      "content-length": String(Buffer.byteLength(hit.body)),
    },
    bytes: Buffer.from(hit.body),
  });
  // Compressed for a phone on a slow network; a client that takes no encoding costs one header read.
  const encoding = preferredEncoding(req.headers["accept-encoding"]);
  const sent = encoding ? ((wire.encoded ??= encodedWires(wire))?.[encoding] ?? wire) : wire;
  res.writeHead(200, sent.head);
  res.end(sent.bytes);
  onHit?.(req, hit);
  return true;
}

function encodedWires(wire: Wire): Record<Encoding, Wire> | null {
  const variants = compressedVariants(wire.bytes);
  if (!variants) return null;
  const as = (encoding: Encoding): Wire => ({
    head: { ...wire.head, "content-encoding": encoding, "content-length": String(variants[encoding].length) },
    bytes: variants[encoding],
  });
  return { br: as("br"), gzip: as("gzip") };
}

/**
 * Serves cached pages before the route runs and stores fresh ones as they are sent. Misses are
 * coalesced: while one request renders a page, others for the same key wait for it (briefly) instead
 * of all hitting the database at once when a popular page expires or the cache is cleared.
 */
export function registerPageCache(app: FastifyInstance, cache: PageCache): void {
  if (!cache.enabled) return;
  const generations = new WeakMap<FastifyRequest, number>();
  const rendering = new Map<string, { done: Promise<void>; finish: () => void }>();
  const owners = new WeakSet<FastifyRequest>();
  const finish = (request: KeyedRequest) => {
    const key = request[CACHE_KEY];
    const flight = key ? rendering.get(key) : undefined;
    if (key && flight && owners.has(request)) {
      owners.delete(request);
      rendering.delete(key);
      flight.finish();
    }
  };
  const serve = (reply: FastifyReply, hit: CachedPage) => {
    reply.request.routeOptions.config.onPageCacheHit?.(reply.request);
    reply.headers(hit.headers).header("x-page-cache", "hit");
    return reply.send(hit.body);
  };
  /** The request renders its page (a miss): its answer is stored as it is sent. */
  const render = (request: KeyedRequest, key: string) => {
    request[CACHE_KEY] = key;
    if (!generations.has(request)) generations.set(request, cache.currentGeneration());
  };
  // Callback hooks: most requests are not cached pages and pass straight through, without the
  // promise and microtask turn an async hook costs each of them.
  app.addHook("onRequest", (request: KeyedRequest, reply: FastifyReply, done) => {
    const key = cacheKey(request);
    if (!key) return done();
    const hit = cache.get(key);
    if (hit) return void serve(reply, hit);
    const flight = rendering.get(key);
    if (!flight) {
      let resolve = () => {};
      const rendered = new Promise<void>((r) => (resolve = r));
      rendering.set(key, { done: rendered, finish: resolve });
      owners.add(request);
      render(request, key);
      return done();
    }
    void Promise.race([flight.done, new Promise((r) => setTimeout(r, 2000))]).then(() => {
      const after = cache.get(key);
      if (!after) {
        render(request, key);
        return done();
      }
      try {
        serve(reply, after);
      } catch (error) {
        done(error as Error);
      }
    });
  });
  app.addHook("onSend", (request: KeyedRequest, reply, payload, done) => {
    // A page being cached may later be answered compressed by the fast path: its first answer (and
    // the stored headers every later one repeats) says so.
    if (request[CACHE_KEY] !== undefined) reply.header("vary", varyWithEncoding(reply.getHeader("vary")));
    store(request, reply, payload);
    done(null, payload);
  });
  const store = (request: KeyedRequest, reply: FastifyReply, payload: unknown) => {
    const key = request[CACHE_KEY];
    if (!key || reply.statusCode !== 200 || typeof payload !== "string") return;
    const headers = reply.getHeaders();
    if (headers["set-cookie"] || !String(headers["content-type"] ?? "").startsWith("text/html")) return;
    const kept: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || name === "content-length") continue;
      kept[name] = typeof value === "number" ? String(value) : value;
    }
    const raw = !request.routeOptions.config.onPageCacheHit;
    const path = request.url.split("?")[0];
    cache.set(
      key,
      { at: Date.now(), headers: kept, body: payload, raw, path },
      generations.get(request) ?? -1,
    );
  };
  // The renderer releases its waiters whatever happened (sent, failed, or the client went away).
  app.addHook("onResponse", (request: KeyedRequest, _reply, done) => {
    finish(request);
    done();
  });
  app.addHook("onRequestAbort", (request: KeyedRequest, done) => {
    finish(request);
    done();
  });
}
