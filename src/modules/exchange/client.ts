import { randomBytes } from "node:crypto";
import type { JWK } from "jose";
import type { KeyObject } from "node:crypto";
import {
  contentDigest,
  contentDigestMatches,
  privateKeyFromJwk,
  SignatureError,
  signMessage,
  verifyMessageSignature,
} from "../../platform/http/message-signatures.ts";
import { isSm2Jwk, Sm2PrivateKey } from "../../platform/crypto/sm2.ts";
import { MAX_SKEW_SECONDS, purposeHeader, REQUIRED_COMPONENTS } from "./service.ts";

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
  return signedRequest(url, credentials, JSON.stringify(query), purpose, options);
}

/** A signed POST of a JSON payload to any hub resource (the same components as a query). */
export async function signedCall(
  url: string,
  credentials: MemberCredentials,
  payload: unknown,
  purpose: { caseNo: string; basis: string },
  options: { created?: Date; nonce?: string } = {},
): Promise<SignedCall> {
  return signedRequest(url, credentials, JSON.stringify(payload), purpose, options);
}

function signingKey(credentials: MemberCredentials) {
  return isSm2Jwk(credentials.privateJwk)
    ? Sm2PrivateKey.fromJwk(credentials.privateJwk)
    : privateKeyFromJwk(credentials.privateJwk);
}

/**
 * Any signed exchange-protocol POST: the body's Content-Digest, the purpose header and an RFC 9421
 * signature over REQUIRED_COMPONENTS with created, keyid and nonce (the gateway and federation use it).
 */
export async function signedRequest(
  url: string,
  credentials: MemberCredentials,
  body: string,
  purpose: { caseNo: string; basis: string },
  options: { created?: Date; nonce?: string } = {},
): Promise<SignedCall> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "content-digest": contentDigest(body),
    "exchange-purpose": purposeHeader(purpose),
  };
  const signature = await signMessage(
    { method: "POST", url, headers },
    { keyId: credentials.keyId, privateKey: signingKey(credentials) },
    {
      components: REQUIRED_COMPONENTS,
      created: options.created,
      nonce: options.nonce ?? randomBytes(16).toString("base64url"),
    },
  );
  return { url, headers: { ...headers, ...signature }, body };
}

/** A signed answer: JSON with its Content-Digest, signed over "@status" "content-digest" (as the hub answers). */
export async function signedAnswer(
  credentials: MemberCredentials,
  status: number,
  json: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "content-digest": contentDigest(json),
  };
  const signature = await signMessage(
    { status, headers },
    { keyId: credentials.keyId, privateKey: signingKey(credentials) },
    { components: ANSWER_COMPONENTS, nonce: randomBytes(12).toString("base64url") },
  );
  return { status, headers: { ...headers, ...signature }, body: json };
}

/** Components a signed answer covers. */
export const ANSWER_COMPONENTS = ["@status", "content-digest"];

/**
 * Checks a signed answer (status, headers, body bytes) against the signer's key: the signature over
 * "@status" "content-digest" and the digest over the body. Returns null when it verifies, else why not.
 */
export async function answerProblem(
  answer: { status: number; headers: Record<string, string | string[]>; body: string | Buffer },
  keyFor: (keyId: string) => Promise<KeyObject | null>,
): Promise<string | null> {
  try {
    await verifyMessageSignature(
      { status: answer.status, headers: answer.headers },
      { required: ANSWER_COMPONENTS, requiredParams: ["keyid"], maxSkewSeconds: MAX_SKEW_SECONDS, keyFor },
    );
  } catch (error) {
    if (error instanceof SignatureError) return `${error.problem}: ${error.message}`;
    throw error;
  }
  const digest = answer.headers["content-digest"];
  const matches = contentDigestMatches(
    Array.isArray(digest) ? digest.join(", ") : (digest ?? ""),
    answer.body,
  );
  return matches ? null : "digest_mismatch";
}
