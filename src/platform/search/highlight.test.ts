import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WordMatcher } from "./highlight.ts";

describe("WordMatcher (highlighting without a pattern per query)", () => {
  it("marks the longest word at the leftmost position, ignoring case, and escapes the rest", () => {
    const marker = new WordMatcher(["社会保险", "社保", "app"]);
    assert.equal(
      marker.mark("<b>社会保险</b>与社保APP"),
      "&lt;b&gt;<mark>社会保险</mark>&lt;/b&gt;与<mark>社保</mark><mark>APP</mark>",
    );
  });

  it("keeps overlapping words apart: after a match, the search goes on from its end", () => {
    const marker = new WordMatcher(["养老保险", "保险费"]);
    assert.equal(marker.mark("养老保险费"), "<mark>养老保险</mark>费");
    assert.equal(marker.mark("保险费与养老保险"), "<mark>保险费</mark>与<mark>养老保险</mark>");
  });

  it("cuts a snippet around the first match and marks every match in it", () => {
    const body = `${"前言".repeat(40)} 办理社保卡需要身份证。社保卡可以在银行网点领取。`;
    const text = new WordMatcher(["社保卡"]).snippet(body, 40);
    assert.ok(text.startsWith("…"));
    assert.match(text, /办理<mark>社保卡<\/mark>需要身份证。<mark>社保卡<\/mark>/);
  });

  it("keeps indexes right in text whose lower case changes length", () => {
    assert.equal(new WordMatcher(["公积金"]).mark("İ公积金"), "İ<mark>公积金</mark>");
  });

  it("finds words without case (Chinese, digits) in text with capitals", () => {
    assert.equal(
      new WordMatcher(["社保", "2026"]).mark("SB社保No.2026"),
      "SB<mark>社保</mark>No.<mark>2026</mark>",
    );
  });
});
