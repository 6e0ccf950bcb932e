import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  creditCodeCheckChar,
  creditCodeProblem,
  idCheckChar,
  idNumberProblem,
  idRegionProblem,
  phoneProblem,
} from "./china-ids.ts";

describe("Chinese identifier checksums", () => {
  it("accepts a valid GB 11643 ID number and rejects a wrong check digit or impossible birth date", () => {
    const base = "11010519491231002";
    const valid = base + idCheckChar(base);
    assert.equal(valid, "11010519491231002X");
    assert.equal(idNumberProblem(valid), null);
    assert.equal(idNumberProblem(valid.toLowerCase()), null);
    assert.match(idNumberProblem(base + "1")!, /校验位/);
    assert.match(idNumberProblem("110105194902300021")!, /出生日期/);
    assert.match(idNumberProblem("12345")!, /18位/);
  });

  it("checks unified social credit codes (GB 32100)", () => {
    const base = "91420100MA4K0000" + "0";
    const valid = base + creditCodeCheckChar(base);
    assert.equal(creditCodeProblem(valid), null);
    assert.equal(creditCodeProblem("91350100M000100Y43"), null); // a published example code
    assert.match(creditCodeProblem(base + (valid[17] === "0" ? "1" : "0"))!, /校验位/);
  });

  it("accepts mobile and landline numbers", () => {
    assert.equal(phoneProblem("13812345678"), null);
    assert.equal(phoneProblem("027-12345678"), null);
    assert.match(phoneProblem("12345")!, /手机号码/);
    // Zeros are no area code and no local number.
    assert.match(phoneProblem("00000000000")!, /手机号码/);
    assert.match(phoneProblem("027-02345678")!, /手机号码/);
  });

  it("takes the region of a mainland ID number and of a Hong Kong, Macao or Taiwan resident's permit", () => {
    assert.equal(idRegionProblem("420106199001011234"), null);
    for (const prefix of ["810000", "820000", "830000"]) {
      const first17 = `${prefix}19900101123`;
      const id = first17 + idCheckChar(first17);
      assert.equal(idNumberProblem(id), null);
      assert.equal(idRegionProblem(id), null, prefix);
    }
    assert.match(idRegionProblem("990106199001011234")!, /行政区划/);
    assert.match(idRegionProblem("420006199001011234")!, /行政区划/);
  });
});
