import smCrypto from "sm-crypto";

/** GB/T 32918.2 / GM/T 0009: the distinguishing ID a signer uses unless agreed otherwise. */
export const SM2_DEFAULT_USER_ID = "1234567812345678";
/** The RFC 9421 `alg` name this platform gives SM2-with-SM3 signatures (r‖s, 64 bytes). */
export const SM2_ALG = "sm2-sm3";

const HEX_POINT = /^04[0-9a-f]{128}$/;

function b64urlToHex(value: unknown, bytes: number): string | null {
  if (typeof value !== "string" || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const hex = Buffer.from(value, "base64url").toString("hex");
  return hex.length === bytes * 2 ? hex : null;
}

/** An SM2 JWK as `{kty:"EC", crv:"SM2", x, y[, d]}` (base64url coordinates, as for P-256). */
export interface Sm2Jwk {
  kty: "EC";
  crv: "SM2";
  x: string;
  y: string;
  d?: string;
}

export function isSm2Jwk(jwk: { kty?: unknown; crv?: unknown }): boolean {
  return jwk.kty === "EC" && jwk.crv === "SM2";
}

/**
 * An SM2 public key verifying SM2-with-SM3 signatures per GB/T 32918.2: e = SM3(Z ‖ M) with
 * Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) and the default ID. Node's OpenSSL binding cannot set
 * the ID (it signs with an empty one), so the curve arithmetic is sm-crypto's.
 */
export class Sm2PublicKey {
  readonly alg = SM2_ALG;
  private constructor(readonly hex: string) {}

  static fromJwk(jwk: { x?: unknown; y?: unknown }): Sm2PublicKey {
    const x = b64urlToHex(jwk.x, 32);
    const y = b64urlToHex(jwk.y, 32);
    if (!x || !y) throw new Error("SM2 public key needs 32-byte x and y");
    return Sm2PublicKey.fromHex(`04${x}${y}`);
  }

  static fromHex(hex: string): Sm2PublicKey {
    const h = hex.toLowerCase();
    if (!HEX_POINT.test(h)) throw new Error("SM2 public key must be an uncompressed point (04‖x‖y)");
    return new Sm2PublicKey(h);
  }

  jwk(): Sm2Jwk {
    return {
      kty: "EC",
      crv: "SM2",
      x: Buffer.from(this.hex.slice(2, 66), "hex").toString("base64url"),
      y: Buffer.from(this.hex.slice(66), "hex").toString("base64url"),
    };
  }

  /** Checks a 64-byte r‖s signature over `data` (false for anything malformed). */
  verify(data: Uint8Array, signature: Uint8Array, userId = SM2_DEFAULT_USER_ID): boolean {
    if (signature.length !== 64) return false;
    try {
      return smCrypto.sm2.doVerifySignature(
        Array.from(data),
        Buffer.from(signature).toString("hex"),
        this.hex,
        { hash: true, der: false, userId },
      );
    } catch {
      return false;
    }
  }
}

/** An SM2 private key signing with SM2-with-SM3 (default ID), r‖s as 64 bytes. */
export class Sm2PrivateKey {
  readonly alg = SM2_ALG;
  private constructor(
    private readonly d: string,
    readonly publicKey: Sm2PublicKey,
  ) {}

  static generate(): Sm2PrivateKey {
    const pair = smCrypto.sm2.generateKeyPairHex();
    return new Sm2PrivateKey(pair.privateKey.padStart(64, "0"), Sm2PublicKey.fromHex(pair.publicKey));
  }

  static fromJwk(jwk: { d?: unknown }): Sm2PrivateKey {
    const d = b64urlToHex(jwk.d, 32);
    if (!d) throw new Error("SM2 private key needs a 32-byte d");
    return new Sm2PrivateKey(d, Sm2PublicKey.fromHex(smCrypto.sm2.getPublicKeyFromPrivateKey(d)));
  }

  jwk(): Sm2Jwk {
    return { ...this.publicKey.jwk(), d: Buffer.from(this.d, "hex").toString("base64url") };
  }

  sign(data: Uint8Array, userId = SM2_DEFAULT_USER_ID): Buffer {
    const hex = smCrypto.sm2.doSignature(Array.from(data), this.d, {
      hash: true,
      der: false,
      publicKey: this.publicKey.hex,
      userId,
    });
    return Buffer.from(hex.padStart(128, "0"), "hex");
  }
}
