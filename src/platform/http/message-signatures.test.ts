import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import {
  contentDigest,
  contentDigestMatches,
  signMessage,
  SignatureError,
  verifyMessageSignature,
} from "./message-signatures.ts";

// RFC 9421 Appendix B.1.4 test key and B.2 test request; B.2.6 is the published ed25519 signature.
const RFC_X = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs";
const RFC_D = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU";
const rfcPublic = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: RFC_X }, format: "jwk" });
const rfcPrivate = createPrivateKey({
  key: { kty: "OKP", crv: "Ed25519", x: RFC_X, d: RFC_D },
  format: "jwk",
});
const testRequest = {
  method: "POST",
  url: "http://example.com/foo?param=Value&Pet=dog",
  headers: {
    host: "example.com",
    date: "Tue, 20 Apr 2021 02:07:55 GMT",
    "content-type": "application/json",
    "content-length": "18",
  },
};
const B26_INPUT =
  'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIGNATURE =
  "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";

const anyTime = { required: [], requiredParams: [], maxSkewSeconds: Number.MAX_SAFE_INTEGER };

describe("HTTP Message Signatures (RFC 9421)", () => {
  it("verifies the RFC's own ed25519 example (B.2.6)", async () => {
    const verified = await verifyMessageSignature(
      {
        ...testRequest,
        headers: { ...testRequest.headers, "signature-input": B26_INPUT, signature: B26_SIGNATURE },
      },
      { ...anyTime, keyFor: async (id) => (id === "test-key-ed25519" ? rfcPublic : null) },
    );
    assert.equal(verified.keyId, "test-key-ed25519");
    assert.equal(verified.created, 1618884473);
  });

  it("produces the RFC's exact signature for the same components and parameters", async () => {
    const signed = await signMessage(
      testRequest,
      { keyId: "test-key-ed25519", privateKey: rfcPrivate },
      {
        components: ["date", "@method", "@path", "@authority", "content-type", "content-length"],
        created: new Date(1618884473_000),
        label: "sig-b26",
        params: ["created", "keyid"],
      },
    );
    assert.equal(signed["signature-input"], B26_INPUT);
    assert.equal(signed.signature, B26_SIGNATURE);
  });

  it("refuses a changed message, an unknown key, a missing component and an old signature", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const headers: Record<string, string> = {
      "content-digest": contentDigest("{}"),
      "content-type": "application/json",
    };
    const message = { method: "POST", url: "https://hub.example/api/q", headers };
    const signed = await signMessage(
      message,
      { keyId: "k1", privateKey },
      { components: ["@method", "@target-uri", "content-digest"], nonce: "n1" },
    );
    const options = {
      required: ["@method", "content-digest"],
      requiredParams: ["created", "keyid", "nonce"],
      maxSkewSeconds: 300,
      keyFor: async (id: string) => (id === "k1" ? publicKey : null),
    };
    const ok = await verifyMessageSignature({ ...message, headers: { ...headers, ...signed } }, options);
    assert.equal(ok.nonce, "n1");
    const problem = async (m: typeof message, o = options) =>
      verifyMessageSignature(m, o).then(
        () => "verified",
        (e: unknown) => (e instanceof SignatureError ? e.problem : String(e)),
      );
    assert.equal(
      await problem({ ...message, url: "https://hub.example/api/other", headers: { ...headers, ...signed } }),
      "bad_signature",
    );
    assert.equal(
      await problem(
        { ...message, headers: { ...headers, ...signed } },
        { ...options, keyFor: async () => null },
      ),
      "unknown_key",
    );
    assert.equal(
      await problem(
        { ...message, headers: { ...headers, ...signed } },
        { ...options, required: ["exchange-purpose"] },
      ),
      "signature_components",
    );
    assert.equal(
      await problem({ ...message, headers: { ...headers, ...signed } }, {
        ...options,
        now: new Date(Date.now() + 3600_000),
      } as typeof options),
      "signature_expired",
    );
    assert.equal(await problem(message), "signature_missing");
    assert.equal(
      await problem({ ...message, headers: { ...headers, "signature-input": "sig1=(", signature: "x" } }),
      "signature_malformed",
    );
  });

  it("checks Content-Digest (RFC 9530) against the body", () => {
    assert.equal(
      contentDigest('{"hello": "world"}'),
      "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
    );
    assert.equal(contentDigestMatches(contentDigest("a"), "a"), true);
    assert.equal(contentDigestMatches(contentDigest("a"), "b"), false);
    assert.equal(contentDigestMatches("md5=:AAAA:", "a"), null);
    assert.equal(contentDigestMatches("not a dictionary ((", "a"), null);
  });
});
