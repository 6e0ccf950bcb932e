import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { createAppDeps } from "../src/container.ts";
import { loadConfig } from "../src/config.ts";
import { DEMO_CITIZENS } from "../src/modules/onestop/seed.ts";
import { DEMO_PASSWORD } from "../src/seed/demo-password.ts";
import { freePort, startApp, stopChild, waitForHttp } from "./servers.ts";

/**
 * Submitting an application online: a demo citizen posts a 20-field form (19 values and one
 * 200 KB PDF attachment) as multipart/form-data to the same URL the browser uses, each request
 * with its own idempotency key and its own file bytes (blobs are stored by content hash, so equal
 * files would not be written again). Every accepted submission answers 303 to its receipt.
 */

/** The benchmark form: 20 fields covering the field types citizens meet most. */
export const BENCH_FORM = {
  fields: [
    { name: "applicantName", label: "姓名", type: "text", required: true, maxLength: 30 },
    { name: "idNumber", label: "身份证号码", type: "idnumber", required: true },
    { name: "phone", label: "手机号码", type: "phone", required: true },
    { name: "address", label: "居住地址", type: "address", required: true },
    { name: "startDate", label: "灵活就业开始日期", type: "date", required: true },
    {
      name: "form",
      label: "就业形式",
      type: "select",
      required: true,
      options: ["个体经营", "非全日制就业", "新就业形态（平台就业）", "其他灵活就业"],
    },
    {
      name: "platform",
      label: "平台企业名称",
      type: "text",
      required: true,
      when: { field: "form", equals: "新就业形态（平台就业）" },
    },
    { name: "monthlyIncome", label: "月均收入（元）", type: "number", min: 0, max: 1000000 },
    { name: "workHours", label: "每周工作小时数", type: "number", min: 0, max: 100, required: true },
    {
      name: "needs",
      label: "需要的服务",
      type: "multiselect",
      options: ["社会保险参保", "职业技能培训", "创业担保贷款", "就业岗位推荐"],
    },
    {
      name: "education",
      label: "学历",
      type: "select",
      options: ["初中及以下", "高中/中专", "大专", "本科及以上"],
    },
    { name: "skill", label: "职业技能", type: "text", maxLength: 60 },
    { name: "employerName", label: "原工作单位", type: "text", maxLength: 100 },
    { name: "leaveDate", label: "离职日期", type: "date" },
    { name: "bank", label: "开户银行", type: "text", maxLength: 60, required: true },
    {
      name: "bankAccount",
      label: "银行账号",
      type: "text",
      required: true,
      pattern: "^\\d{12,19}$",
      patternMessage: "银行账号须为12至19位数字",
    },
    { name: "contactName", label: "紧急联系人", type: "text", maxLength: 30 },
    { name: "contactPhone", label: "紧急联系人电话", type: "phone" },
    { name: "remark", label: "情况说明", type: "textarea", maxLength: 500 },
    {
      name: "proof",
      label: "灵活就业情况说明",
      type: "file",
      required: true,
      accept: ["application/pdf"],
      maxSizeKb: 1024,
    },
  ],
};

export interface ApplyResult {
  fields: number;
  attachmentBytes: number;
  requestBytes: number;
  connections: number;
  seconds: number;
  /** Accepted submissions per second (303 to the receipt). */
  rps: number;
  p50: number;
  p99: number;
  accepted: number;
  failed: number;
  /** Submitted applications found in the database afterwards (with their stored attachment)… */
  stored: number;
  /** …and how many were accepted in all (including the probe and the warm-up). */
  acceptedInAll: number;
  /** Answers that pointed to an earlier submission (should be 0: every request is new). */
  duplicates: number;
}

const ATTACHMENT_BYTES = 200 * 1024;

/** A PDF-like file of exactly `size` bytes: real header, one stream object, xref, trailer. */
export function pdfLike(size: number): { bytes: Buffer; markerAt: number } {
  const head = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";
  const tail = "\nendstream\nendobj\nxref\n0 4\ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n";
  const streamHead = (n: number) => `3 0 obj\n<< /Length ${String(n).padStart(7, "0")} >>\nstream\n`;
  const fixed =
    Buffer.byteLength(head, "latin1") + Buffer.byteLength(streamHead(0)) + Buffer.byteLength(tail);
  const streamLength = size - fixed;
  const body = randomBytes(streamLength);
  const bytes = Buffer.concat([
    Buffer.from(head, "latin1"),
    Buffer.from(streamHead(streamLength)),
    body,
    Buffer.from(tail),
  ]);
  // Where each request writes its own 16 bytes, so every attachment is a different file.
  return { bytes, markerAt: Buffer.byteLength(head, "latin1") + Buffer.byteLength(streamHead(0)) };
}

/** What the demo citizen types into the 20-field form. */
export function benchValues(idNumber: string): Record<string, string | string[]> {
  return {
    applicantName: DEMO_CITIZENS.person.name,
    idNumber,
    phone: DEMO_CITIZENS.person.loginName,
    "address.region": "江城市",
    "address.detail": "江城区楚云大道100号3栋2单元501室",
    startDate: "2026-03-01",
    form: "新就业形态（平台就业）",
    platform: "楚云同城配送有限公司",
    monthlyIncome: "6800",
    workHours: "44",
    needs: ["社会保险参保", "职业技能培训"],
    education: "大专",
    skill: "电工（中级）",
    employerName: "江城市某商贸有限公司",
    leaveDate: "2025-12-31",
    bank: "中国工商银行江城分行",
    bankAccount: "6222020200112233445",
    contactName: "李四",
    contactPhone: "13800138000",
    remark: "本人自2026年3月起在平台从事配送工作，申请办理灵活就业登记。",
    // The ID card is fetched from the population registry (免提交) with the applicant's consent.
    onceOnlyConsent: "1",
  };
}

/**
 * Multipart bodies of the form: the same values each time, but every body has its own idempotency
 * key and its own attachment bytes (a counter written into the PDF stream).
 */
export function submissions(fields: Record<string, string | string[]>): {
  contentType: string;
  next(): Buffer;
} {
  const boundary = "----chuyunbench" + randomBytes(8).toString("hex");
  const part = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  let text = "";
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) text += part(k, x);
  const before = Buffer.from(text + `--${boundary}\r\nContent-Disposition: form-data; name="_idem"\r\n\r\n`);
  const afterIdem = Buffer.from(
    `\r\n--${boundary}\r\nContent-Disposition: form-data; name="proof"; filename="灵活就业情况说明.pdf"\r\n` +
      "Content-Type: application/pdf\r\n\r\n",
  );
  const end = Buffer.from(`\r\n--${boundary}--\r\n`);
  const pdf = pdfLike(ATTACHMENT_BYTES);
  const prefix = randomBytes(6).toString("hex");
  let n = 0;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    next() {
      n++;
      const idem = `bench${prefix}x${String(n).padStart(10, "0")}`;
      const file = Buffer.from(pdf.bytes);
      file.write(String(n).padStart(16, "0"), pdf.markerAt, "latin1");
      return Buffer.concat([before, Buffer.from(idem), afterIdem, file, end]);
    },
  };
}

export async function measureApply(options: {
  dataDir: string;
  seconds: number;
  connections: number;
  log: (line: string) => void;
}): Promise<ApplyResult> {
  const { seconds, connections, log } = options;
  const dir = join(options.dataDir, "apply");
  mkdirSync(dir, { recursive: true });
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: "silent", RUN_JOBS: "0" }, { seedDemo: true });

  // Setup through the services' own API: the demo platform, and a 20-field form for 灵活就业登记.
  let deps = await createAppDeps(config);
  const rst = deps.sites.byCodeCached("rst");
  if (!rst) throw new Error("apply bench: the demo department rst is missing");
  const item = await deps.oneStop.catalogue.byCode(`${rst.siteCode}-GG-0003`, true);
  if (!item) throw new Error("apply bench: the demo item 灵活就业登记 is missing");
  const form = await deps.oneStop.forms.save(
    item,
    JSON.stringify(BENCH_FORM),
    "基准测试：20项表单",
    "system:bench",
  );
  if (form.schema.fields.length !== 20) throw new Error("apply bench: the form should have 20 fields");
  const account = await deps.accounts.authenticate(DEMO_CITIZENS.person.loginName, DEMO_PASSWORD);
  await deps.close();

  const port = await freePort();
  const app = startApp(dir, port);
  const base = `http://127.0.0.1:${port}`;
  let load: { result: autocannon.Result; fresh: number; duplicate: number };
  let requestBytes: number;
  /** Submissions accepted before the measured run (the hand-made probe and the warm-up). */
  let before: number;
  try {
    await waitForHttp(`${base}/healthz`, 60_000, app);
    // The sign-in form first: its pre-session cookie and CSRF token go with the credentials.
    const form = await fetch(`${base}/sites/www/account/login`);
    const formCookie = form.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const formToken = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
    const login = await fetch(`${base}/sites/www/account/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: formCookie, origin: base },
      body: new URLSearchParams({
        _csrf: formToken,
        loginName: DEMO_CITIZENS.person.loginName,
        password: DEMO_PASSWORD,
      }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .find((c) => c.startsWith("cy_citizen="));
    if (login.status !== 303 || !cookie) throw new Error(`apply bench: login answered ${login.status}`);
    const applyUrl = `${base}/sites/rst/services/apply/${encodeURIComponent(item.code)}`;
    const page = await (await fetch(applyUrl, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!csrf) throw new Error("apply bench: no CSRF token on the form page");

    const bodies = submissions({ ...benchValues(account.idNumber ?? ""), _csrf: csrf, _action: "submit" });
    const headers = { cookie, "content-type": bodies.contentType };
    let n = 0;

    // One submission by hand first: it must land on its receipt.
    const probe = await fetch(applyUrl, {
      method: "POST",
      redirect: "manual",
      headers,
      body: new Uint8Array(bodies.next()),
    });
    const receipt = probe.headers.get("location") ?? "";
    if (probe.status !== 303 || !receipt.includes("/services/receipt/"))
      throw new Error(
        `apply bench: a submission answered ${probe.status} ${(await probe.text()).slice(0, 500)}`,
      );
    requestBytes = bodies.next().length;
    before = 1;

    const counts = { fresh: 0, duplicate: 0 };
    const submission: autocannon.Request = {
      setupRequest(request) {
        // A different visitor address per request, as in the page benchmarks (per-address limits).
        n++;
        request.headers = { ...request.headers, "x-forwarded-for": `198.19.${(n >> 8) & 255}.${n & 255}` };
        request.body = bodies.next();
        return request;
      },
      onResponse(status, _body, _context, headers) {
        const location = String((headers as Record<string, unknown> | undefined)?.location ?? "");
        if (status === 303 && location.includes("/services/receipt/"))
          counts[location.includes("dup=1") ? "duplicate" : "fresh"]++;
      },
    };
    const run = async (duration: number) => {
      counts.fresh = counts.duplicate = 0;
      const result = await autocannon({
        url: applyUrl,
        connections,
        duration,
        pipelining: 1,
        method: "POST",
        headers,
        requests: [submission],
        // autocannon builds each connection's first request up front on a shared object, so every
        // connection would send the same first body: give each one its own.
        setupClient(client) {
          client.setRequest({ ...submission });
        },
      });
      return { result, ...counts };
    };
    log(`  warm-up ${Math.max(1, Math.round(seconds / 3))} s…`);
    before += (await run(Math.max(1, Math.round(seconds / 3)))).fresh;
    log(`  ${connections} connections for ${seconds} s…`);
    load = await run(seconds);
  } finally {
    await stopChild(app);
  }

  // Count what was really stored: submitted applications of the bench form with their attachment.
  deps = await createAppDeps({ ...config, seedDemo: false });
  const stored = await deps.store.db
    .selectFrom("applications")
    .innerJoin("applicationFiles", "applicationFiles.applicationId", "applications.id")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("applications.itemCode", "=", item.code)
    .where("applications.formVersion", "=", form.version)
    .where("applications.status", "=", "prereview")
    .where("applicationFiles.size", "=", ATTACHMENT_BYTES)
    .executeTakeFirstOrThrow();
  await deps.close();

  const accepted = load.fresh;
  const r = load.result;
  return {
    fields: form.schema.fields.length,
    attachmentBytes: ATTACHMENT_BYTES,
    requestBytes,
    connections,
    seconds,
    rps: accepted / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    accepted,
    failed: r.errors + r.timeouts + r["2xx"] + r["4xx"] + r["5xx"] + (r["3xx"] - load.fresh),
    duplicates: load.duplicate,
    stored: Number(stored.n),
    acceptedInAll: before + accepted,
  };
}
