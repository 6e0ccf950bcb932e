import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { render } from "preact-render-to-string";
import { SelectField } from "./form.tsx";

const options = [
  { value: "1", label: "省政府门户" },
  { value: "2", label: "人社厅" },
];

describe("SelectField", () => {
  it("keeps the chosen option and ties the hint and error to the control", () => {
    const html = render(
      <SelectField
        id="siteId"
        label="网站"
        hint="只列出您管理的网站"
        error="请选择网站"
        options={options}
        value="2"
      />,
    );
    assert.match(html, /<option value="2" selected>人社厅<\/option>/);
    assert.doesNotMatch(html, /<option value="1" selected/);
    assert.match(html, /aria-invalid="true"/);
    assert.match(html, /aria-describedby="siteId-hint siteId-error"/);
    assert.match(html, /<span class="field-error" id="siteId-error">/);
  });

  it("offers an empty first choice when asked, and no error state without an error", () => {
    const html = render(
      <SelectField id="kind" label="证照种类" placeholder="请选择" options={options} value={undefined} />,
    );
    assert.match(html, /<select id="kind" name="kind"><option value(="")?>请选择<\/option>/);
    assert.doesNotMatch(html, /aria-invalid|aria-describedby| selected/);
  });
});
