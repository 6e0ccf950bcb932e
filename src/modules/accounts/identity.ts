import * as oidc from "openid-client";
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
      this.configuration = await oidc.discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        this.settings.clientSecret || undefined,
      );
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

  async finish(callbackUrl: URL, pending: PendingLogin): Promise<ExternalIdentity> {
    const config = await this.config();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error("OIDC: no ID token claims");
    return identityFromClaims(this.settings, claims as Record<string, unknown>);
  }
}

export function identityFromClaims(
  settings: OidcSettings,
  claims: Record<string, unknown>,
): ExternalIdentity {
  const s = (k: string) => (typeof claims[k] === "string" ? (claims[k] as string) : null);
  const verifiedRaw = claims[settings.verifiedClaim];
  return {
    provider: "oidc",
    subject: String(claims.sub),
    kind: s("credit_code") ? "enterprise" : "person",
    name: s("name") ?? s("preferred_username") ?? "统一身份认证用户",
    idNumber: s(settings.idNumberClaim),
    creditCode: s("credit_code"),
    phone: s("phone_number"),
    verified: verifiedRaw === true || verifiedRaw === "true" || verifiedRaw === 1,
  };
}
