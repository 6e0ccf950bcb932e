import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { compressedVariants, type Encoding } from "../platform/http/content-encoding.ts";

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
  /** Scripts, styles and drawings compressed once at start-up (null: a format compressed already). */
  encoded: Record<Encoding, Buffer> | null;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Client scripts, bundled by esbuild at start-up: public pages get small plain scripts, no framework. */
export const CLIENT_ENTRIES: Record<string, string> = {
  "js/site.js": here("./client/site.ts"),
  "js/interaction.js": here("./client/interaction.ts"),
  "js/editor.js": here("./client/editor.ts"),
  "js/assistant.js": here("../modules/assistant/client/chat-panel.ts"),
  "js/registration-batch.js": here("../modules/registration/client/batch-progress.ts"),
  "js/beacon.js": here("../modules/analytics/client/beacon.ts"),
  "js/licence-scan.js": here("../modules/licences/client/scan.ts"),
};

export const STYLESHEETS: Record<string, string> = {
  "css/site.css": here("./styles/site.css"),
  "css/admin.css": here("./styles/admin.css"),
};

/** The portal's demo pictures (small SVG drawings), served as /static/img/portal/<name>.svg. */
export const PORTAL_PICTURES = ["platform", "city", "fields", "hall", "data", "elder"] as const;

/** Files served as they are (the site icon, pictures). */
export const FILES: Record<string, { file: string; contentType: string }> = {
  "favicon.ico": { file: here("./images/favicon.ico"), contentType: "image/x-icon" },
  ...Object.fromEntries(
    PORTAL_PICTURES.map((name) => [
      `img/portal/${name}.svg`,
      { file: here(`./images/portal/${name}.svg`), contentType: "image/svg+xml" },
    ]),
  ),
};

function asset(body: Buffer, contentType: string): Asset {
  const text = /^(?:text\/|application\/javascript|image\/svg\+xml)/.test(contentType);
  return {
    body,
    contentType,
    encoded: text ? compressedVariants(body) : null,
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
  };
}

export async function buildAssets(extraEntries: Record<string, string> = {}): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  const entries = { ...CLIENT_ENTRIES, ...extraEntries };
  for (const [name, entry] of Object.entries(entries)) {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: "iife",
      target: ["es2019"],
      write: false,
      legalComments: "none",
    });
    assets.set(name, asset(Buffer.from(result.outputFiles[0].contents), "text/javascript; charset=utf-8"));
  }
  for (const [name, file] of Object.entries(STYLESHEETS)) {
    assets.set(name, asset(readFileSync(file), "text/css; charset=utf-8"));
  }
  for (const [name, { file, contentType }] of Object.entries(FILES)) {
    assets.set(name, asset(readFileSync(file), contentType));
  }
  return assets;
}
