import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { idCheckChar } from "../platform/validation/china-ids.ts";
import { Faker } from "./desensitise.ts";

describe("desensitised copy: fakes", () => {
  it("gives every real ID number and phone its own fake, the same each time it is asked", () => {
    const fake = new Faker(randomBytes(32));
    // Many people of one district, birth year and sex: the fakes' room is small (about 180,000).
    const ids = Array.from({ length: 3000 }, (_, i) => {
      const first17 = `420106199001${String(1 + (i % 28)).padStart(2, "0")}${String(i % 1000).padStart(3, "0")}`;
      return first17.slice(0, 16) + "1" + idCheckChar(first17.slice(0, 16) + "1");
    });
    const real = [...new Set(ids)];
    const fakes = real.map((id) => fake.idNumber(id));
    assert.equal(new Set(fakes).size, real.length, "no two people share a fake ID number");
    for (const [i, f] of fakes.entries()) {
      assert.match(f, /^4201061990\d{7}[\dX]$/);
      assert.equal(f.slice(-1), idCheckChar(f.slice(0, 17)));
      assert.equal(fake.idNumber(real[i]), f, "consistent");
    }
    const phones = Array.from({ length: 3000 }, (_, i) => `1391234${String(i).padStart(4, "0")}`);
    assert.equal(new Set(phones.map((p) => fake.phone(p))).size, phones.length);
  });
});
