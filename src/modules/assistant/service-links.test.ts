import assert from "node:assert/strict";
import { test } from "node:test";
import type { FaqEntry } from "./faq-file.ts";
import { matchServiceItems, type ServiceGuideItem } from "./service-links.ts";

const item = (code: string, name: string, keywords: string[] = []): ServiceGuideItem => ({
  code,
  name,
  keywords,
  guideHref: `/sites/x/services/item/${code}`,
  applyHref: `/sites/x/services/apply/${code}`,
});

const entry = (
  id: string,
  question: string,
  keywords: string[] = [],
  alternatives: string[] = [],
): FaqEntry => ({
  id,
  department: "部门",
  category: "分类",
  question,
  answer: "答案。",
  keywords,
  alternatives,
});

const items = [
  item("GJJ-1", "住房公积金提取（购买自住住房）"),
  item("GJJ-2", "住房公积金提取（离职、退休）"),
  item("SB-1", "社会保障卡申领", ["社会保障"]),
  item("BDC-1", "不动产抵押登记"),
  item("BDC-2", "不动产登记（存量房转移登记）"),
  item("JH-1", "内地居民结婚登记"),
];

test("an entry is linked to the service item its question names, siblings told apart by their qualifier", () => {
  const links = matchServiceItems(
    [
      entry("a", "购买自住住房时，怎样提取住房公积金？"),
      entry("b", "职工退休后，怎样提取住房公积金余额？"),
      entry("c", "租房居住的职工怎样提取住房公积金？"),
      entry("d", "第三代社会保障卡在哪里申领？", ["社会保障"]),
      entry("e", "贷款买房时，不动产抵押登记怎样办理？"),
      entry("f", "买了新建商品房，怎样办理不动产权证书？"),
      entry("g", "驾照扣满12分了怎么办？"),
    ],
    items,
  );
  assert.deepEqual(
    links.get("a")?.map((i) => i.code),
    ["GJJ-1"],
  );
  assert.deepEqual(
    links.get("b")?.map((i) => i.code),
    ["GJJ-2"],
  );
  // 租房 is neither sibling: no link rather than a wrong one.
  assert.equal(links.get("c"), undefined);
  assert.deepEqual(
    links.get("d")?.map((i) => i.code),
    ["SB-1"],
  );
  assert.deepEqual(
    links.get("e")?.map((i) => i.code),
    ["BDC-1"],
  );
  // Only the generic 不动产 is shared: the entry names neither 抵押 nor 转移.
  assert.equal(links.get("f"), undefined);
  assert.equal(links.get("g"), undefined);
});

test("no items, no links", () => {
  assert.equal(matchServiceItems([entry("a", "怎么办理结婚登记")], []).size, 0);
});
