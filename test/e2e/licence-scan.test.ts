import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import QRCode from "qrcode";
import type { Browser } from "playwright-core";
import { launchChromium } from "./browser.ts";
import { startPlatform, type TestContext } from "../engines.ts";

/**
 * A Y4M clip (4:2:0) of `frames` identical frames showing the QR code of `text`, black on white with a
 * quiet zone, for Chromium's fake camera (`--use-file-for-fake-video-capture`).
 */
function qrClip(text: string, width: number, height: number, frames = 2): Buffer {
  const qr = QRCode.create(text, { errorCorrectionLevel: "L" });
  const n = qr.modules.size;
  const scale = Math.floor((Math.min(width, height) * 0.95) / (n + 8));
  assert.ok(scale >= 2, `the QR code (${n} modules) does not fit ${width}×${height}`);
  const left = Math.floor((width - n * scale) / 2);
  const top = Math.floor((height - n * scale) / 2);
  const y = Buffer.alloc(width * height, 235); // white (video range)
  for (let row = 0; row < n; row++)
    for (let col = 0; col < n; col++) {
      if (!qr.modules.get(row, col)) continue;
      for (let dy = 0; dy < scale; dy++)
        y.fill(
          16,
          (top + row * scale + dy) * width + left + col * scale,
          (top + row * scale + dy) * width + left + (col + 1) * scale,
        );
    }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128); // U and V: no colour
  const frame = Buffer.concat([Buffer.from("FRAME\n"), y, chroma]);
  return Buffer.concat([
    Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`),
    ...Array.from({ length: frames }, () => frame),
  ]);
}

/**
 * The verifier page's camera scan in Chromium: the fake camera plays a clip of a real 亮证 QR code
 * (the demo citizen's 居民身份证, only "年满18周岁" disclosed); the page reads it (BarcodeDetector where
 * the browser has it, jsQR otherwise), submits, and shows the verification result.
 */
describe("licence verifier: scanning a 亮证 QR code with the camera in Chromium", () => {
  let t: TestContext;
  let browser: Browser;
  let origin: string;
  let dir: string;

  before(async () => {
    t = await startPlatform("sqlite");
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const address = t.app.server.address();
    origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    dir = await mkdtemp(join(tmpdir(), "chuyun-scan-"));
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads the QR code from the camera, submits it and shows 有效 with the disclosed item only", async () => {
    const holder = (await t.deps.accounts.verifiedHolders()).people.find((p) => p.name === "张三")!;
    const account = (await t.deps.accounts.byIdNumber(holder.idNumber))!;
    const card = (await t.deps.licences.mine(account.id)).find((l) => l.kind.name === "居民身份证")!;
    const { presentation } = await t.deps.licences.present(card.id, account.id, ["ageOver18"]);
    const clip = join(dir, "qr.y4m");
    await writeFile(clip, qrClip(presentation, 1280, 720));
    browser = await launchChromium([
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${clip}`,
    ]);
    const context = await browser.newContext({ locale: "zh-CN" });
    await context.grantPermissions(["camera"], { origin });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));

    await page.goto(`${origin}/sites/www/licences/verify`);
    await page.getByRole("button", { name: "用摄像头扫码" }).click();
    const result = page.locator("section[aria-live]");
    await result.waitFor({ timeout: 30_000 });
    assert.match(await result.innerText(), /核验通过：证照真实有效/);
    assert.match(await result.innerText(), /年满18周岁/);
    assert.doesNotMatch(await result.innerText(), /公民身份号码/, "only the chosen item is disclosed");
    assert.equal(await page.locator("#presentation").inputValue(), presentation);
    assert.deepEqual(problems, []);
  });
});
