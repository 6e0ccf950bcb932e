import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CliArgsError, readArgs } from "./args.ts";

describe("command-line arguments", () => {
  const options = { site: { type: "string" }, json: { type: "boolean" } } as const;
  const problem = (args: string[]) => {
    try {
      readArgs({ args, options });
      return null;
    } catch (error) {
      assert.ok(error instanceof CliArgsError);
      return error.message;
    }
  };

  it("says in Chinese what was typed wrong", () => {
    assert.equal(problem(["--site"]), "参数 --site 缺少取值");
    assert.equal(problem(["--bogus"]), "不认识的参数 --bogus");
    assert.equal(problem(["--json=yes"]), "参数 --json 不需要取值");
    assert.equal(problem(["rst"]), "多余的参数 rst");
  });

  it("reads a right command line", () => {
    assert.deepEqual(
      { ...readArgs({ args: ["--site", "rst", "--json"], options }).values },
      {
        site: "rst",
        json: true,
      },
    );
  });
});
