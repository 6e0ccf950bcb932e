/**
 * Checks the licences transparency log from its public endpoints:
 *   npm run licences:verify-log -- [--base URL] [--licence FILE | --leaf-hash B64] [--first M] [--second N]
 * Tree heads must be signed by the published log key; with a licence (a file holding its SD-JWT) or a
 * leaf hash, its inclusion in the later tree; with --first, that tree M is a prefix of tree N (default:
 * the current head). Exit code 0 when every check holds, 1 when one fails, 2 for bad arguments.
 */
import { readFileSync } from "node:fs";
import { readArgs } from "../../platform/cli/args.ts";
import { loadConfig } from "../../config.ts";
import { checkLog } from "./verify-log.ts";

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = readArgs({
      options: {
        base: { type: "string" },
        licence: { type: "string" },
        "leaf-hash": { type: "string" },
        first: { type: "string" },
        second: { type: "string" },
      },
    }));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 2;
  }
  const size = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const first = size(values.first);
  const second = size(values.second);
  if ([first, second].some((n) => n !== undefined && !(Number.isSafeInteger(n) && n >= 0))) {
    console.error("--first and --second are tree sizes (integers ≥ 0)");
    return 2;
  }
  const base = values.base ?? loadConfig(process.env).publicBaseUrl;
  const { ok, lines } = await checkLog(
    {
      base,
      licence: values.licence ? readFileSync(values.licence, "utf8") : undefined,
      leafHash: values["leaf-hash"],
      first,
      second,
    },
    async (url) => {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      try {
        return { status: res.status, body: JSON.parse(text) as unknown };
      } catch {
        return { status: res.status, body: null };
      }
    },
  );
  for (const line of lines) console.log(line);
  console.log(ok ? "The log checks out." : "The log does NOT check out.");
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
