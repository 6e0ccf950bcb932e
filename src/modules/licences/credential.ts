import { generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { digest, generateSalt } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { calculateJwkThumbprint, type JWK } from "jose";
import { privateKeyFromJwk, publicKeyFromJwk } from "../../platform/http/message-signatures.ts";

/** The one signature algorithm of issuer, log and wallet keys: Ed25519 (JWS `EdDSA`). */
export const ALG = "EdDSA";

export interface KeyPair {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function newKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const publicJwk = publicKey.export({ format: "jwk" }) as JWK;
  return {
    kid: await calculateJwkThumbprint(publicJwk),
    privateJwk: privateKey.export({ format: "jwk" }) as JWK,
    publicJwk,
  };
}

export function signerOf(privateJwk: JWK): (data: string) => string {
  const key = privateKeyFromJwk(privateJwk);
  return (data) => sign(null, Buffer.from(data), key).toString("base64url");
}

export function verifierOf(publicJwk: JWK | KeyObject): (data: string, signature: string) => boolean {
  let key: KeyObject;
  try {
    key =
      "type" in publicJwk && typeof publicJwk.type === "string" && !("kty" in publicJwk)
        ? (publicJwk as KeyObject)
        : publicKeyFromJwk(publicJwk);
  } catch {
    return () => false;
  }
  return (data, signature) => {
    try {
      return verify(null, Buffer.from(data), key, Buffer.from(signature, "base64url"));
    } catch {
      return false;
    }
  };
}

/** An SD-JWT VC instance for issuing with the given issuer key (typ dc+sd-jwt, SHA-256 digests). */
export function issuerInstance(issuer: KeyPair): SDJwtVcInstance {
  return new SDJwtVcInstance({
    hasher: digest,
    hashAlg: "sha-256",
    saltGenerator: generateSalt,
    signer: signerOf(issuer.privateJwk),
    signAlg: ALG,
  });
}

/** An SD-JWT VC instance for a holder presenting with their wallet key (a KB-JWT). */
export function holderInstance(holderPrivateJwk: JWK): SDJwtVcInstance {
  return new SDJwtVcInstance({
    hasher: digest,
    hashAlg: "sha-256",
    kbSigner: signerOf(holderPrivateJwk),
    kbSignAlg: ALG,
  });
}

export function newNonce(): string {
  return randomBytes(16).toString("base64url");
}

/** The issuer-signed JWT of an SD-JWT: everything up to the first `~` (the log leaf). */
export function issuerJwtOf(sdJwt: string): string {
  const at = sdJwt.indexOf("~");
  return at === -1 ? sdJwt : sdJwt.slice(0, at);
}
