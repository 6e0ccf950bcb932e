import { execFile } from "node:child_process";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The CJK fonts a printed page asks for (Debian's fonts-noto-cjk); the page names them, never assumes one. */
export const CJK_FONT_STACK = '"Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", serif';

/** Printing is not possible here (no Chromium, or it failed); callers offer the HTML instead. */
export class PdfUnavailable extends Error {}

/**
 * Prints a self-contained HTML document to PDF with headless Chromium
 * (`chromium --headless --print-to-pdf`). The HTML must not load anything from the network.
 */
export async function printPdf(html: string, chromiumPath: string, timeoutMs = 60_000): Promise<Buffer> {
  try {
    await access(chromiumPath);
  } catch {
    throw new PdfUnavailable(`Chromium not found at ${chromiumPath}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "chuyun-pdf-"));
  try {
    const input = join(dir, "page.html");
    const output = join(dir, "page.pdf");
    await writeFile(input, html, "utf8");
    await new Promise<void>((resolve, reject) => {
      execFile(
        chromiumPath,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--no-first-run",
          "--no-pdf-header-footer",
          `--user-data-dir=${join(dir, "profile")}`,
          `--print-to-pdf=${output}`,
          `file://${input}`,
        ],
        { timeout: timeoutMs },
        (error) => (error ? reject(new PdfUnavailable(`Chromium failed: ${error.message}`)) : resolve()),
      );
    });
    const pdf = await readFile(output).catch(() => null);
    if (!pdf || pdf.subarray(0, 5).toString("latin1") !== "%PDF-")
      throw new PdfUnavailable("Chromium wrote no PDF");
    return pdf;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
