import { SM2_ALG, Sm2PrivateKey, Sm2PublicKey } from "../crypto/sm2.ts";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { httpbis } from "http-message-signatures";
import {
  isInnerList,
  parseDictionary,
  serializeDictionary,
  serializeItem,
  serializeList,
  type Dictionary,
  type InnerList,
  type Item,
} from "structured-headers";

/**
 * HTTP Message Signatures (RFC 9421) with Ed25519 and Content-Digest (RFC 9530), for machine-to-machine
 * calls (the data exchange, federation). The signature base comes from the `http-message-signatures`
 * library; the checks around it (which components, how old, which key) are ours so each refusal can
 * say which rule failed.
 */

export interface SignableMessage {
  method?: string;
  /** The absolute target URI (requests). */
  url?: string;
  status?: number;
  headers: Record<string, string | string[]>;
}

/** Content-Digest (RFC 9530) of a body with sha-256. */
export function contentDigest(body: string | Buffer): string {
  return `sha-256=:${createHash("sha256").update(body).digest("base64")}:`;
}

/** Whether a Content-Digest header matches the body (sha-256 or sha-512); null when unreadable. */
export function contentDigestMatches(header: string, body: string | Buffer): boolean | null {
  let dict: Dictionary;
  try {
    dict = parseDictionary(header);
  } catch {
    return null;
  }
  const algorithms: [string, string][] = [
    ["sha-256", "sha256"],
    ["sha-512", "sha512"],
  ];
  let checked = false;
  for (const [name, hash] of algorithms) {
    const entry = dict.get(name);
    if (!entry || isInnerList(entry) || !(entry[0] instanceof ArrayBuffer)) continue;
    checked = true;
    const expected = createHash(hash).update(body).digest();
    if (!expected.equals(Buffer.from(entry[0]))) return false;
  }
  return checked ? true : null;
}

export interface SigningKeyPair {
  keyId: string;
  /** An Ed25519 key (alg ed25519) or an SM2 key (alg sm2-sm3, GB/T 32918 with the default ID). */
  privateKey: KeyObject | Sm2PrivateKey;
}

export interface SignOptions {
  components: string[];
  created?: Date;
  nonce?: string;
  label?: string;
  /** Signature parameters to include (default created, keyid, alg and, with a nonce, nonce). */
  params?: string[];
  /** The request a response answers, for components marked `;req`. */
  request?: SignableMessage;
}

function asLibraryMessage(message: SignableMessage) {
  return message.status !== undefined
    ? { status: message.status, headers: message.headers }
    : { method: message.method ?? "GET", url: message.url ?? "", headers: message.headers };
}

/** Signs a request or a response: returns the `Signature-Input` and `Signature` header values. */
export async function signMessage(
  message: SignableMessage,
  key: SigningKeyPair,
  options: SignOptions,
): Promise<{ "signature-input": string; signature: string }> {
  const params = options.params ?? ["created", "keyid", "alg", ...(options.nonce ? ["nonce"] : [])];
  const signed = await httpbis.signMessage(
    {
      key:
        key.privateKey instanceof Sm2PrivateKey
          ? {
              id: key.keyId,
              alg: SM2_ALG,
              sign: async (data) => (key.privateKey as Sm2PrivateKey).sign(data),
            }
          : {
              id: key.keyId,
              alg: "ed25519",
              sign: async (data) => sign(null, data, key.privateKey as KeyObject),
            },
      name: options.label ?? "sig1",
      fields: options.components,
      params,
      paramValues: { created: options.created ?? new Date(), nonce: options.nonce },
    },
    asLibraryMessage(message) as never,
    options.request ? (asLibraryMessage(options.request) as never) : undefined,
  );
  const headers = (signed as { headers: Record<string, string> }).headers;
  return { "signature-input": headers["Signature-Input"]!, signature: headers["Signature"]! };
}

export type SignatureProblem =
  | "signature_missing"
  | "signature_malformed"
  | "signature_components"
  | "signature_params"
  | "signature_expired"
  | "unknown_key"
  | "bad_signature";

export interface VerifiedSignature {
  keyId: string;
  created: number;
  nonce: string | null;
  components: string[];
}

export interface VerifyOptions {
  /** Components the signature must cover (e.g. "@method", "content-digest"). */
  required: string[];
  /** Parameters the signature must carry (e.g. created, keyid, nonce). */
  requiredParams: string[];
  /** Largest allowed distance between `created` and now, in seconds. */
  maxSkewSeconds: number;
  /** The signer's key: Ed25519 (a KeyObject) or SM2 (an Sm2PublicKey); null when unknown. */
  keyFor(keyId: string): Promise<KeyObject | Sm2PublicKey | null>;
  now?: Date;
  request?: SignableMessage;
}

export class SignatureError extends Error {
  constructor(
    readonly problem: SignatureProblem,
    message: string,
    readonly keyId: string | null = null,
  ) {
    super(message);
  }
}

function headerValue(headers: SignableMessage["headers"], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(", ") : value;
  return undefined;
}

function parseSignatureHeaders(message: SignableMessage): { label: string; input: InnerList; value: Item } {
  const inputHeader = headerValue(message.headers, "signature-input");
  const signatureHeader = headerValue(message.headers, "signature");
  if (!inputHeader || !signatureHeader)
    throw new SignatureError("signature_missing", "Signature-Input and Signature headers are required");
  let inputs: Dictionary;
  let signatures: Dictionary;
  try {
    inputs = parseDictionary(inputHeader);
    signatures = parseDictionary(signatureHeader);
  } catch {
    throw new SignatureError("signature_malformed", "Signature headers are not valid structured fields");
  }
  for (const [label, input] of inputs) {
    const value = signatures.get(label);
    if (!value) continue;
    if (!isInnerList(input) || isInnerList(value) || !(value[0] instanceof ArrayBuffer))
      throw new SignatureError("signature_malformed", `signature ${label} is malformed`);
    return { label, input, value };
  }
  throw new SignatureError("signature_malformed", "no Signature matches a Signature-Input label");
}

/** Verifies one RFC 9421 Ed25519 (or SM2-with-SM3) signature on a message; throws SignatureError naming the failed rule. */
export async function verifyMessageSignature(
  message: SignableMessage,
  options: VerifyOptions,
): Promise<VerifiedSignature> {
  const { input, value } = parseSignatureHeaders(message);
  const [items, params] = input;
  const components = items.map(([name]) => String(name));
  const missing = options.required.filter((c) => !components.includes(c));
  if (missing.length > 0)
    throw new SignatureError("signature_components", `the signature must cover ${missing.join(", ")}`);
  const absent = options.requiredParams.filter((p) => !params.has(p));
  if (absent.length > 0)
    throw new SignatureError("signature_params", `the signature must carry ${absent.join(", ")}`);
  const keyId = params.get("keyid");
  const created = params.get("created");
  const nonce = params.get("nonce");
  const alg = params.get("alg");
  if (typeof keyId !== "string" || (params.has("created") && typeof created !== "number"))
    throw new SignatureError("signature_params", "keyid must be a string and created an integer");
  if (nonce !== undefined && typeof nonce !== "string")
    throw new SignatureError("signature_params", "nonce must be a string");
  if (alg !== undefined && alg !== "ed25519" && alg !== SM2_ALG)
    throw new SignatureError("signature_params", `only alg=ed25519 or alg=${SM2_ALG} is accepted`, keyId);
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (typeof created === "number" && Math.abs(now - created) > options.maxSkewSeconds)
    throw new SignatureError(
      "signature_expired",
      `created is ${now - created} s from the hub's clock (at most ${options.maxSkewSeconds} s)`,
      keyId,
    );
  const key = await options.keyFor(keyId);
  if (!key) throw new SignatureError("unknown_key", `unknown or revoked key ${keyId}`, keyId);
  const keyAlg = key instanceof Sm2PublicKey ? SM2_ALG : "ed25519";
  if (alg !== undefined && alg !== keyAlg)
    throw new SignatureError("signature_params", `key ${keyId} signs with alg=${keyAlg}`, keyId);
  let base: string;
  try {
    const fields = items.map((item) => serializeItem(item));
    const entries = httpbis.createSignatureBase(
      { fields },
      asLibraryMessage(message) as never,
      options.request ? (asLibraryMessage(options.request) as never) : undefined,
    );
    entries.push(['"@signature-params"', [serializeList([input])]]);
    base = httpbis.formatSignatureBase(entries);
  } catch (error) {
    throw new SignatureError(
      "signature_components",
      `a covered component is absent from the message (${(error as Error).message})`,
      keyId,
    );
  }
  const signature = Buffer.from(value[0] as ArrayBuffer);
  const ok =
    key instanceof Sm2PublicKey
      ? key.verify(Buffer.from(base), signature)
      : verify(null, Buffer.from(base), key, signature);
  if (!ok) throw new SignatureError("bad_signature", "the signature does not verify", keyId);
  return {
    keyId,
    created: typeof created === "number" ? created : 0,
    nonce: typeof nonce === "string" ? nonce : null,
    components,
  };
}

/** A key from a JWK (jose's and node's JWK types differ only in their index signatures). */
export function publicKeyFromJwk(jwk: object): KeyObject {
  return createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
}

export function privateKeyFromJwk(jwk: object): KeyObject {
  return createPrivateKey({ key: jwk as JsonWebKey, format: "jwk" });
}

/** Re-exported so callers build dictionaries without a second structured-fields library. */
export { serializeDictionary };
