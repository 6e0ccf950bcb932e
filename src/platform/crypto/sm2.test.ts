import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createPublicKey, createPrivateKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SM2_DEFAULT_USER_ID, Sm2PrivateKey, Sm2PublicKey } from "./sm2.ts";
import { signMessage, verifyMessageSignature, SignatureError } from "../http/message-signatures.ts";

/** SubjectPublicKeyInfo of an SM2 point: id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301. */
const SPKI_PREFIX = Buffer.from("3059301306072a8648ce3d020106082a811ccf5501822d034200", "hex");
const spkiOf = (key: Sm2PublicKey) => Buffer.concat([SPKI_PREFIX, Buffer.from(key.hex, "hex")]);

/** r‖s as a DER SEQUENCE of two INTEGERs (what OpenSSL reads and writes). */
function der(rs: Buffer): Buffer {
  const int = (b: Buffer) => {
    let v = b;
    while (v.length > 1 && v[0] === 0 && v[1]! < 0x80) v = v.subarray(1);
    if (v[0]! >= 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(rs.subarray(0, 32)), int(rs.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
function raw(derSig: Buffer): Buffer {
  const rLen = derSig[3]!;
  const r = derSig.subarray(4, 4 + rLen);
  const s = derSig.subarray(6 + rLen, 6 + rLen + derSig[5 + rLen]!);
  const pad = (b: Buffer) => Buffer.concat([Buffer.alloc(32), b]).subarray(-32);
  return Buffer.concat([pad(r), pad(s)]);
}

const openssl = (args: string[]) =>
  execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
// The second implementation is OpenSSL 3 (its command line and Node's binding): both are on every
// machine this runs on (Debian's openssl, Node's bundled OpenSSL), so these tests always run.

describe("SM2-with-SM3 signatures (GB/T 32918.2)", () => {
  const message = Buffer.from("POST /api/exchange/v1/resources/RK-0001/query 国密");

  it("verify under the default ID 1234567812345678 with the OpenSSL command line, both ways", () => {
    const dir = mkdtempSync(join(tmpdir(), "sm2-"));
    try {
      const ours = Sm2PrivateKey.generate();
      writeFileSync(join(dir, "m"), message);
      writeFileSync(
        join(dir, "pub.pem"),
        createPublicKey({ key: spkiOf(ours.publicKey), format: "der", type: "spki" }).export({
          format: "pem",
          type: "spki",
        }),
      );
      writeFileSync(join(dir, "sig"), der(ours.sign(message)));
      const distid = `distid:${SM2_DEFAULT_USER_ID}`;
      const out = openssl([
        "pkeyutl",
        "-verify",
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        distid,
        "-pubin",
        "-inkey",
        join(dir, "pub.pem"),
        "-in",
        join(dir, "m"),
        "-sigfile",
        join(dir, "sig"),
      ]);
      assert.match(out, /Signature Verified Successfully/);
      // OpenSSL signs; we verify (and refuse a changed message or another ID).
      openssl([
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:SM2",
        "-out",
        join(dir, "key.pem"),
      ]);
      openssl([
        "pkeyutl",
        "-sign",
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        distid,
        "-inkey",
        join(dir, "key.pem"),
        "-in",
        join(dir, "m"),
        "-out",
        join(dir, "osig"),
      ]);
      const spki = createPublicKey(createPrivateKey(readFileSync(join(dir, "key.pem")))).export({
        format: "der",
        type: "spki",
      });
      const theirs = Sm2PublicKey.fromHex(spki.subarray(-65).toString("hex"));
      const sig = raw(readFileSync(join(dir, "osig")));
      assert.equal(theirs.verify(message, sig), true);
      assert.equal(theirs.verify(Buffer.from("another message"), sig), false);
      assert.equal(theirs.verify(message, sig, "ALICE123@YAHOO.COM"), false, "Z binds the ID");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("agree with Node's own OpenSSL binding (which signs with an empty ID)", () => {
    const ours = Sm2PrivateKey.generate();
    const nodeKey = createPublicKey({ key: spkiOf(ours.publicKey), format: "der", type: "spki" });
    assert.equal(verify("sm3", message, nodeKey, der(ours.sign(message, ""))), true);
    assert.equal(verify("sm3", message, nodeKey, der(ours.sign(message))), false, "the default ID differs");
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "SM2" });
    const sm2Private = createPrivateKey({
      key: privateKey.export({ format: "der", type: "pkcs8" }),
      format: "der",
      type: "pkcs8",
    });
    const theirs = Sm2PublicKey.fromHex(
      publicKey.export({ format: "der", type: "spki" }).subarray(-65).toString("hex"),
    );
    assert.equal(theirs.verify(message, raw(sign("sm3", message, sm2Private)), ""), true);
  });

  it("sign and verify RFC 9421 messages with alg sm2-sm3", async () => {
    const key = Sm2PrivateKey.generate();
    const request = {
      method: "POST",
      url: "https://hub.example/api/x",
      headers: { "content-digest": "sha-256=:x:" },
    };
    const headers = await signMessage(
      request,
      { keyId: "k1", privateKey: key },
      { components: ["@method", "content-digest"], nonce: "n1" },
    );
    assert.match(headers["signature-input"], /alg="sm2-sm3"/);
    const options = {
      required: ["@method", "content-digest"],
      requiredParams: ["created", "keyid", "nonce"],
      maxSkewSeconds: 60,
      keyFor: async () => key.publicKey,
    };
    const ok = await verifyMessageSignature(
      { ...request, headers: { ...request.headers, ...headers } },
      options,
    );
    assert.equal(ok.keyId, "k1");
    await assert.rejects(
      verifyMessageSignature(
        { ...request, method: "PUT", headers: { ...request.headers, ...headers } },
        options,
      ),
      (e: SignatureError) => e.problem === "bad_signature",
    );
    const other = Sm2PrivateKey.generate();
    await assert.rejects(
      verifyMessageSignature(
        { ...request, headers: { ...request.headers, ...headers } },
        { ...options, keyFor: async () => other.publicKey },
      ),
      (e: SignatureError) => e.problem === "bad_signature",
    );
    assert.deepEqual(Sm2PrivateKey.fromJwk(key.jwk()).publicKey.hex, key.publicKey.hex);
  });
});
