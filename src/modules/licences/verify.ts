import { SDJwtInstance } from "@sd-jwt/core";
import { digest } from "@sd-jwt/crypto-nodejs";
import { getListFromStatusListJWT } from "@sd-jwt/jwt-status-list";
import type { JWK } from "jose";
import { verifierOf } from "./credential.ts";
import { decodeJws, verifyJws } from "./jws.ts";

export type VerificationOutcome = "valid" | "revoked" | "suspended" | "expired" | "forged";

/** Why a presentation is forged: each a rule a verifier can look up (README). */
export type ForgeryReason =
  | "malformed"
  | "unknown_key"
  | "bad_signature"
  | "disclosure_not_issued"
  | "holder_binding_missing"
  | "holder_binding_invalid"
  | "presentation_stale"
  | "nonce_mismatch"
  | "audience_mismatch"
  | "status_unavailable";

export interface Verification {
  result: VerificationOutcome;
  reason?: ForgeryReason;
  /** The disclosed items (and the kind) of a presentation whose signatures hold; empty when forged. */
  claims: Record<string, unknown>;
  vct?: string;
  issuedAt?: number;
  expiresAt?: number;
}

/** What a verifier trusts: the issuer's keys and its status list tokens, both cacheable offline. */
export interface IssuerTrust {
  keys(): Promise<JWK[]>;
  statusListToken(uri: string): Promise<string | null>;
}

/** A presentation is short-lived: its KB-JWT must be this fresh. */
export const PRESENTATION_TTL_SECONDS = 300;
const MAX_PRESENTATION_CHARS = 16_384;
const STATUS = ["valid", "revoked", "suspended"] as const;
const HIDDEN = new Set(["_sd", "_sd_alg", "cnf", "status", "iss", "iat", "exp", "nbf", "vct", "sub"]);

/** Decoded status lists by token: inflating 131,072 entries costs more than the rest of a verification. */
const DECODED = new Map<string, ReturnType<typeof getListFromStatusListJWT>>();
function decodedList(token: string): ReturnType<typeof getListFromStatusListJWT> {
  let list = DECODED.get(token);
  if (!list) {
    list = getListFromStatusListJWT(token);
    if (DECODED.size >= 64) DECODED.delete(DECODED.keys().next().value!);
    DECODED.set(token, list);
  }
  return list;
}

function forged(reason: ForgeryReason): Verification {
  return { result: "forged", reason, claims: {} };
}

/**
 * Verifies an SD-JWT VC presentation (issuer JWT ~ disclosures ~ KB-JWT) with the `@sd-jwt` library:
 * the issuer signature against a key of the issuer's JWKS, every disclosure against the signed
 * digests, the holder-binding KB-JWT against `cnf.jwk` and its sd_hash, then expiry and the Token
 * Status List entry. Never throws for bad input: every refusal is a result with a reason.
 */
export async function verifyPresentation(
  presentation: string,
  trust: IssuerTrust,
  expect: { nonce?: string; aud?: string; now?: number } = {},
): Promise<Verification> {
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  const text = typeof presentation === "string" ? presentation.trim() : "";
  if (!text || text.length > MAX_PRESENTATION_CHARS || !/^[A-Za-z0-9_\-.~]+$/.test(text))
    return forged("malformed");
  const parts = text.split("~");
  if (parts.length < 2) return forged("malformed");
  const jwt = decodeJws(parts[0]!);
  if (!jwt) return forged("malformed");
  const keys = await trust.keys();
  const key = keys.find((k) => k.kid === jwt.header.kid);
  if (!key) return forged("unknown_key");
  if (!verifierOf(key)(jwt.input, jwt.signature)) return forged("bad_signature");
  const kbText = parts[parts.length - 1]!;
  if (!kbText) return forged("holder_binding_missing");
  const kb = decodeJws(kbText);
  if (!kb) return forged("malformed");
  const cnf = jwt.payload.cnf as { jwk?: JWK } | undefined;
  if (!cnf?.jwk) return forged("holder_binding_missing");
  const nonce = typeof kb.payload.nonce === "string" ? kb.payload.nonce : "";
  if (expect.nonce !== undefined && nonce !== expect.nonce) return forged("nonce_mismatch");
  if (expect.aud !== undefined && kb.payload.aud !== expect.aud) return forged("audience_mismatch");
  const kbIat = typeof kb.payload.iat === "number" ? kb.payload.iat : NaN;
  if (!(kbIat <= now + 60 && kbIat >= now - PRESENTATION_TTL_SECONDS)) return forged("presentation_stale");

  if (jwt.header.typ !== "dc+sd-jwt") return forged("malformed");
  // Every disclosure must be one the issuer signed a digest of (an altered value changes its digest).
  const signed = new Set(Array.isArray(jwt.payload._sd) ? (jwt.payload._sd as unknown[]) : []);
  for (const disclosure of parts.slice(1, -1)) {
    if (!disclosure) continue;
    if (!signed.has(Buffer.from(digest(disclosure, "sha-256")).toString("base64url"))) {
      return forged("disclosure_not_issued");
    }
  }
  const verifyIssuer = verifierOf(key);
  const instance = new SDJwtInstance({
    hasher: digest,
    verifier: (data, sig) => verifyIssuer(data, sig),
    kbVerifier: (data, sig) => verifierOf(cnf.jwk!)(data, sig),
  });
  try {
    // The library's own time check is given the credential's iat: expiry is judged below, so that an
    // expired licence answers "expired" rather than failing as a whole.
    const iat = typeof jwt.payload.iat === "number" ? jwt.payload.iat : now;
    await instance.verify(text, { keyBindingNonce: nonce, currentDate: iat });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Key Binding|Nonce|sd_hash|Invalid JWT Signature|signature is not valid/i.test(message)) {
      return forged("holder_binding_invalid");
    }
    if (/digest|disclosure|hash/i.test(message)) return forged("disclosure_not_issued");
    return forged("malformed");
  }
  // The Token Status List entry, from the (cached) signed status list token at its URI.
  let status = 0;
  const reference = (jwt.payload.status as { status_list?: { idx?: unknown; uri?: unknown } } | undefined)
    ?.status_list;
  if (reference) {
    if (typeof reference.uri !== "string" || typeof reference.idx !== "number") return forged("malformed");
    const token = await trust.statusListToken(reference.uri).catch(() => null);
    const statusJwt = token ? verifyJws(token, keys) : null;
    if (!statusJwt || statusJwt.header.typ !== "statuslist+jwt" || statusJwt.payload.sub !== reference.uri) {
      return forged("status_unavailable");
    }
    try {
      status = decodedList(token!).getStatus(reference.idx);
    } catch {
      return forged("status_unavailable");
    }
  }
  let claims: Record<string, unknown>;
  try {
    claims = (await instance.getClaims(text.slice(0, text.lastIndexOf("~") + 1))) as Record<string, unknown>;
  } catch {
    return forged("malformed");
  }
  const disclosed = Object.fromEntries(Object.entries(claims).filter(([k]) => !HIDDEN.has(k)));
  const base = {
    claims: disclosed,
    vct: typeof jwt.payload.vct === "string" ? jwt.payload.vct : undefined,
    issuedAt: typeof jwt.payload.iat === "number" ? jwt.payload.iat : undefined,
    expiresAt: typeof jwt.payload.exp === "number" ? jwt.payload.exp : undefined,
  };
  const statusName = STATUS[status] ?? "revoked";
  if (statusName !== "valid") return { result: statusName, ...base };
  if (base.expiresAt !== undefined && base.expiresAt <= now) return { result: "expired", ...base };
  return { result: "valid", ...base };
}

/** The status (0 valid, 1 revoked, 2 suspended) at an index of a status list token. */
export function statusAt(token: string, idx: number): number {
  return getListFromStatusListJWT(token).getStatus(idx);
}
