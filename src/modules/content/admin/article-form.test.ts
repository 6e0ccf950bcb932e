import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseTable, tableToCsv } from "./article-form.ts";

describe("budget table in the article form", () => {
  it("shows a saved table so that saving it again keeps every cell, commas included", () => {
    const table = {
      columns: ["科目", "预算数（万元）", "说明"],
      rows: [
        ["一般公共服务支出", "1,200", "含人员经费，公用经费"],
        ["教育支出", "800", ""],
      ],
    };
    assert.deepEqual(parseTable(tableToCsv(table)), table);
    const plain = { columns: ["科目", "预算数"], rows: [["教育支出", "800"]] };
    assert.equal(tableToCsv(plain), "科目, 预算数\n教育支出, 800");
    assert.deepEqual(parseTable(tableToCsv(plain)), plain);
  });
});
