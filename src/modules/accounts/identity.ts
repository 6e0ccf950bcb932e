import { readFileSync } from "node:fs";
import * as oidc from "openid-client";
import { createRequire } from "node:module";
import type * as Undici from "undici";
import type { OidcSettings } from "../../config.ts";

import type { AccountProvider } from "./tables.ts";

/** What an identity provider tells us about a person or enterprise after authentication. */
export interface ExternalIdentity {
  provider: Exclude<AccountProvider, "local">;
  subject: string;
  kind: "person" | "enterprise";
  name: string;
  idNumber: string | null;
  creditCode: string | null;
  phone: string | null;
  /** The provider vouches for the real name (实名认证). */
  verified: boolean;
}

/**
 * An identity provider is pluggable: the platform ships the local provider (password accounts in
 * our own table, see AccountsService) and an OpenID Connect client for a provincial or national
 * unified identity platform. Redirect-based providers implement this interface.
 */
export interface RedirectIdentityProvider {
  readonly id: string;
  readonly displayName: string;
  /** The URL to send the browser to, with the state to remember until the callback. */
  start(): Promise<{ url: string; state: PendingLogin }>;
  /** Completes the login from the callback URL. */
  finish(callbackUrl: URL, pending: PendingLogin): Promise<ExternalIdentity>;
}

export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
}

export class OidcProvider implements RedirectIdentityProvider {
  readonly id = "oidc";
  private configuration: oidc.Configuration | null;

  constructor(
    private readonly settings: OidcSettings,
    /** Pre-built configuration (tests, or metadata supplied without discovery). */
    configuration?: oidc.Configuration,
  ) {
    this.configuration = configuration ?? null;
  }

  get displayName(): string {
    return this.settings.displayName;
  }

  private async config(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const s = this.settings;
      const auth =
        s.tokenAuthMethod === "client_secret_post"
          ? oidc.ClientSecretPost(s.clientSecret)
          : s.tokenAuthMethod === "client_secret_basic"
            ? oidc.ClientSecretBasic(s.clientSecret)
            : oidc.None();
      const options: oidc.DiscoveryRequestOptions = {};
      const fetch = caFetch(s.caFile);
      if (fetch) options[oidc.customFetch] = fetch;
      this.configuration = await oidc.discovery(new URL(s.issuer), s.clientId, undefined, auth, options);
    }
    return this.configuration;
  }

  async start(): Promise<{ url: string; state: PendingLogin }> {
    const config = await this.config();
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: "S256",
    });
    return { url: url.href, state: pending };
  }

  /**
   * Exchanges the code (PKCE, state and nonce checked), then reads UserInfo: with the code flow a
   * provider may release only `sub` in the ID token and the requested claims (name, phone, ID number,
   * real-name flag) at the UserInfo endpoint (OIDC Core §5.4, §5.5). UserInfo claims win; its `sub`
   * must equal the ID token's (§5.3.2, checked by openid-client).
   */
  async finish(callbackUrl: URL, pending: PendingLogin): Promise<ExternalIdentity> {
    const config = await this.config();
    // The token request must repeat the registered redirect_uri exactly (RFC 6749 §4.1.3); behind a
    // TLS-terminating proxy the URL the request arrived on differs, so only its query is taken.
    const current = new URL(this.settings.redirectUri);
    current.search = callbackUrl.search;
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error("OIDC: no ID token claims");
    let userinfo: Record<string, unknown> = {};
    if (config.serverMetadata().userinfo_endpoint)
      userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    return identityFromClaims(this.settings, { ...claims, ...userinfo, sub: claims.sub });
  }
}

/** A fetch that also trusts the CAs in `caFile` (for an IdP with a private CA), or null for the default. */
function caFetch(caFile: string | null): oidc.CustomFetch | null {
  if (!caFile) return null;
  // Loaded only here: the undici package is large and most instances use the default trust store.
  const { Agent, fetch: undiciFetch } = createRequire(import.meta.url)("undici") as typeof Undici;
  const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, "utf8") } });
  // undici's own fetch with its Agent; its RequestInit and Response match the web types openid-client expects.
  return ((url, options) =>
    undiciFetch(url, { ...options, dispatcher } as Parameters<typeof undiciFetch>[1])) as oidc.CustomFetch;
}

/** A claim's text, or null when absent, empty or not a string. */
const text = (claims: Record<string, unknown>, k: string) => {
  const v = claims[k];
  return typeof v === "string" && v.trim() ? v.trim() : null;
};

/**
 * Maps the merged ID token + UserInfo claims to an identity. Real-name verified needs both the
 * provider's flag and the identifier it vouches for: the ID number for a person, the credit code for
 * an enterprise. A flag without one is not shown as 已实名认证.
 */
export function identityFromClaims(
  settings: OidcSettings,
  claims: Record<string, unknown>,
): ExternalIdentity {
  const verifiedRaw = claims[settings.verifiedClaim];
  const flagged = verifiedRaw === true || verifiedRaw === "true" || verifiedRaw === 1 || verifiedRaw === "1";
  const creditCode = text(claims, "credit_code")?.toUpperCase() ?? null;
  const idNumber = text(claims, settings.idNumberClaim)?.toUpperCase() ?? null;
  const kind = creditCode ? "enterprise" : "person";
  return {
    provider: "oidc",
    subject: String(claims.sub),
    kind,
    name: text(claims, "name") ?? text(claims, "preferred_username") ?? "统一身份认证用户",
    idNumber,
    creditCode,
    phone: text(claims, "phone_number"),
    verified: flagged && Boolean(kind === "enterprise" ? creditCode : idNumber),
  };
}
