import { sql, type Kysely, type Transaction } from "kysely";
import {
  EMPTY_ROOT,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  subtreeHash,
  type NodeSource,
} from "../../platform/crypto/merkle.ts";
import type { Db } from "../../platform/db/database.ts";
import { nowIso } from "../../platform/time/china-time.ts";
import type { LicencesTables, LogEntryKind } from "./tables.ts";

type Store = Kysely<LicencesTables>;

/** Complete subtrees never change once written, so any number of readers may cache them. */
class NodeCache {
  private readonly map = new Map<string, Buffer>();
  constructor(private readonly limit = 50_000) {}
  get(level: number, idx: number): Buffer | undefined {
    return this.map.get(`${level}/${idx}`);
  }
  set(level: number, idx: number, hash: Buffer): void {
    if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value!);
    this.map.set(`${level}/${idx}`, hash);
  }
}

export interface AppendedLeaf {
  index: number;
  leafHash: string;
}

/**
 * The append-only RFC 9162 log of issuances, revocations and checkpoints. Leaves are kept with their
 * data; the hashes of complete subtrees (level, index) are stored as they form (≈ 2 rows per leaf),
 * so the root of any past size and every proof reads O(log² n) stored nodes at most.
 */
export class TransparencyLog {
  private readonly cache = new NodeCache();
  constructor(private readonly store: Db<LicencesTables>) {}

  private source(db: Store | Transaction<LicencesTables> = this.store.db): NodeSource {
    return {
      node: async (level, idx) => {
        const hit = this.cache.get(level, idx);
        if (hit) return hit;
        const row = await db
          .selectFrom("licenceLogNodes")
          .select("hash")
          .where("level", "=", level)
          .where("idx", "=", idx)
          .executeTakeFirst();
        if (!row) throw new Error(`log node ${level}/${idx} is missing`);
        const hash = Buffer.from(row.hash);
        this.cache.set(level, idx, hash);
        return hash;
      },
    };
  }

  async size(db: Store | Transaction<LicencesTables> = this.store.db): Promise<number> {
    const row = await db
      .selectFrom("licenceLogLeaves")
      .select((eb) => eb.fn.max("idx").as("last"))
      .executeTakeFirst();
    return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
  }

  /** Appends leaves in one transaction (serialised between instances) and returns where they went. */
  async append(
    entries: { kind: LogEntryKind; entry: string }[],
    outer?: Transaction<LicencesTables>,
  ): Promise<AppendedLeaf[]> {
    const run = async (trx: Transaction<LicencesTables>) => {
      if (this.store.dialect === "postgres") await sql`select pg_advisory_xact_lock(9162)`.execute(trx);
      let size = await this.size(trx);
      // The right edge of the tree: the last complete subtree at each level where size has a 1 bit.
      const frontier = new Map<number, Buffer>();
      const source = this.source(trx);
      for (let level = 0; 2 ** level <= size; level++) {
        if (Math.floor(size / 2 ** level) % 2 === 1) {
          frontier.set(level, await source.node(level, Math.floor(size / 2 ** level) - 1));
        }
      }
      const createdAt = nowIso();
      const leaves: AppendedLeaf[] = [];
      const nodes: { level: number; idx: number; hash: Buffer }[] = [];
      const rows = [];
      for (const { kind, entry } of entries) {
        const hash = leafHash(Buffer.from(entry, "utf8"));
        const index = size;
        leaves.push({ index, leafHash: hash.toString("base64") });
        rows.push({ idx: index, kind, entry, leafHash: hash.toString("base64"), createdAt });
        let level = 0;
        let i = index;
        let h = hash;
        nodes.push({ level, idx: i, hash: h });
        while (i % 2 === 1) {
          h = nodeHash(frontier.get(level)!, h);
          frontier.delete(level);
          level += 1;
          i = Math.floor(i / 2);
          nodes.push({ level, idx: i, hash: h });
        }
        frontier.set(level, h);
        size += 1;
      }
      for (let at = 0; at < rows.length; at += 500) {
        await trx
          .insertInto("licenceLogLeaves")
          .values(rows.slice(at, at + 500))
          .execute();
      }
      for (let at = 0; at < nodes.length; at += 500) {
        await trx
          .insertInto("licenceLogNodes")
          .values(nodes.slice(at, at + 500))
          .execute();
      }
      return leaves;
    };
    return outer ? run(outer) : this.store.db.transaction().execute(run);
  }

  /** MTH of the first `size` leaves. */
  async root(size: number): Promise<Buffer> {
    return size === 0 ? EMPTY_ROOT : subtreeHash(this.source(), 0, size);
  }

  /** The first leaf with this hash, if it is inside a tree of `treeSize`. */
  async leafIndex(leafHashB64: string, treeSize: number): Promise<number | null> {
    const row = await this.store.db
      .selectFrom("licenceLogLeaves")
      .select("idx")
      .where("leafHash", "=", leafHashB64)
      .where("idx", "<", treeSize)
      .orderBy("idx")
      .executeTakeFirst();
    return row ? Number(row.idx) : null;
  }

  async inclusion(index: number, treeSize: number): Promise<Buffer[]> {
    return inclusionProof(this.source(), index, treeSize);
  }

  async consistency(first: number, second: number): Promise<Buffer[]> {
    return consistencyProof(this.source(), first, second);
  }

  async entry(index: number): Promise<{ kind: LogEntryKind; entry: string; createdAt: string } | undefined> {
    return this.store.db
      .selectFrom("licenceLogLeaves")
      .select(["kind", "entry", "createdAt"])
      .where("idx", "=", index)
      .executeTakeFirst();
  }
}
