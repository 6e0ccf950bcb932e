import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { actionText, targetText } from "./audit-labels.ts";

/** Every action code written as a literal in the source (`action: "article.submit"`). */
function recordedCodes(dir = "src"): string[] {
  const codes = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const code of recordedCodes(path)) codes.add(code);
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts"))
      for (const m of readFileSync(path, "utf8").matchAll(/\baction: "([a-z_-]+(?:\.[a-z_-]+)+)"/g))
        codes.add(m[1]);
  }
  return [...codes];
}

describe("audit log actions in words", () => {
  it("names every target type the platform records", () => {
    const types = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts"))
          for (const m of readFileSync(path, "utf8").matchAll(/\btargetType: "([a-z_]+)"/g)) types.add(m[1]);
      }
    };
    walk("src");
    assert.ok(types.size > 20);
    assert.deepEqual(
      [...types].filter((type) => targetText(type, 1) === `${type} 第1号`),
      [],
    );
    assert.equal(targetText("article", "12"), "信息 第12号");
  });

  it("names what was done for every action the platform records", () => {
    const codes = recordedCodes();
    assert.ok(codes.length > 50, `${codes.length} codes found`);
    const unnamed = codes.filter((code) => !actionText(code)?.includes("·"));
    assert.deepEqual(unnamed, []);
  });

  it("reads the whole code, so a withdrawn consent is not a revoked licence", () => {
    assert.equal(actionText("licence.consent.revoke"), "电子证照·撤回查询同意");
    assert.equal(actionText("licence.revoke"), "电子证照·撤销");
    assert.equal(actionText("federation.receive.registry.query"), "跨省通办·收到消息");
    assert.equal(actionText("article.something.new"), "信息", "an unknown action: the subject only");
    assert.equal(actionText("unknown.thing"), null);
    // Codes built from a variable (application.${action}…): the steps those modules record.
    for (const [code, words] of [
      ["application.accept", "办件·受理"],
      ["letter.transferred", "信件·转办"],
      ["disclosure.correction_requested", "依申请公开·要求补正"],
      ["licence.revocation", "电子证照·吊销"],
      ["assistant.faq.add_alternative", "智能客服·添加问法"],
      ["survey.question_add", "网上调查·添加题目"],
      ["policy.grant.uphold", "惠企政策·维持兑现"],
    ])
      assert.equal(actionText(code), words);
  });
});
