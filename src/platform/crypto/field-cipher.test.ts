import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../config.ts";
import { FieldCipher, UnknownKeyError } from "./field-cipher.ts";
import { DEMO_KEY_FILE, MISSING_KEYS_MESSAGE, addKeyToFile, resolveDataKeys } from "./data-keys.ts";

const key = (id: string) => ({ id, key: randomBytes(32) });

describe("field cipher (AES-256-GCM, self-describing values, blind indexes)", () => {
  const k1 = key("k1");
  const indexKey = randomBytes(32);
  const cipher = new FieldCipher({ keys: [k1], indexKey });

  it("round-trips, with a fresh IV per value and the key id beside it", () => {
    const a = cipher.seal("420102199003070038");
    const b = cipher.seal("420102199003070038");
    assert.notEqual(a, b);
    assert.match(a, /^v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    assert.ok(!a.includes("420102"));
    assert.equal(cipher.open(a), "420102199003070038");
    assert.equal(cipher.open("13900000001"), "13900000001", "a clear legacy value passes through");
    assert.equal(cipher.seal(""), "");
    assert.equal(cipher.seal(null), null);
  });

  it("refuses a tampered value and names a key it does not have", () => {
    const sealed = cipher.seal("江滨路1号");
    const parts = sealed.split(":");
    const body = Buffer.from(parts[3], "base64url");
    body[0] ^= 1;
    assert.throws(() => cipher.open([...parts.slice(0, 3), body.toString("base64url")].join(":")));
    const other = new FieldCipher({ keys: [key("k9")], indexKey });
    assert.throws(() => cipher.open(other.seal("x")), UnknownKeyError);
    assert.throws(() => cipher.open(other.seal("x")), /"k9", which is not configured/);
  });

  it("reseals under the newest key and leaves current values alone", () => {
    const old = cipher.seal("13712345678");
    const rotated = new FieldCipher({ keys: [k1, key("k2")], indexKey });
    const again = rotated.reseal(old)!;
    assert.equal(FieldCipher.keyIdOf(again), "k2");
    assert.equal(rotated.open(again), "13712345678");
    assert.equal(rotated.reseal(again), null);
  });

  it("gives the same blind index for the same number however it is typed, and none without the key", () => {
    assert.equal(cipher.blindIndex("phone", "+86 139-0000-0001"), cipher.blindIndex("phone", "13900000001"));
    assert.equal(
      cipher.blindIndex("id-number", "11010519491231002x"),
      cipher.blindIndex("id-number", "11010519491231002X"),
    );
    assert.notEqual(cipher.blindIndex("phone", "13900000001"), cipher.blindIndex("phone", "13900000002"));
    const otherKey = new FieldCipher({ keys: [k1], indexKey: randomBytes(32) });
    assert.notEqual(otherKey.blindIndex("phone", "13900000001"), cipher.blindIndex("phone", "13900000001"));
  });
});

describe("data keys from the configuration", () => {
  it("generates a demo key file in the data directory once, and appends keys to it", () => {
    const dir = mkdtempSync(join(tmpdir(), "chuyun-keys-"));
    try {
      const first = resolveDataKeys(loadConfig({ DATA_DIR: dir }));
      assert.equal(first.source.kind === "file" && first.source.generated, true);
      const file = join(dir, DEMO_KEY_FILE);
      assert.ok(existsSync(file));
      assert.equal(statSync(file).mode & 0o077, 0, "the key file is private to its owner");
      const second = resolveDataKeys(loadConfig({ DATA_DIR: dir }));
      assert.equal(second.source.kind === "file" && second.source.generated, false);
      assert.deepEqual(second.keys.keys[0].key, first.keys.keys[0].key);
      const added = addKeyToFile(file);
      const third = resolveDataKeys(loadConfig({ DATA_DIR: dir }));
      assert.equal(new FieldCipher(third.keys).current.id, added);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads CHUYUN_DATA_KEYS (newest last) and refuses production without keys", () => {
    const a = randomBytes(32).toString("base64");
    const b = randomBytes(32).toString("base64");
    const env = {
      DATA_DIR: "/nonexistent",
      CHUYUN_DATA_KEYS: `old:${a},new:${b}`,
      CHUYUN_DATA_INDEX_KEY: randomBytes(32).toString("base64"),
      NODE_ENV: "production",
    };
    const cipher = new FieldCipher(resolveDataKeys(loadConfig(env)).keys);
    assert.equal(cipher.current.id, "new");
    assert.deepEqual(cipher.keyIds, ["old", "new"]);
    assert.throws(() => resolveDataKeys(loadConfig({ ...env, CHUYUN_DATA_INDEX_KEY: "" })), /INDEX_KEY/);
    assert.throws(() => resolveDataKeys(loadConfig({ ...env, CHUYUN_DATA_KEYS: "x:short" })), /32 bytes/);
    const production = loadConfig({ DATA_DIR: "/nonexistent", NODE_ENV: "production" });
    assert.equal(production.production, true);
    assert.throws(() => resolveDataKeys(production), { message: MISSING_KEYS_MESSAGE });
    assert.equal(loadConfig({ CHUYUN_MODE: "production" }).production, true);
  });
});
