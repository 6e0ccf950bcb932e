import { resolve } from "node:path";

/** The external OpenID Connect provider for citizen sign-in (OIDC_* variables). */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  displayName: string;
  scope: string;
  /** Claim carrying the real-name verification flag. */
  verifiedClaim: string;
  /** Claim carrying the ID number, if the IdP releases it. */
  idNumberClaim: string;
  /** How the client authenticates at the token endpoint (OIDC Core §9; registration default: basic). */
  tokenAuthMethod: "client_secret_basic" | "client_secret_post" | "none";
  /** PEM file of extra certificate authorities to trust for the IdP (a government private CA), or null. */
  caFile: string | null;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://… to run on PostgreSQL; unset means embedded SQLite under dataDir. */
  databaseUrl: string | null;
  databaseReplicaUrl: string | null;
  /** The replica is read only while it has replayed the primary's commits of at most this many seconds ago. */
  replicaMaxLagSeconds: number;
  redisUrl: string | null;
  /** Secret for signing cookies. Generated per data dir when not set. */
  sessionSecret: string | null;
  /** Host name that serves the provincial portal (other hosts map to their sites). */
  portalHost: string;
  /**
   * The portal's public address (PUBLIC_BASE_URL, default http://PORTAL_HOST): the origin of every absolute
   * URL the portal writes (feeds, sitemaps, canonical links). Other sites use their own configured host
   * with this scheme. Absolute URLs never come from the request's Host header.
   */
  publicBaseUrl: string;
  /** Seed the demo cluster into an empty database on start. */
  seedDemo: boolean;
  /** Run background jobs (scheduled publishing) in this process. */
  runJobs: boolean;
  /** Count public page views (cookieless analytics); ANALYTICS=0 turns counting off. */
  analytics: boolean;
  logLevel: string;
  /** Seconds a rendered public page may be served from memory to anonymous visitors (0 = off). */
  pageCacheSeconds: number;
  /** Event-loop delay (ms) above which requests get 503 + Retry-After instead of queueing; 0 disables. */
  maxEventLoopDelayMs: number;
  /** Registration submissions waiting for the group-commit writer before new ones get 503. */
  registrationQueueCapacity: number;
  /** Cookies marked Secure (behind TLS). */
  secureCookies: boolean;
  /** Proxies whose X-Forwarded-For is believed (proxy-addr syntax), e.g. "loopback" for nginx on the same host. */
  trustProxy: string;
  /** Client addresses exempt from rate limits (internal monitoring, load tests). */
  rateLimitAllow: string[];
  /** Demo only: show a phone verification code on the page instead of relying on a real SMS gateway. */
  smsShowCode: boolean;
  /** Headless Chromium that prints PDFs (disclosure decision letters); a missing binary means HTML only. */
  chromiumPath: string;
  /**
   * INSPECTION_BASE_URL: where site inspection reaches the sites. Unset: this instance
   * (http://127.0.0.1:PORT/sites/CODE/) outside production, each site's public address in production;
   * "public" forces the public addresses; any other URL is used as the base of /sites/CODE/.
   */
  inspectionBaseUrl: string | null;
  /** Citizen sign-in through an OpenID Connect provider; null when OIDC_ISSUER, OIDC_CLIENT_ID or OIDC_REDIRECT_URI is unset. */
  oidc: OidcSettings | null;
  /** Production mode (NODE_ENV=production or CHUYUN_MODE=production): no demo keys or secrets are generated. */
  production: boolean;
  /** CHUYUN_DATA_KEYS: personal-data keys "<id>:<base64 32 bytes>", comma-separated, oldest first (the last encrypts). */
  dataKeys: string | null;
  /** CHUYUN_DATA_INDEX_KEY: the blind-index (HMAC) key, base64; needed with CHUYUN_DATA_KEYS. */
  dataIndexKey: string | null;
  /** CHUYUN_DATA_KEY_FILE: a JSON key file instead of the two variables above. */
  dataKeyFile: string | null;
  /** 跨省通办 (federation between platforms): see federationSettings. */
  federation: FederationSettings;
}

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === "") return fallback;
  return !["0", "false", "no", "off"].includes(value.toLowerCase());
}

const TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"] as const;

/** An absolute http(s) URL, or a configuration error naming the variable. */
function absoluteUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an absolute URL, got "${value}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error(`${name} must be an https:// URL, got "${value}"`);
  return url;
}

/**
 * The OIDC settings, checked at startup so a misconfiguration stops the process with a message
 * instead of failing each sign-in: the issuer must use HTTPS (OIDC Core §3.1.2.1, Discovery §4.3).
 */
function oidcSettings(env: NodeJS.ProcessEnv): OidcSettings | null {
  const issuer = env.OIDC_ISSUER?.trim();
  const clientId = env.OIDC_CLIENT_ID?.trim();
  const redirectUri = env.OIDC_REDIRECT_URI?.trim();
  if (!issuer || !clientId || !redirectUri) return null;
  if (absoluteUrl("OIDC_ISSUER", issuer).protocol !== "https:")
    throw new Error(`OIDC_ISSUER must be an https:// URL (OpenID Connect requires TLS), got "${issuer}"`);
  absoluteUrl("OIDC_REDIRECT_URI", redirectUri);
  const clientSecret = env.OIDC_CLIENT_SECRET?.trim() ?? "";
  const method = env.OIDC_TOKEN_AUTH_METHOD?.trim() || (clientSecret ? "client_secret_basic" : "none");
  const tokenAuthMethod = TOKEN_AUTH_METHODS.find((m) => m === method);
  if (!tokenAuthMethod)
    throw new Error(
      `OIDC_TOKEN_AUTH_METHOD must be one of ${TOKEN_AUTH_METHODS.join(", ")}, got "${method}"`,
    );
  if (tokenAuthMethod !== "none" && !clientSecret)
    throw new Error(`OIDC_CLIENT_SECRET is required with OIDC_TOKEN_AUTH_METHOD=${tokenAuthMethod}`);
  return {
    issuer,
    clientId,
    clientSecret,
    redirectUri,
    displayName: env.OIDC_NAME?.trim() || "统一身份认证平台",
    scope: env.OIDC_SCOPE?.trim() || "openid profile phone",
    verifiedClaim: env.OIDC_VERIFIED_CLAIM?.trim() || "real_name_verified",
    idNumberClaim: env.OIDC_ID_NUMBER_CLAIM?.trim() || "id_number",
    tokenAuthMethod,
    caFile: env.OIDC_CA_FILE?.trim() || null,
  };
}

/**
 * 跨省通办: this platform's federation id (FEDERATION_ID, e.g. hubei), its display name, the address
 * peers reach it at (FEDERATION_BASE_URL, default PUBLIC_BASE_URL), peers to import from their signed
 * metadata at startup (FEDERATION_PEERS "hunan=http://…,…", trust on first import), the outbox's
 * largest backoff (FEDERATION_RETRY_MAX_SECONDS), the peer time-out (FEDERATION_TIMEOUT_MS) and how
 * often the outbox worker runs (FEDERATION_POLL_MS).
 */
function federationSettings(env: NodeJS.ProcessEnv, publicBaseUrl: string): FederationSettings {
  const id = (env.FEDERATION_ID ?? "chuyun").trim().toLowerCase();
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(id))
    throw new Error(`FEDERATION_ID must be a short lower-case id such as hubei, got "${id}"`);
  const peers = (env.FEDERATION_PEERS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [code, url] = entry.split("=");
      if (!code || !url) throw new Error(`FEDERATION_PEERS entries are code=url, got "${entry}"`);
      return { code: code.trim().toLowerCase(), baseUrl: absoluteUrl("FEDERATION_PEERS", url.trim()).origin };
    });
  const number = (value: string | undefined, fallback: number, min: number) =>
    Math.max(min, Number(value ?? fallback) || fallback);
  return {
    id,
    name: env.FEDERATION_NAME?.trim() || id,
    baseUrl: env.FEDERATION_BASE_URL?.trim()
      ? absoluteUrl("FEDERATION_BASE_URL", env.FEDERATION_BASE_URL.trim()).origin
      : publicBaseUrl,
    peers,
    retryMaxSeconds: number(env.FEDERATION_RETRY_MAX_SECONDS, 600, 1),
    timeoutMs: number(env.FEDERATION_TIMEOUT_MS, 10_000, 100),
    pollMs: number(env.FEDERATION_POLL_MS, 2000, 50),
  };
}

export interface FederationSettings {
  id: string;
  name: string;
  baseUrl: string;
  peers: { code: string; baseUrl: string }[];
  retryMaxSeconds: number;
  timeoutMs: number;
  pollMs: number;
}

/** An http(s) origin without a trailing slash (a path would be ignored: sites are served at host roots). */
function publicBase(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`PUBLIC_BASE_URL must be an absolute http(s) URL, got ${value}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`PUBLIC_BASE_URL must start with http:// or https://, got ${value}`);
  return url.origin;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error("DATABASE_URL must start with postgres:// (unset it to use embedded SQLite)");
  }
  const portalHost = (env.PORTAL_HOST ?? "www.example.gov.cn").toLowerCase();
  const publicBaseUrl = publicBase(env.PUBLIC_BASE_URL?.trim() || `http://${portalHost}`);
  return {
    port,
    host: env.HOST ?? "0.0.0.0",
    dataDir: resolve(env.DATA_DIR ?? "data"),
    databaseUrl,
    databaseReplicaUrl: env.DATABASE_REPLICA_URL?.trim() || null,
    replicaMaxLagSeconds: Math.max(1, Number(env.DATABASE_REPLICA_MAX_LAG ?? 10) || 10),
    redisUrl: env.REDIS_URL?.trim() || null,
    sessionSecret: env.SESSION_SECRET?.trim() || null,
    portalHost,
    publicBaseUrl,
    seedDemo: flag(env.SEED_DEMO, true),
    runJobs: flag(env.RUN_JOBS, true),
    analytics: flag(env.ANALYTICS, true),
    logLevel: env.LOG_LEVEL ?? "info",
    secureCookies: flag(env.SECURE_COOKIES, false),
    trustProxy: env.TRUST_PROXY ?? "loopback",
    rateLimitAllow: (env.RATE_LIMIT_ALLOW ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    pageCacheSeconds: Math.max(0, Number(env.PAGE_CACHE_SECONDS ?? 10) || 0),
    maxEventLoopDelayMs: Math.max(0, Number(env.MAX_EVENT_LOOP_DELAY_MS ?? 1000) || 0),
    registrationQueueCapacity: Math.max(1, Number(env.REGISTRATION_QUEUE_CAPACITY ?? 20000) || 20000),
    smsShowCode: flag(env.SMS_SHOW_CODE, true),
    chromiumPath: env.CHROMIUM_PATH?.trim() || "/usr/bin/chromium",
    oidc: oidcSettings(env),
    production: (env.CHUYUN_MODE?.trim() || env.NODE_ENV?.trim()) === "production",
    dataKeys: env.CHUYUN_DATA_KEYS?.trim() || null,
    dataIndexKey: env.CHUYUN_DATA_INDEX_KEY?.trim() || null,
    dataKeyFile: env.CHUYUN_DATA_KEY_FILE?.trim() ? resolve(env.CHUYUN_DATA_KEY_FILE.trim()) : null,
    inspectionBaseUrl: inspectionBase(env, port),
    federation: federationSettings(env, publicBaseUrl),
    ...overrides,
  };
}

function inspectionBase(env: NodeJS.ProcessEnv, port: number): string | null {
  const v = env.INSPECTION_BASE_URL?.trim();
  if (v === "public") return null;
  if (v) return v.replace(/\/+$/, "");
  const production = (env.CHUYUN_MODE?.trim() || env.NODE_ENV?.trim()) === "production";
  return production ? null : `http://127.0.0.1:${port}`;
}
