import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** A body's encodings a client may take instead of the bytes themselves. */
export type Encoding = "br" | "gzip";

/** Bodies shorter than this are sent as they are: compressing them saves less than it costs. */
const MIN_BYTES = 1024;

const chosen = new Map<string, Encoding | null>();

/**
 * The encoding to answer an Accept-Encoding header with: the one of br and gzip the client weighs
 * higher (br on a tie), else none; a coding listed with q=0 is refused ("gzip;q=0"), and "*" stands
 * for both. Browsers send the same few headers over
 * and over, so each header's choice is remembered.
 */
export function preferredEncoding(header: string | string[] | undefined): Encoding | null {
  if (typeof header !== "string" || header === "") return null;
  let choice = chosen.get(header);
  if (choice !== undefined) return choice;
  const q = new Map<string, number>();
  for (const part of header.toLowerCase().split(",")) {
    const [coding = "", ...params] = part.trim().split(";");
    const weight = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const value = weight === undefined ? 1 : Number(weight);
    q.set(coding.trim(), Number.isFinite(value) ? value : 0);
  }
  const weight = (coding: Encoding) => q.get(coding) ?? q.get("*") ?? 0;
  // The client's preference first (highest q); brotli on a tie.
  const br = weight("br");
  const gzip = weight("gzip");
  choice = br > 0 && br >= gzip ? "br" : gzip > 0 ? "gzip" : null;
  if (chosen.size < 1000) chosen.set(header, choice);
  return choice;
}

/** The body compressed both ways (once, where it is kept), or null when too short to gain. */
export function compressedVariants(body: Buffer): Record<Encoding, Buffer> | null {
  if (body.length < MIN_BYTES) return null;
  return {
    // Quality 5: most of brotli's gain at a small part of its highest level's time.
    br: brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
    gzip: gzipSync(body, { level: 6 }),
  };
}

/** A Vary header value that also names Accept-Encoding (kept once). */
export function varyWithEncoding(vary: string | string[] | number | undefined): string {
  const names = (Array.isArray(vary) ? vary.join(",") : vary === undefined ? "" : String(vary))
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  if (!names.some((n) => n.toLowerCase() === "accept-encoding")) names.push("Accept-Encoding");
  return names.join(", ");
}
