import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formSchemaIssues, readValues, validateValues, type FormSchema } from "./forms.ts";
import { draftOf, schemaOf } from "./form-builder.ts";

const symptoms: FormSchema = {
  fields: [
    {
      name: "symptoms",
      label: "症状",
      type: "multiselect",
      options: ["发热", "咳嗽", "无以上症状"],
      exclusiveOption: "无以上症状",
    },
  ],
};

describe("multiselect with an exclusive option", () => {
  it("takes the exclusive option alone, or any others without it", () => {
    const check = (chosen: string[]) => validateValues(symptoms, readValues(symptoms, { symptoms: chosen }));
    assert.deepEqual(check(["无以上症状"]), {});
    assert.deepEqual(check(["发热", "咳嗽"]), {});
    assert.deepEqual(check(["发热", "无以上症状"]), { symptoms: "症状：“无以上症状”不能与其他选项同时选择" });
  });

  it("is refused in a schema unless it is one of a multiselect's options", () => {
    assert.deepEqual(formSchemaIssues(symptoms), []);
    const wrong = { fields: [{ ...symptoms.fields[0], exclusiveOption: "都没有" }] };
    assert.deepEqual(
      formSchemaIssues(wrong).map((i) => i.message),
      ["互斥选项 exclusiveOption 只用于多选题，且须是其选项之一"],
    );
  });

  it("survives the form builder: opened and saved there, the rule stays", () => {
    const { schema, errors } = schemaOf(symptoms.fields.map(draftOf));
    assert.deepEqual(errors, {});
    assert.deepEqual(schema, symptoms);
  });
});
