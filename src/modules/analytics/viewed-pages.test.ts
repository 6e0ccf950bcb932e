import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pageNumber, ViewedPages } from "./viewed-pages.ts";

describe("pages viewed per visitor", () => {
  it("remembers (visitor, page) pairs, tells them apart, and stops remembering when full", () => {
    const viewed = new ViewedPages(10);
    const home = pageNumber("/sites/zjt/");
    const other = pageNumber("/sites/zjt/interaction/");
    const visitor = 2 ** 51 + 12345;
    viewed.add(visitor, home);
    viewed.add(visitor, home);
    assert.equal(viewed.size, 1);
    assert.ok(viewed.has(visitor, home));
    assert.ok(!viewed.has(visitor, other));
    assert.ok(!viewed.has(visitor + 1, home));
    for (let v = 0; !viewed.full; v++) viewed.add(v, home);
    assert.equal(viewed.size, Math.floor(1024 * 0.7));
    viewed.add(visitor, other);
    assert.ok(!viewed.has(visitor, other), "a full table remembers nothing more");
    viewed.clear();
    assert.equal(viewed.size, 0);
    assert.ok(!viewed.has(visitor, home));
  });
});
