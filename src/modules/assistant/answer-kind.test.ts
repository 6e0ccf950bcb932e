import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { figureNotGiven, placeNotCovered } from "./answer-kind.ts";

describe("answer kinds", () => {
  const allowance = "高龄老人津贴怎样申领？";
  const allowanceAnswer = "起始年龄一般是80周岁，发放标准各地不同，以当地规定为准。";

  it("flags a question for an amount the entry neither states nor is asked for", () => {
    assert.equal(figureNotGiven("百岁老人的长寿补贴一个月多少钱", allowance, allowanceAnswer), 1);
    assert.equal(
      figureNotGiven("契税要交百分之几", "房屋赠与怎样办理转移登记？", "受赠人应依法缴纳契税。"),
      1,
    );
    // The entry states a figure, or its own question asks for one.
    assert.equal(figureNotGiven("补贴一个月多少钱", allowance, "每人每月发放100元。"), 0);
    assert.equal(
      figureNotGiven("失业金一个月能领多少钱", "失业保险金每个月的标准是多少？", "以当地公布的标准为准。"),
      0,
    );
  });

  it("does not take a duration or a plain question for a figure", () => {
    assert.equal(figureNotGiven("失业金最长能领多少个月", allowance, allowanceAnswer), 0);
    assert.equal(figureNotGiven("退税要多少天到账", allowance, allowanceAnswer), 0);
    assert.equal(figureNotGiven("高龄津贴怎么申请", allowance, allowanceAnswer), 0);
  });

  it("does not take a count, an age, a stated amount or a balance for a figure asked", () => {
    const divorce = "离婚登记要带什么材料？";
    const divorceAnswer = "双方带身份证、户口簿和离婚协议书到婚姻登记机关申请。";
    assert.equal(figureNotGiven("离婚登记需要提交多少份离婚协议书", divorce, divorceAnswer), 0);
    assert.equal(figureNotGiven("住院花了十几万医保能报吗", divorce, divorceAnswer), 0);
    assert.equal(figureNotGiven("医保卡里还剩好多钱 手机上哪里能看到", divorce, divorceAnswer), 0);
    assert.equal(figureNotGiven("退休年龄上限是多少", divorce, divorceAnswer), 0);
    assert.equal(figureNotGiven("补领身份证工本费多少", divorce, divorceAnswer), 1);
    assert.equal(figureNotGiven("住院能报销多少", divorce, divorceAnswer), 1);
  });

  it("flags a place outside the province only when the entry does not cover it", () => {
    const local = "租房提取公积金：在省政务服务网或公积金中心办理。";
    assert.equal(placeNotCovered(["深圳", "公积金", "租房"], local), 1);
    assert.equal(placeNotCovered(["在", "德国", "养老保险"], local), 1);
    assert.equal(placeNotCovered(["上海市", "公积金"], local), 1);
    assert.equal(placeNotCovered(["租房", "提取", "公积金"], local), 0);
    // Words are as segmented: 东西安全 holds no 西安, 周日本人 no 日本.
    assert.equal(placeNotCovered(["东西", "安全", "投诉"], local), 0);
    assert.equal(placeNotCovered(["周日", "本人", "办理"], local), 0);
    // An entry about moving across regions speaks for other places; one naming the place covers it.
    assert.equal(placeNotCovered(["上海", "社保", "转回来"], "养老保险关系跨省转移接续怎么办？"), 0);
    assert.equal(placeNotCovered(["香港", "签注"], "往来港澳通行证和签注：去香港、澳门前办理。"), 0);
    // A property's 转移登记 is not a move across regions.
    assert.equal(placeNotCovered(["上海", "二手房", "过户"], "二手房买卖后办理转移登记。"), 1);
  });
});
