import { idCheckChar } from "../../platform/validation/china-ids.ts";
import assert from "node:assert/strict";
import type { TestContext } from "../../../test/engines.ts";
import type { StaffPrincipal } from "../staff/index.ts";
import type { ApplicationStatus } from "./tables.ts";
import { DEMO_PASSWORD } from "../../seed/demo-password.ts";
import { postCitizenForm } from "../../../test/citizen-form.ts";

export const FORM = { "content-type": "application/x-www-form-urlencoded" };

export function urlencoded(data: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(data)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
}

export function multipart(
  fields: Record<string, string>,
  files: { field: string; name: string; bytes: Buffer; type?: string }[],
) {
  const boundary = "----chuyuntest" + Math.random().toString(16).slice(2);
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files)
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\nContent-Type: ${f.type ?? "application/octet-stream"}\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from("\r\n"),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

/** A tiny valid PNG (1×1). */
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

export async function citizenLogin(
  t: TestContext,
  loginName: string,
  password = DEMO_PASSWORD,
): Promise<string> {
  const res = await postCitizenForm(t.app, "/sites/www/account/login", { loginName, password });
  assert.equal(res.statusCode, 303, res.body.slice(0, 300));
  const c = res.cookies.find((x) => x.name === "cy_citizen")!;
  return `cy_citizen=${c.value}`;
}

/** Signs a staff user in directly (the console login form belongs to another module). */
export async function staffCookie(
  t: TestContext,
  username: string,
): Promise<{ cookie: string; csrf: string; id: number }> {
  const user = await t.deps.store.db
    .selectFrom("staffUsers")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirstOrThrow();
  const { token, session } = await t.deps.sessions.create(user.id, "staff", 3600);
  return { cookie: `cy_staff=${t.app.signCookie(token)}`, csrf: session.csrf, id: user.id };
}

export function hiddenValue(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(m, `no hidden ${name}`);
  return m[1];
}

export function trackingFrom(location: string): string {
  const m = /receipt\/([A-Z]{2}\d{16})/.exec(location);
  assert.ok(m, `no tracking number in ${location}`);
  return m[1];
}

/** The staff principal of a demo user (as the console would build it). */
export async function principalOf(t: TestContext, username: string): Promise<StaffPrincipal> {
  const db = t.deps.store.db;
  const u = await db
    .selectFrom("staffUsers")
    .select(["id", "username", "displayName"])
    .where("username", "=", username)
    .executeTakeFirstOrThrow();
  const roles = await db
    .selectFrom("staffRoles")
    .select(["siteId", "role"])
    .where("userId", "=", u.id)
    .execute();
  return { ...u, isOperator: false, roles };
}

/**
 * Drives an application through its department's default workflow to 办结: the department's handler
 * accepts, reviews, delivers and closes; its leader (分管领导) decides.
 */
export async function handleToClosed(t: TestContext, appId: number, siteCode: string): Promise<void> {
  const apps = t.deps.oneStop.applications;
  const handler = await principalOf(t, `${siteCode}_handler`);
  const leader = await principalOf(t, `${siteCode}_leader`);
  const a = (await apps.byId(appId))!;
  const item = await t.deps.oneStop.catalogue.byCode(a.itemCode, true);
  await apps.act(handler, appId, "accept", { item });
  await apps.act(handler, appId, "complete", {});
  await apps.act(leader, appId, "decide", { outcome: "approved" });
  await apps.act(handler, appId, "deliver", {});
  await apps.act(handler, appId, "close", {});
}

const DEMO_ID17 = "42010219900307003";

/** A complete, valid 灵活就业登记 application as the demo form expects it. */
export const VALID_APPLICATION = {
  applicantName: "张三",
  idNumber: DEMO_ID17 + idCheckChar(DEMO_ID17),
  phone: "13900000001",
  "address.region": "江城市",
  "address.detail": "江滨路1号",
  startDate: "2026-03-02",
  form: "非全日制就业",
  // The ID card is fetched from the population registry (免提交) with the applicant's consent.
  onceOnlyConsent: "1",
};

/**
 * Fills and submits an item's application form as a signed-in citizen, the way a browser would
 * (CSRF and double-submit tokens read from the form page); `query` resumes a draft (`?app=ID`).
 */
export async function postApplication(
  t: TestContext,
  citizenCookie: string,
  site: string,
  itemCode: string,
  values: Record<string, string | string[]>,
  query = "",
) {
  const url = `/sites/${site}/services/apply/${itemCode}`;
  const page = await t.app.inject({ url: url + query, headers: { cookie: citizenCookie } });
  return t.app.inject({
    method: "POST",
    url,
    headers: { cookie: citizenCookie, ...FORM },
    payload: urlencoded({
      ...values,
      _csrf: hiddenValue(page.body, "_csrf"),
      _idem: hiddenValue(page.body, "_idem"),
      _action: "submit",
    }),
  });
}

/**
 * An application written straight to its table, as submitted (and, with `closedAt`, closed) at a
 * given time: tests of figures over past periods, which the workflow cannot backdate.
 */
export async function insertApplication(
  t: TestContext,
  a: {
    trackingNo: string;
    siteId: number;
    accountId: number;
    item: { code: string; name: string };
    status: ApplicationStatus;
    submittedAt: string;
    closedAt?: string | null;
    onTime?: number | null;
  },
): Promise<number> {
  const closedAt = a.closedAt ?? null;
  const inserted = await t.deps.store.db
    .insertInto("applications")
    .values({
      trackingNo: a.trackingNo,
      itemCode: a.item.code,
      itemName: a.item.name,
      siteId: a.siteId,
      accountId: a.accountId,
      bundleApplicationId: null,
      status: a.status,
      suspendedFrom: null,
      formVersion: 1,
      data: "{}",
      applicantIdIndex: null,
      applicantName: "测试",
      idempotencyKey: `test-${a.trackingNo}`,
      correctionNote: null,
      prereview: "",
      assigneeId: null,
      assigneeName: null,
      outcome: null,
      outcomeText: null,
      online: 1,
      visits: 0,
      acceptedOn: a.submittedAt.slice(0, 10),
      dueLegal: null,
      dueCommitted: null,
      dueDelivery: null,
      suspendedOn: null,
      onTime: a.onTime ?? null,
      submittedAt: a.submittedAt,
      decidedAt: closedAt,
      closedAt,
      createdAt: a.submittedAt,
      updatedAt: closedAt ?? a.submittedAt,
      workflowVersion: null,
      suspendKind: null,
      filing: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return inserted.id;
}
