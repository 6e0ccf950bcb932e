import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileTypeFromBuffer } from "file-type";
import { BENCH_FORM, benchValues, pdfLike, submissions } from "../bench/apply.ts";
import { DEMO_CITIZENS } from "../src/modules/onestop/seed.ts";
import { DEMO_PASSWORD } from "../src/seed/demo-password.ts";
import { citizenLogin } from "../src/modules/onestop/test-helpers.ts";
import { startPlatform, type TestContext } from "./engines.ts";

// The application benchmark (npm run bench, bench/apply.ts) must measure real, accepted submissions.
describe("application benchmark request", () => {
  let t: TestContext;
  before(async () => {
    t = await startPlatform("sqlite");
  });
  after(async () => t?.close());

  it("builds a 200 KB file that is detected as PDF", async () => {
    const { bytes } = pdfLike(200 * 1024);
    assert.equal(bytes.length, 204_800);
    assert.equal(bytes.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.equal((await fileTypeFromBuffer(bytes))?.mime, "application/pdf");
  });

  it("is a 20-field form the server accepts, one application per body, each with its own attachment", async () => {
    assert.equal(BENCH_FORM.fields.length, 20);
    const rst = t.deps.sites.byCodeCached("rst")!;
    const item = (await t.deps.oneStop.catalogue.byCode(`${rst.siteCode}-GG-0003`, true))!;
    const form = await t.deps.oneStop.forms.save(item, JSON.stringify(BENCH_FORM), "基准测试", "test");
    const cookie = await citizenLogin(t, DEMO_CITIZENS.person.loginName);
    const url = `/sites/rst/services/apply/${item.code}`;
    const page = await t.app.inject({ url, headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    const account = await t.deps.accounts.authenticate(DEMO_CITIZENS.person.loginName, DEMO_PASSWORD);
    const bodies = submissions({ ...benchValues(account.idNumber ?? ""), _csrf: csrf, _action: "submit" });
    const receipts = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({
        method: "POST",
        url,
        headers: { cookie, "content-type": bodies.contentType },
        payload: bodies.next(),
      });
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      const location = String(res.headers.location);
      assert.match(location, /\/services\/receipt\/[^?]+$/, "a new application, not a duplicate");
      receipts.add(location);
    }
    assert.equal(receipts.size, 2);
    const stored = await t.deps.store.db
      .selectFrom("applications")
      .innerJoin("applicationFiles", "applicationFiles.applicationId", "applications.id")
      .select(["applications.status", "applications.data", "applicationFiles.mime", "applicationFiles.size"])
      .where("applications.accountId", "=", account.id)
      .where("applications.formVersion", "=", form.version)
      .execute();
    assert.equal(stored.length, 2);
    for (const s of stored) {
      assert.equal(s.status, "prereview");
      assert.equal(s.mime, "application/pdf");
      assert.equal(s.size, 204_800);
      assert.equal(JSON.parse(s.data).platform, "楚云同城配送有限公司", "the conditional field is kept");
    }
  });
});
