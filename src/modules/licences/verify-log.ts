import type { JWK } from "jose";
import { leafHash, verifyConsistency, verifyInclusion } from "../../platform/crypto/merkle.ts";
import { issuerJwtOf } from "./credential.ts";
import { verifyJws } from "./jws.ts";

export interface LogCheckOptions {
  /** The platform's public base URL (where /.well-known/jwt-vc-issuer and /api/licences/log live). */
  base: string;
  /** A licence (its SD-JWT, or just the issuer JWT) whose inclusion to check. */
  licence?: string;
  /** A leaf hash (base64) to check instead of a licence. */
  leafHash?: string;
  /** An earlier tree size whose kept head must be consistent with the later one. */
  first?: number;
  /** The later tree size (default: the current head). */
  second?: number;
}

interface Head {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  signature: string;
}

export type GetJson = (url: string) => Promise<{ status: number; body: unknown }>;

/**
 * What a monitor or a holder checks, against the log's public endpoints only: the tree heads are
 * signed by the log key of the published JWKS, a licence is included in the later tree, and the
 * earlier tree is a prefix of the later one (RFC 9162 §2.1.3.2 and §2.1.4.2). Returns the lines of a
 * report and whether every check held.
 */
export async function checkLog(
  options: LogCheckOptions,
  get: GetJson,
): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  const fail = (line: string) => {
    ok = false;
    lines.push(`FAIL ${line}`);
  };
  const base = options.base.replace(/\/$/, "");
  const meta = await get(`${base}/.well-known/jwt-vc-issuer`);
  const keys = (meta.body as { jwks?: { keys?: JWK[] } }).jwks?.keys ?? [];
  if (meta.status !== 200 || keys.length === 0)
    return { ok: false, lines: ["FAIL no JWKS at /.well-known/jwt-vc-issuer"] };
  const head = async (size?: number): Promise<Head | null> => {
    const res = await get(`${base}/api/licences/log/sth${size === undefined ? "" : `?treeSize=${size}`}`);
    if (res.status !== 200) {
      fail(`no signed tree head${size === undefined ? "" : ` of size ${size}`} (HTTP ${res.status})`);
      return null;
    }
    const h = res.body as Head;
    const signed = verifyJws(h.signature, keys);
    const p = signed?.payload;
    if (!p || p.treeSize !== h.treeSize || p.rootHash !== h.rootHash || p.timestamp !== h.timestamp) {
      fail(`tree head ${h.treeSize} is not signed by a published log key`);
      return null;
    }
    lines.push(`ok   tree head ${h.treeSize} signed (root ${h.rootHash})`);
    return h;
  };
  const later = await head(options.second);
  if (!later) return { ok: false, lines };
  const b = (s: string) => Buffer.from(s, "base64");

  const hash = options.licence
    ? leafHash(Buffer.from(issuerJwtOf(options.licence.trim()), "utf8")).toString("base64")
    : options.leafHash;
  if (hash) {
    const res = await get(
      `${base}/api/licences/log/proof?leafHash=${encodeURIComponent(hash)}&treeSize=${later.treeSize}`,
    );
    const proof = res.body as { leafIndex?: number; auditPath?: string[] };
    if (res.status !== 200 || typeof proof.leafIndex !== "number" || !Array.isArray(proof.auditPath)) {
      fail(`leaf ${hash} has no inclusion proof in tree ${later.treeSize} (HTTP ${res.status})`);
    } else if (
      verifyInclusion(proof.leafIndex, later.treeSize, b(hash), proof.auditPath.map(b), b(later.rootHash))
    ) {
      lines.push(`ok   leaf ${hash} is entry ${proof.leafIndex} of tree ${later.treeSize}`);
    } else {
      fail(`inclusion proof of leaf ${hash} does not lead to the root of tree ${later.treeSize}`);
    }
  }

  if (options.first !== undefined) {
    const earlier = await head(options.first);
    if (earlier) {
      const res = await get(
        `${base}/api/licences/log/consistency?first=${earlier.treeSize}&second=${later.treeSize}`,
      );
      const proof = (res.body as { proof?: string[] }).proof;
      if (res.status !== 200 || !Array.isArray(proof)) fail(`no consistency proof (HTTP ${res.status})`);
      else if (
        verifyConsistency(
          earlier.treeSize,
          later.treeSize,
          b(earlier.rootHash),
          b(later.rootHash),
          proof.map(b),
        )
      )
        lines.push(`ok   tree ${earlier.treeSize} is a prefix of tree ${later.treeSize}`);
      else fail(`tree ${earlier.treeSize} is NOT consistent with tree ${later.treeSize}`);
    }
  }
  return { ok, lines };
}
