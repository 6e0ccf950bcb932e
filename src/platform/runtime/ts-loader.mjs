/**
 * Node's module hooks for the server's TypeScript (see register.mjs): each .ts/.tsx file is compiled
 * by esbuild on load (types stripped, JSX for Preact), as tsx does for the tools and tests — except
 * that tsx keeps every function's name by wrapping each function and closure it creates in a helper
 * call, which costs the request path about a tenth of its time. Stack traces still point into the
 * TypeScript (inline source maps; register.mjs turns them on).
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

const TYPESCRIPT = /\.tsx?$/;

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !TYPESCRIPT.test(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const { code } = await transform(await readFile(file, "utf8"), {
    loader: url.endsWith(".tsx") ? "tsx" : "ts",
    format: "esm",
    target: `node${process.versions.node}`,
    jsx: "automatic",
    jsxImportSource: "preact",
    sourcemap: "inline",
    sourcefile: file,
  });
  return { format: "module", source: code, shortCircuit: true };
}
