import type { JWK } from "jose";
import { signerOf, verifierOf } from "./credential.ts";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A compact JWS (EdDSA) over a JSON payload. */
export function signJws(header: Record<string, unknown>, payload: unknown, privateJwk: JWK): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signerOf(privateJwk)(input)}`;
}

export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  input: string;
  signature: string;
}

/** Splits a compact JWS; null when it is not one. */
export function decodeJws(token: string): DecodedJws | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as unknown;
    if (!header || typeof header !== "object" || !payload || typeof payload !== "object") return null;
    return {
      header: header as Record<string, unknown>,
      payload: payload as Record<string, unknown>,
      input: `${parts[0]}.${parts[1]}`,
      signature: parts[2]!,
    };
  } catch {
    return null;
  }
}

/** The payload when the JWS verifies with one of the keys (matched by kid), else null. */
export function verifyJws(token: string, keys: JWK[]): DecodedJws | null {
  const decoded = decodeJws(token);
  if (!decoded || decoded.header.alg !== "EdDSA") return null;
  const key = keys.find((k) => k.kid === decoded.header.kid);
  if (!key) return null;
  return verifierOf(key)(decoded.input, decoded.signature) ? decoded : null;
}
