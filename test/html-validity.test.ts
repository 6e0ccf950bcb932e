// Every kind of public page, rendered by the demo platform, checked by two third-party HTML checkers:
// html-validate (its recommended rules) and the Nu Html Checker (vnu.jar, the W3C validator's engine).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { HtmlValidate, type ConfigData } from "html-validate";
import { ENGINES, startPlatform } from "./engines.ts";
import { citizenLogin } from "../src/modules/onestop/test-helpers.ts";

const run = promisify(execFile);
const VNU_JAR = createRequire(import.meta.url).resolve("vnu-jar/build/dist/vnu.jar");

const HTML_VALIDATE: ConfigData = {
  extends: ["html-validate:recommended"],
  rules: {
    // Pure serialiser style: Preact writes "<!doctype html>" and self-closes void elements (<meta />),
    // both valid HTML; the checkers below judge validity, not this spelling.
    "void-style": "off",
    "doctype-style": "off",
    // A group of checkboxes shares one name (multiple choice), as HTML intends; only the rule's default
    // list leaves checkbox out.
    "form-dup-name": ["error", { shared: ["radio", "checkbox", "button", "reset", "submit"] }],
  },
};

interface Rendered {
  name: string;
  url: string;
  status: number;
  html: string;
}

describe("HTML validity of every public page kind", { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "chuyun-html-"));
  const rendered: Rendered[] = [];

  before(async () => {
    for (const engine of ENGINES) {
      const t = await startPlatform(engine);
      try {
        const db = t.deps.store.db;
        const rst = t.deps.sites.byCodeCached("rst")!;
        const article = await db
          .selectFrom("articles as a")
          .innerJoin("articleChannels as ac", "ac.articleId", "a.id")
          .select("a.id")
          .where("a.status", "=", "published")
          .where("ac.siteId", "=", rst.id)
          .orderBy("a.id")
          .executeTakeFirstOrThrow();
        // One a person may apply for (the demo citizen fills the apply form).
        const item = await db
          .selectFrom("serviceItems")
          .select("code")
          .where("siteId", "=", rst.id)
          .where("forPerson", "=", 1)
          .orderBy("id")
          .executeTakeFirstOrThrow();
        const consultation = await db
          .selectFrom("consultations")
          .select("id")
          .orderBy("id")
          .executeTakeFirstOrThrow();
        const survey = await db.selectFrom("surveys").select("id").orderBy("id").executeTakeFirstOrThrow();
        const letter = await db
          .selectFrom("letters")
          .select(["id", "siteId"])
          .where("publishedAt", "is not", null)
          .orderBy("id")
          .executeTakeFirst();
        const letterSite = letter ? t.deps.sites.byId(letter.siteId)?.code : undefined;
        const citizen = await citizenLogin(t, "13900000001");
        const pages: Record<string, { url: string; cookie?: string; status?: number }> = {
          "home (portal)": { url: "/sites/www/" },
          "home (department)": { url: "/sites/rst/" },
          "elder home (high contrast, large cursor)": { url: "/sites/www/", cookie: "elder=1cx" },
          "column list": { url: "/sites/rst/col/tzgg/" },
          "column list (parent)": { url: "/sites/rst/col/zwgk/" },
          "column list (empty)": { url: "/sites/rst/col/zwgk/czyjs/" },
          article: { url: `/sites/rst/art/${article.id}.html` },
          "open-government directory": { url: "/sites/rst/zwgk" },
          "policy library": { url: "/sites/www/policies" },
          "site map": { url: "/sites/rst/sitemap" },
          "search results (portal)": { url: "/sites/www/search?q=社保" },
          "search results (department)": { url: "/sites/rst/search?q=社保" },
          "search (no query)": { url: "/sites/www/search" },
          "service hall": { url: "/sites/rst/services/" },
          "service bundles": { url: "/sites/www/services/bundles" },
          "service tracking": { url: "/sites/www/services/track" },
          "service statistics": { url: "/sites/www/services/stats" },
          guide: { url: `/sites/rst/services/item/${item.code}` },
          "apply form": { url: `/sites/rst/services/apply/${item.code}`, cookie: citizen },
          "licence wallet": { url: "/sites/www/account/licences", cookie: citizen },
          "bundle form (signed in)": { url: "/sites/www/services/bundles/xsecs", cookie: citizen },
          "my letters": { url: "/sites/rst/account/letters", cookie: citizen },
          "licence verifier": { url: "/sites/www/licences/verify" },
          "interaction home": { url: "/sites/rst/interaction/" },
          "letter form": { url: "/sites/rst/interaction/write" },
          "letter lookup": { url: "/sites/rst/interaction/lookup" },
          "public letters": { url: "/sites/rst/interaction/letters" },
          "disclosure request form": { url: "/sites/rst/disclosure/apply" },
          "disclosure lookup": { url: "/sites/rst/disclosure/lookup" },
          "elder disclosure request form": { url: "/sites/rst/disclosure/apply", cookie: "elder=1" },
          ...(letter && letterSite
            ? { "public letter": { url: `/sites/${letterSite}/interaction/letters/${letter.id}` } }
            : {}),
          consultations: { url: "/sites/www/interaction/consultations" },
          consultation: { url: `/sites/www/interaction/consultations/${consultation.id}` },
          surveys: { url: "/sites/www/interaction/surveys" },
          survey: { url: `/sites/www/interaction/surveys/${survey.id}` },
          assistant: { url: "/sites/www/assistant" },
          "report an error": { url: "/sites/rst/report-error?url=/sites/rst/" },
          "elder home": { url: "/sites/www/", cookie: "elder=1" },
          "elder article": { url: `/sites/rst/art/${article.id}.html`, cookie: "elder=1" },
          "elder letter form": { url: "/sites/rst/interaction/write", cookie: "elder=1" },
          "404 page": { url: "/sites/www/no-such-page", status: 404 },
          "404 page (unknown column)": { url: "/sites/rst/col/no-such-column/", status: 404 },
        };
        for (const [name, p] of Object.entries(pages)) {
          const res = await t.app.inject({ url: p.url, headers: p.cookie ? { cookie: p.cookie } : {} });
          assert.equal(res.statusCode, p.status ?? 200, `${name} ${p.url}`);
          assert.match(String(res.headers["content-type"]), /^text\/html/, `${name} is HTML`);
          rendered.push({ name: `${engine}: ${name}`, url: p.url, status: res.statusCode, html: res.body });
        }
      } finally {
        await t.close();
      }
    }
    rendered.forEach((page, i) => writeFileSync(join(dir, `page-${i}.html`), page.html));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("html-validate reports no errors on any page", async () => {
    const validator = new HtmlValidate(HTML_VALIDATE);
    const problems: string[] = [];
    for (const page of rendered) {
      const report = await validator.validateString(page.html, `${page.name}.html`);
      for (const r of report.results)
        for (const m of r.messages)
          if (m.severity === 2) problems.push(`${page.name} (${page.url}) ${m.ruleId}: ${m.message}`);
    }
    assert.ok(rendered.length >= 30, "every page kind was rendered");
    assert.deepEqual(problems, []);
  });

  it("the Nu Html Checker reports no errors on any page", async () => {
    // One JVM for every file: vnu takes several seconds to start.
    const files = rendered.map((_, i) => join(dir, `page-${i}.html`));
    const result = await run("java", ["-jar", VNU_JAR, "--format", "json", "--errors-only", ...files], {
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? "",
      stderr: error.stderr ?? "",
    }));
    const report = JSON.parse(result.stderr || result.stdout) as {
      messages: { type: string; url?: string; message: string; extract?: string }[];
    };
    const problems = report.messages
      .filter((m) => m.type === "error" || m.type === "non-document-error")
      .map((m) => {
        const index = Number(/page-(\d+)\.html$/.exec(m.url ?? "")?.[1]);
        const page = rendered[index];
        return `${page ? `${page.name} (${page.url})` : m.url}: ${m.message} ${m.extract ?? ""}`;
      });
    assert.deepEqual(problems, []);
  });
});
