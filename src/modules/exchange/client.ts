import { randomBytes } from "node:crypto";
import type { JWK } from "jose";
import { contentDigest, privateKeyFromJwk, signMessage } from "../../platform/http/message-signatures.ts";
import { isSm2Jwk, Sm2PrivateKey } from "../../platform/crypto/sm2.ts";
import { purposeHeader, REQUIRED_COMPONENTS } from "./service.ts";

export interface MemberCredentials {
  keyId: string;
  privateJwk: JWK;
}

export interface SignedCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * What a member system sends: a query body, its Content-Digest, the purpose header and an RFC 9421
 * signature over them. (Member systems may use any RFC 9421 library; this is the platform's own, used
 * by the demo, the benchmarks and federation.)
 */
export async function signedQuery(
  baseUrl: string,
  credentials: MemberCredentials,
  resource: string,
  query: { filter: Record<string, string | number>; fields: string[] },
  purpose: { caseNo: string; basis: string },
  options: { created?: Date; nonce?: string } = {},
): Promise<SignedCall> {
  const url = `${baseUrl.replace(/\/$/, "")}/api/exchange/v1/resources/${encodeURIComponent(resource)}/query`;
  return signedCall(url, credentials, query, purpose, options);
}

/** A signed POST of a JSON body to any hub resource (the same components as a query). */
export async function signedCall(
  url: string,
  credentials: MemberCredentials,
  payload: unknown,
  purpose: { caseNo: string; basis: string },
  options: { created?: Date; nonce?: string } = {},
): Promise<SignedCall> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "content-digest": contentDigest(body),
    "exchange-purpose": purposeHeader(purpose),
  };
  const signature = await signMessage(
    { method: "POST", url, headers },
    {
      keyId: credentials.keyId,
      privateKey: isSm2Jwk(credentials.privateJwk)
        ? Sm2PrivateKey.fromJwk(credentials.privateJwk)
        : privateKeyFromJwk(credentials.privateJwk),
    },
    {
      components: REQUIRED_COMPONENTS,
      created: options.created,
      nonce: options.nonce ?? randomBytes(16).toString("base64url"),
    },
  );
  return { url, headers: { ...headers, ...signature }, body };
}
