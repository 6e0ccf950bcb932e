import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import { pooledRandomBytes } from "./random-pool.ts";

/** One AES-256 data key and the id written beside every value it encrypts. */
export interface DataKey {
  id: string;
  key: Buffer;
}

/** The keys that protect personal data at rest: data keys (the last one encrypts) and the blind-index key. */
export interface DataKeys {
  /** Oldest first; the last is the current key. Older keys only decrypt (until `keys:rotate` retires them). */
  keys: DataKey[];
  /** HMAC-SHA256 key for blind indexes (lookups by phone or ID number); never rotated with the data keys. */
  indexKey: Buffer;
}

export const KEY_ID = /^[A-Za-z0-9-]{1,32}$/;
const VERSION = "v1";
/** v1:<kid>:<iv 12 bytes>:<ciphertext + 16-byte tag>, base64url parts. */
const SEALED = /^v1:([A-Za-z0-9-]{1,32}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;
/** Binds every ciphertext to this scheme (associated data). */
const AAD = Buffer.from("chuyun-field-v1");

/** What a blind index normalises: the same person typed two ways must give the same index. */
export type IndexKind = "phone" | "id-number";

export function normaliseForIndex(kind: IndexKind, value: string): string {
  const v = value.normalize("NFKC").replace(/[\s-]/g, "");
  if (kind === "id-number") return v.toUpperCase();
  return v.replace(/^(\+?86)(?=1\d{10}$)/, "");
}

export class UnknownKeyError extends Error {
  constructor(readonly keyId: string) {
    super(
      `Personal data is encrypted with data key "${keyId}", which is not configured. ` +
        "Set CHUYUN_DATA_KEYS (or CHUYUN_DATA_KEY_FILE) to include it.",
    );
  }
}

/**
 * Field-level encryption of personal data at rest (等保 2.0 level 3, storage confidentiality):
 * AES-256-GCM with a random 96-bit IV per value, written as a self-describing string
 * `v1:<key id>:<iv>:<ciphertext+tag>` (base64url) so keys can rotate value by value; and keyed blind
 * indexes (HMAC-SHA256 under a separate key, normalised input) for the lookups the platform needs.
 */
export class FieldCipher {
  private readonly byId: Map<string, Buffer>;
  readonly current: DataKey;
  private readonly indexKey: Buffer;

  constructor(keys: DataKeys) {
    if (keys.keys.length === 0) throw new Error("At least one data key is needed");
    for (const k of keys.keys) {
      if (!KEY_ID.test(k.id)) throw new Error(`Data key id "${k.id}" must be 1-32 letters, digits or "-"`);
      if (k.key.length !== 32) throw new Error(`Data key "${k.id}" must be 32 bytes (AES-256)`);
    }
    if (keys.indexKey.length < 32) throw new Error("The blind-index key must be at least 32 bytes");
    this.byId = new Map(keys.keys.map((k) => [k.id, k.key]));
    this.current = keys.keys[keys.keys.length - 1];
    this.indexKey = keys.indexKey;
  }

  /** The keys, for a worker thread of this process that seals with the same cipher (see RecordWriter). */
  exportKeys(): DataKeys {
    const older = [...this.byId].filter(([id]) => id !== this.current.id).map(([id, key]) => ({ id, key }));
    return { keys: [...older, this.current], indexKey: this.indexKey };
  }

  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  /** The value encrypted under the current key; null and "" stay as they are (nothing to hide). */
  seal(plain: string): string;
  seal(plain: string | null): string | null;
  seal(plain: string | null): string | null {
    if (plain === null || plain === "") return plain;
    const iv = pooledRandomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}:${this.current.id}:${iv.toString("base64url")}:${body.toString("base64url")}`;
  }

  /**
   * The clear value. A value that is not ciphertext (written before encryption was introduced, not
   * yet sealed by the startup pass) is returned unchanged. Unknown key or a failed tag throws.
   */
  open(value: string): string;
  open(value: string | null): string | null;
  open(value: string | null): string | null {
    if (value === null) return null;
    const m = SEALED.exec(value);
    if (!m) return value;
    const key = this.byId.get(m[1]);
    if (!key) throw new UnknownKeyError(m[1]);
    const body = Buffer.from(m[3], "base64url");
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(m[2], "base64url"));
    decipher.setAAD(AAD);
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString(
      "utf8",
    );
  }

  /** Whether a stored value is ciphertext (any key). */
  static isSealed(value: string | null): boolean {
    return value !== null && SEALED.test(value);
  }

  /** The key id of a stored ciphertext, or null for a clear value. */
  static keyIdOf(value: string | null): string | null {
    return value === null ? null : (SEALED.exec(value)?.[1] ?? null);
  }

  /** Re-encrypts under the current key when it is clear or under an older key; null when already current. */
  reseal(value: string | null): string | null {
    if (value === null || value === "") return null;
    const kid = FieldCipher.keyIdOf(value);
    if (kid === this.current.id) return null;
    return this.seal(this.open(value));
  }

  /** The keyed blind index of a value ("" for an empty one, which matches nothing real). */
  blindIndex(kind: IndexKind, value: string): string;
  blindIndex(kind: IndexKind, value: string | null): string | null;
  blindIndex(kind: IndexKind, value: string | null): string | null {
    if (value === null) return null;
    const normal = normaliseForIndex(kind, value);
    if (!normal) return "";
    return createHmac("sha256", this.indexKey).update(`${kind}\0${normal}`).digest("base64url");
  }

  /** A Kysely plugin decrypting the named result columns (camelCase) on every read. */
  plugin(columns: Iterable<string>): KyselyPlugin {
    return new OpenSealedColumns(this, new Set(columns));
  }
}

/**
 * Decrypts ciphertext in result rows, only in columns known to hold sealed values (those are always
 * written encrypted, so a user cannot plant a look-alike there). Runs after CamelCasePlugin.
 */
class OpenSealedColumns implements KyselyPlugin {
  constructor(
    private readonly cipher: FieldCipher,
    private readonly columns: Set<string>,
  ) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const rows = args.result.rows;
    if (!rows?.length) return args.result;
    for (const row of rows) {
      for (const column of this.columns) {
        const value = row[column];
        if (typeof value === "string" && value.startsWith("v1:")) row[column] = this.cipher.open(value);
      }
    }
    return args.result;
  }
}
