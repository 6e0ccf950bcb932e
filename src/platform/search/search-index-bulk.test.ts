import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ENGINES, startPlatform, type TestContext } from "../../../test/engines.ts";
import { SearchIndex, type SearchDocument } from "./search-index.ts";

const KINDS = ["news", "notice", "policy"];

function doc(i: number): SearchDocument {
  return {
    key: `bulk:${i}`,
    kind: KINDS[i % 3],
    title: i % 5 === 0 ? `鹭洲公积金提取办法第${i}号` : `鹭洲工作动态第${i}期`,
    body: `鹭洲市住房公积金管理中心发布第${i}期信息。${i % 2 === 0 ? "涉及社会保险。" : ""}`,
    url: `/x/${i}`,
    siteIds: [1 + (i % 4)],
    publishedAt: `${2020 + (i % 5)}-03-0${1 + (i % 9)}T08:00:00.000Z`,
  };
}

for (const engine of ENGINES) {
  describe(`search index on ${engine}: bulk loading and large result sets`, () => {
    let t: TestContext;
    const N = 60;
    before(async () => {
      t = await startPlatform(engine, { seed: false });
      await t.deps.search.upsertMany(Array.from({ length: N }, (_, i) => doc(i)));
    });
    after(async () => t?.close());

    it("bulk-loaded documents are found like upserted ones, with exact counts and facets", async () => {
      // Every word is optional (issue 14): all documents mention 鹭洲, and the half that also speaks of
      // 社会保险 (社保) ranks first.
      const r = await t.deps.search.search({ q: "鹭洲 社保" });
      assert.equal(r.total, N);
      assert.equal(r.approximate, false);
      assert.ok(r.hits.length > 0);
      assert.ok(
        r.hits.every((h) => Number(h.url.slice("/x/".length)) % 2 === 0),
        "documents with both words rank above those with one",
      );
      assert.deepEqual(
        r.facets.kind.map((f) => f.count).reduce((a, b) => a + b, 0),
        N,
      );
      const policies = await t.deps.search.search({ q: "鹭洲", kind: "policy" });
      assert.equal(policies.total, N / 3);
      assert.ok(policies.hits.every((h) => h.kind === "policy"));
      // Title matches rank first.
      const titled = await t.deps.search.search({ q: "公积金提取" });
      assert.match(titled.hits[0].title, /公积金提取办法/);
    });

    it("past the candidate limit: exact total, estimated facets, still only matching hits", async () => {
      const small = new SearchIndex(t.deps.store, { candidateLimit: 10 });
      const r = await small.search({ q: "鹭洲", pageSize: 10 });
      assert.equal(r.total, N, "the total of an unfiltered query stays exact");
      assert.equal(r.approximate, true);
      assert.equal(r.hits.length, 10);
      const kindSum = r.facets.kind.reduce((a, f) => a + f.count, 0);
      assert.ok(Math.abs(kindSum - N) <= 3, `kind facet sums to about ${N}, got ${kindSum}`);
      const filtered = await small.search({ q: "鹭洲", year: 2021 });
      assert.ok(filtered.hits.every((h) => h.publishedAt.startsWith("2021")));
      assert.ok(filtered.total >= 10 && filtered.total <= N, `estimate ${filtered.total}`);
      const exact = await t.deps.search.search({ q: "鹭洲", year: 2021 });
      assert.equal(exact.total, N / 5);
    });

    it("a cached result is dropped as soon as the index changes", async () => {
      const cached = new SearchIndex(t.deps.store, { resultCacheMs: 60_000 });
      assert.equal((await cached.search({ q: "白鹭缓存" })).total, 0);
      await cached.upsert({ ...doc(999), key: "bulk:cache", title: "白鹭缓存测试" });
      assert.equal((await cached.search({ q: "白鹭缓存" })).total, 1);
      await cached.remove("bulk:cache");
      assert.equal((await cached.search({ q: "白鹭缓存" })).total, 0);
    });

    it("re-indexing a document replaces it", async () => {
      await t.deps.search.upsertMany([{ ...doc(1), title: "鹭洲改版后的标题" }]);
      const r = await t.deps.search.search({ q: "改版后的标题" });
      assert.equal(r.total, 1);
      assert.equal(await t.deps.search.count(), N);
    });
  });
}
