import { randomBytes } from "node:crypto";

/**
 * Random bytes for hot paths (AES-GCM IVs, record ids, receipts): the same CSPRNG as
 * `crypto.randomBytes`, drawn 8 KB at a time instead of one call per value (each call crosses into
 * OpenSSL; at thousands of values a second that showed in profiles). Every byte is handed out once;
 * a spent pool is replaced, never refilled in place, so a returned buffer never changes.
 */
const POOL_SIZE = 8192;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/** `n` (≤ 256) fresh random bytes; the buffer is a view of the pool, never reused. */
export function pooledRandomBytes(n: number): Buffer {
  if (n > 256) return randomBytes(n);
  if (offset + n > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}
