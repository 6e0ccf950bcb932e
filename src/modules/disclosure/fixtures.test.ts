import type { TestContext } from "../../../test/engines.ts";
import { idCheckChar } from "../../platform/validation/china-ids.ts";
import { multipart } from "../mailbox/test-helpers.ts";
import { PNG } from "../onestop/test-helpers.ts";

/** Shared fixtures of the disclosure tests (no tests here). */

const ID17 = "42010219800101123";
export const ID_NUMBER = ID17 + idCheckChar(ID17);

export const APPLY_FIELDS = {
  applicantKind: "person",
  orgType: "",
  description: "2025年度本厅就业补助资金分配结果及相关文件",
  purpose: "了解补助政策",
  delivery: "electronic",
  identity: "upload",
  name: "李四光",
  idNumber: ID_NUMBER,
  phone: "13912345678",
  email: "",
  address: "",
};

/** Files a request through the public form as a browser does (multipart, ID upload). */
export async function fileRequest(
  t: TestContext,
  site = "rst",
  fields: Record<string, string> = {},
  file: { name: string; bytes: Buffer; type: string } | null = {
    name: "身份证.png",
    bytes: PNG,
    type: "image/png",
  },
  cookie?: string,
) {
  const body = multipart(
    { ...APPLY_FIELDS, ...fields },
    file ? [{ field: "idFile", name: file.name, type: file.type, bytes: file.bytes }] : [],
  );
  const res = await t.app.inject({
    method: "POST",
    url: `/sites/${site}/disclosure/apply`,
    payload: body.payload,
    headers: { ...body.headers, ...(cookie ? { cookie } : {}) },
  });
  const queryNo = /class="query-no">(\d{14})</.exec(res.body)?.[1] ?? "";
  const lookupCode = /class="lookup-code">([A-Za-z0-9_-]+)</.exec(res.body)?.[1] ?? "";
  return { res, queryNo, lookupCode };
}
