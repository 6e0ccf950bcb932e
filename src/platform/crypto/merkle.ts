import { createHash } from "node:crypto";

/**
 * Merkle hash trees exactly as RFC 9162 §2.1 (Certificate Transparency 2.0) defines them, with SHA-256:
 * MTH({}) = SHA-256(), leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || left || right), and the split
 * point k = the largest power of two smaller than n. Proofs are generated from a `NodeSource` that knows
 * the hashes of complete (perfect, aligned) subtrees, so a log of millions of leaves keeps only those
 * nodes (about 2 per leaf) and computes any other subtree from O(log n) of them.
 */

export const HASH_SIZE = 32;

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function leafHash(leaf: Uint8Array): Buffer {
  return sha256(LEAF_PREFIX, leaf);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE_PREFIX, left, right);
}

export const EMPTY_ROOT = sha256();

/** The largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** The root of a tree over the given leaf hashes (in memory; for tests and small trees). */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  // Fold complete subtrees left to right on a stack, then merge the stack right to left (RFC 9162 MTH).
  const stack: { size: number; hash: Buffer }[] = [];
  for (const h of hashes) {
    let node: { size: number; hash: Buffer } = { size: 1, hash: Buffer.from(h) };
    while (stack.length > 0 && stack[stack.length - 1]!.size === node.size) {
      const left = stack.pop()!;
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    stack.push(node);
  }
  let hash = stack.pop()!.hash;
  while (stack.length > 0) hash = nodeHash(stack.pop()!.hash, hash);
  return hash;
}

/**
 * Where complete subtree hashes come from: `node(level, index)` is the hash of leaves
 * [index·2^level, (index+1)·2^level), and is only asked for subtrees that exist in full.
 */
export interface NodeSource {
  node(level: number, index: number): Promise<Buffer>;
}

/** MTH(D[start:end]) for a range the RFC recursion produces (start aligned to the left part's size). */
export async function subtreeHash(source: NodeSource, start: number, end: number): Promise<Buffer> {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (isPowerOfTwo(n) && start % n === 0) return source.node(Math.log2(n), start / n);
  const k = splitPoint(n);
  const [left, right] = await Promise.all([
    subtreeHash(source, start, start + k),
    subtreeHash(source, start + k, end),
  ]);
  return nodeHash(left, right);
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path of leaf m in the tree of the first n leaves. */
export async function inclusionProof(source: NodeSource, m: number, n: number): Promise<Buffer[]> {
  if (!(m >= 0 && m < n)) throw new RangeError(`leaf ${m} is not in a tree of ${n}`);
  const path: Buffer[] = [];
  // Walk down from the root collecting the sibling subtree at each split, then reverse (leaf first).
  let start = 0;
  let end = n;
  const siblings: Promise<Buffer>[] = [];
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m - start < k) {
      siblings.push(subtreeHash(source, start + k, end));
      end = start + k;
    } else {
      siblings.push(subtreeHash(source, start, start + k));
      start += k;
    }
  }
  for (const s of (await Promise.all(siblings)).reverse()) path.push(s);
  return path;
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) via SUBPROOF(m, D[n], true): consistency of tree m with tree n. */
export async function consistencyProof(source: NodeSource, m: number, n: number): Promise<Buffer[]> {
  if (!(m >= 0 && m <= n)) throw new RangeError(`tree ${m} is not a prefix of tree ${n}`);
  if (m === 0 || m === n) return [];
  const parts: Promise<Buffer>[] = [];
  let start = 0;
  let end = n;
  let size = m; // m relative to [start, end)
  let whole = true; // b in SUBPROOF
  for (;;) {
    if (size === end - start) {
      if (!whole) parts.push(subtreeHash(source, start, end));
      break;
    }
    const k = splitPoint(end - start);
    if (size <= k) {
      parts.push(subtreeHash(source, start + k, end));
      end = start + k;
    } else {
      parts.push(subtreeHash(source, start, start + k));
      start += k;
      size -= k;
      whole = false;
    }
  }
  return (await Promise.all(parts)).reverse();
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** RFC 9162 §2.1.3.2: the root an audit path leads to, or null when the path cannot fit the sizes. */
export function rootFromInclusionProof(
  leafIndex: number,
  treeSize: number,
  hash: Uint8Array,
  path: readonly Uint8Array[],
): Buffer | null {
  if (!(leafIndex >= 0 && leafIndex < treeSize) || hash.length !== HASH_SIZE) return null;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(hash);
  for (const p of path) {
    if (p.length !== HASH_SIZE || sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  hash: Uint8Array,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const computed = rootFromInclusionProof(leafIndex, treeSize, hash, path);
  return computed !== null && same(computed, root);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows tree `first` (firstHash) is a prefix of tree `second`. */
export function verifyConsistency(
  first: number,
  second: number,
  firstHash: Uint8Array,
  secondHash: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!(first >= 0 && first <= second)) return false;
  if (first === second) return proof.length === 0 && same(firstHash, secondHash);
  if (first === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== HASH_SIZE)) return false;
  const path = isPowerOfTwo(first) ? [firstHash, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(fr, firstHash) && same(sr, secondHash);
}

/**
 * The complete subtrees an append creates: after leaf `index` is stored at level 0, each level where
 * the new node is a right child gains its parent. `left(level, i)` reads the stored left sibling.
 */
export async function nodesCreatedByAppend(
  index: number,
  hash: Buffer,
  left: (level: number, index: number) => Promise<Buffer>,
): Promise<{ level: number; index: number; hash: Buffer }[]> {
  const created = [{ level: 0, index, hash }];
  let level = 0;
  let i = index;
  let h = hash;
  while (i % 2 === 1) {
    h = nodeHash(await left(level, i - 1), h);
    level += 1;
    i = Math.floor(i / 2);
    created.push({ level, index: i, hash: h });
  }
  return created;
}

/** A NodeSource over leaf hashes held in memory (tests, the CLI's own recomputation). */
export class MemoryNodeSource implements NodeSource {
  private readonly levels: Buffer[][] = [[]];
  append(hash: Buffer): void {
    let level = 0;
    let h = hash;
    let i = this.levels[0]!.length;
    this.levels[0]!.push(h);
    while (i % 2 === 1) {
      h = nodeHash(this.levels[level]![i - 1]!, h);
      level += 1;
      i = Math.floor(i / 2);
      (this.levels[level] ??= []).push(h);
    }
  }
  get size(): number {
    return this.levels[0]!.length;
  }
  node(level: number, index: number): Promise<Buffer> {
    const h = this.levels[level]?.[index];
    if (!h) return Promise.reject(new RangeError(`no node ${level}/${index}`));
    return Promise.resolve(h);
  }
}
