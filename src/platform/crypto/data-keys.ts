import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Config } from "../../config.ts";
import { KEY_ID, type DataKey, type DataKeys } from "./field-cipher.ts";

/** The demo key file's name inside the data directory (generated on first start outside production). */
export const DEMO_KEY_FILE = "data-keys.json";

/** A key file: `{ "keys": [{ "id": "k1", "key": "<base64 32 bytes>" }, …], "indexKey": "<base64 ≥32 bytes>" }`. */
interface KeyFileJson {
  keys: { id: string; key: string }[];
  indexKey: string;
}

export const MISSING_KEYS_MESSAGE =
  "Production mode needs the personal-data encryption keys: set CHUYUN_DATA_KEYS " +
  '("<id>:<base64 32 bytes>", comma-separated, newest last) and CHUYUN_DATA_INDEX_KEY ' +
  "(base64, 32 bytes), or CHUYUN_DATA_KEY_FILE (a JSON key file). See README, 'Personal data at rest'.";

function decode(text: string, what: string): Buffer {
  const bytes = Buffer.from(text.trim(), /^[0-9a-fA-F]{64,}$/.test(text.trim()) ? "hex" : "base64");
  if (bytes.length < 32) throw new Error(`${what} must be 32 bytes (base64 or hex)`);
  return bytes;
}

/** Parses CHUYUN_DATA_KEYS: "id:base64key,id2:base64key" (oldest first, the last encrypts). */
export function parseKeyList(list: string): DataKey[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(":");
      const id = at > 0 ? entry.slice(0, at) : "";
      if (!KEY_ID.test(id))
        throw new Error(`CHUYUN_DATA_KEYS: each entry is "<id>:<base64 key>" (got "${id}")`);
      return { id, key: decode(entry.slice(at + 1), `CHUYUN_DATA_KEYS key "${id}"`) };
    });
}

export function readKeyFile(file: string): DataKeys {
  let json: KeyFileJson;
  try {
    json = JSON.parse(readFileSync(file, "utf8")) as KeyFileJson;
  } catch (error) {
    throw new Error(`Cannot read the data key file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(json.keys) || typeof json.indexKey !== "string")
    throw new Error(`The data key file ${file} needs "keys" and "indexKey"`);
  return {
    keys: json.keys.map((k) => ({ id: k.id, key: decode(k.key, `key "${k.id}" in ${file}`) })),
    indexKey: decode(json.indexKey, `indexKey in ${file}`),
  };
}

function writeKeyFile(file: string, keys: DataKeys): void {
  const json: KeyFileJson = {
    keys: keys.keys.map((k) => ({ id: k.id, key: k.key.toString("base64") })),
    indexKey: keys.indexKey.toString("base64"),
  };
  mkdirSync(dirname(file), { recursive: true });
  const staging = `${file}.tmp-${process.pid}`;
  writeFileSync(staging, JSON.stringify(json, null, 2) + "\n", { mode: 0o600 });
  renameSync(staging, file);
}

/** A fresh key id: "k" + UTC date and time + random suffix, so ids never collide across rotations. */
export function newKeyId(): string {
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  return `k${stamp}-${randomBytes(2).toString("hex")}`;
}

export interface ResolvedKeys {
  keys: DataKeys;
  /** Where they came from, for the log and for `keys:rotate --new-key`. */
  source: { kind: "env" } | { kind: "file"; file: string; generated: boolean };
}

/**
 * The data keys for this process: CHUYUN_DATA_KEYS + CHUYUN_DATA_INDEX_KEY, else CHUYUN_DATA_KEY_FILE,
 * else (demo and development only) `data-keys.json` in the data directory, generated on first start
 * like the rest of the demo state. In production a missing key is a startup error, never a 500 later.
 */
export function resolveDataKeys(config: Config): ResolvedKeys {
  if (config.dataKeys) {
    if (!config.dataIndexKey)
      throw new Error("CHUYUN_DATA_KEYS is set but CHUYUN_DATA_INDEX_KEY is not (the blind-index key)");
    return {
      keys: {
        keys: parseKeyList(config.dataKeys),
        indexKey: decode(config.dataIndexKey, "CHUYUN_DATA_INDEX_KEY"),
      },
      source: { kind: "env" },
    };
  }
  if (config.dataKeyFile) {
    if (!existsSync(config.dataKeyFile))
      throw new Error(`CHUYUN_DATA_KEY_FILE points to ${config.dataKeyFile}, which does not exist`);
    return {
      keys: readKeyFile(config.dataKeyFile),
      source: { kind: "file", file: config.dataKeyFile, generated: false },
    };
  }
  if (config.production) throw new Error(MISSING_KEYS_MESSAGE);
  const file = join(config.dataDir, DEMO_KEY_FILE);
  if (existsSync(file)) return { keys: readKeyFile(file), source: { kind: "file", file, generated: false } };
  const keys: DataKeys = { keys: [{ id: newKeyId(), key: randomBytes(32) }], indexKey: randomBytes(32) };
  writeKeyFile(file, keys);
  return { keys, source: { kind: "file", file, generated: true } };
}

/** Appends a freshly generated key to a key file (it becomes the current key); returns its id. */
export function addKeyToFile(file: string): string {
  const keys = readKeyFile(file);
  const id = newKeyId();
  keys.keys.push({ id, key: randomBytes(32) });
  writeKeyFile(file, keys);
  return id;
}

/** Removes keys no value uses any more from a key file (after a completed rotation). */
export function retireKeysInFile(file: string, keep: (id: string) => boolean): string[] {
  const keys = readKeyFile(file);
  const current = keys.keys[keys.keys.length - 1];
  const retired = keys.keys.filter((k) => k !== current && !keep(k.id)).map((k) => k.id);
  keys.keys = keys.keys.filter((k) => k === current || keep(k.id));
  writeKeyFile(file, keys);
  return retired;
}
