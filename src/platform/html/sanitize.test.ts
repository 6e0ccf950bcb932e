import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sanitizeHighlighted, sanitizeRichText } from "./sanitize.ts";

describe("rich text sanitising", () => {
  it("keeps what editors need and drops scripts, handlers and javascript: links", () => {
    const out = sanitizeRichText(
      '<h2>标题</h2><p onclick="x()">正文<script>alert(1)</script></p><a href="javascript:alert(1)">链接</a>' +
        "<table><tr><td>1</td></tr></table>",
    );
    assert.match(out, /<h2>标题<\/h2>/);
    assert.match(out, /<td>1<\/td>/);
    assert.doesNotMatch(out, /script|onclick|javascript:/i);
  });
});

describe("highlighted text sanitising", () => {
  it("keeps only bare <mark> tags and shows everything else as text", () => {
    assert.equal(sanitizeHighlighted("办理<mark>社保</mark>卡"), "办理<mark>社保</mark>卡");
    assert.equal(
      sanitizeHighlighted('<script>alert(1)</script><img src=x onerror=alert(1)><mark onclick="x">'),
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;mark onclick="x"&gt;',
    );
    assert.equal(sanitizeHighlighted("a &amp; b"), "a &amp; b", "entities already escaped stay as they are");
  });
});
