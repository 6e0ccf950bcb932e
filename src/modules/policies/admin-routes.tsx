import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { forbidden, notFound } from "../../platform/http/errors.ts";
import { FormBody, formText, type FormValues } from "../../platform/http/form-input.ts";
import { handleForm } from "../../platform/http/handle-form.ts";
import { idParam, IdParams, pageParam } from "../../platform/http/params.ts";
import { chinaDate } from "../../platform/time/china-time.ts";
import { sendPage } from "../../web/console.ts";
import { RIGHTS } from "../staff/index.ts";
import { adminView } from "../staff/index.ts";
import { guardStaffArea } from "../staff/index.ts";
import type { PoliciesDeps } from "./deps.ts";
import type { Evaluation, Operator, RuleCondition } from "./engine.ts";
import { BadPolicyInput, BadProfile, UnknownVersion } from "./errors.ts";
import { FIELD_BY_NAME, type ProfileField } from "./fields.ts";
import { readProfileForm } from "./routes.tsx";
import type { Benefit, RuleVersion, TestCase } from "./service.ts";
import type { GrantStatus } from "./tables.ts";
import { STAGES } from "./views/zone.tsx";
import {
  BenefitPage,
  GRANT_STATUS,
  GrantsPage,
  NewBenefitPage,
  PoliciesListPage,
  type NewBenefitForm,
  type CaseRow,
  type ConditionRow,
  type EditorForm,
  type LinkForm,
  type TrialForm,
} from "./views/admin-pages.tsx";

const PAGE_SIZE = 20;
const EDITOR_ROLES = new Set<string>(RIGHTS.policies.roles);
const MAX_ROWS = 50;
const MAX_CASES = 20;
const BLANK_ROW: ConditionRow = { fact: "", operator: "equal", value: "", clause: "" };
const BLANK_CASE: CaseRow = { name: "", profile: "", expected: "eligible" };

const VersionParams = Type.Object({
  id: Type.String({ maxLength: 20 }),
  vid: Type.String({ maxLength: 20 }),
});

function showRuleValue(value: RuleCondition["value"]): string {
  if (Array.isArray(value)) return value.join("、");
  if (typeof value === "boolean") return value ? "是" : "否";
  return String(value);
}

/** A version as the editor's rows (plus one blank row and one blank case to fill in). */
export function editorFormOf(v: RuleVersion | undefined): EditorForm {
  return {
    effectiveFrom: v?.effectiveFrom ?? chinaDate(),
    conditions: [
      ...(v?.conditions ?? []).map((c) => ({
        fact: c.fact,
        operator: c.operator,
        value: showRuleValue(c.value),
        clause: c.clause,
      })),
      BLANK_ROW,
    ],
    cases: [
      ...(v?.testCases ?? []).map((c) => ({
        name: c.name,
        profile: JSON.stringify(c.profile),
        expected: c.expected,
      })),
      BLANK_CASE,
    ],
  };
}

function rowCount(values: FormValues, key: string, max: number): number {
  const n = Number(formText(values, key, 4));
  return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : 1;
}

/** The editor's rows as typed (nothing dropped, so the form shows itself again unchanged). */
export function readEditorForm(values: FormValues): EditorForm {
  const conditions: ConditionRow[] = [];
  for (let i = 0; i < rowCount(values, "rows", MAX_ROWS); i++)
    conditions.push({
      fact: formText(values, `c.${i}.fact`, 40),
      operator: formText(values, `c.${i}.operator`, 40) || "equal",
      value: formText(values, `c.${i}.value`, 500),
      clause: formText(values, `c.${i}.clause`, 200),
    });
  const cases: CaseRow[] = [];
  for (let i = 0; i < rowCount(values, "trows", MAX_CASES); i++)
    cases.push({
      name: formText(values, `t.${i}.name`, 100),
      profile: formText(values, `t.${i}.profile`, 4000),
      expected: formText(values, `t.${i}.expected`, 20) || "eligible",
    });
  return { effectiveFrom: formText(values, "effectiveFrom", 10).trim(), conditions, cases };
}

function enumKey(field: ProfileField | undefined, text: string): string {
  const byLabel = Object.entries(field?.options ?? {}).find(([, label]) => label === text);
  return byLabel ? byLabel[0] : text;
}

/** A row's text as a condition value of the field's type (wrong text is left for the service to refuse). */
function conditionOf(row: ConditionRow): RuleCondition {
  const field = FIELD_BY_NAME.get(row.fact);
  const operator = row.operator as Operator;
  const text = row.value.trim();
  let value: RuleCondition["value"] = text;
  if (operator === "in" || operator === "notIn")
    value = text
      .split(/[、,，;；\s]+/)
      .filter(Boolean)
      .map((v) => enumKey(field, v));
  else if (field?.type === "integer" || field?.type === "number") {
    const n = Number(text.replace(/[,，]/g, ""));
    if (text !== "" && !Number.isNaN(n)) value = n;
  } else if (field?.type === "boolean") {
    if (["是", "true"].includes(text)) value = true;
    else if (["否", "false"].includes(text)) value = false;
  } else if (field?.type === "enum") value = enumKey(field, text);
  return { fact: row.fact, operator, value, clause: row.clause.trim() };
}

/** Blank rows dropped (the rows shown again are these, so messages by index line up). */
function compact(form: EditorForm): EditorForm {
  return {
    ...form,
    conditions: form.conditions.filter((r) => r.fact || r.value.trim() || r.clause.trim()),
    cases: form.cases.filter((c) => c.name.trim() || c.profile.trim()),
  };
}

/** The typed rows as conditions and test cases; a profile that is not a JSON object is refused here. */
function versionInput(form: EditorForm): {
  effectiveFrom: string;
  conditions: RuleCondition[];
  testCases: TestCase[];
} {
  const errors: Record<string, string> = {};
  const testCases = form.cases.map((c, i): TestCase => {
    let profile: unknown = {};
    if (c.profile.trim())
      try {
        profile = JSON.parse(c.profile) as unknown;
      } catch {
        profile = null;
      }
    if (!profile || typeof profile !== "object" || Array.isArray(profile)) {
      errors[`testCases.${i}`] = `第${i + 1}个测试用例：企业画像应为 JSON 对象，如 {"headcount": 50}`;
      profile = {};
    }
    if (!c.name.trim()) errors[`testCases.${i}`] = `第${i + 1}个测试用例：请填写用例名称`;
    return {
      name: c.name.trim(),
      profile: profile as Record<string, unknown>,
      expected: c.expected as TestCase["expected"],
    };
  });
  if (Object.keys(errors).length) throw new BadPolicyInput("测试用例填写有误", errors);
  return { effectiveFrom: form.effectiveFrom, conditions: form.conditions.map(conditionOf), testCases };
}

/**
 * The 惠企政策 console: benefits of the editor's departments (operators: all), the 7-working-day
 * warnings, rule versions edited by form without code, publishing gated by test cases, the 试算 panel,
 * and 免申即享 grants (objections, the payment clock). Every change goes through the audited service.
 */
const policiesAdminRoutes: FastifyPluginAsyncTypebox<{ deps: PoliciesDeps }> = async (app, { deps }) => {
  guardStaffArea(app, { staff: deps.staff, sessions: deps.sessions });
  const { policies } = deps;

  /** The department (site) codes whose benefits the viewer maintains; undefined: every one. */
  function departments(request: FastifyRequest): string[] | undefined {
    const { staff } = request.staff;
    if (staff.isOperator) return undefined;
    return [
      ...new Set(
        staff.roles
          .filter((r) => EDITOR_ROLES.has(r.role))
          .flatMap((r) => {
            const code = deps.sites.byId(r.siteId)?.code;
            return code ? [code] : [];
          }),
      ),
    ];
  }

  const departmentName = (code: string) => deps.sites.byCodeCached(code)?.name ?? code;

  async function ownBenefit(request: FastifyRequest, rawId: string): Promise<Benefit> {
    const id = idParam(rawId);
    if (id === null) throw notFound();
    const benefit = await policies.benefit(id);
    const mine = departments(request);
    if (mine && !mine.includes(benefit.department)) throw forbidden("您只能维护本部门（网站）的惠企政策");
    return benefit;
  }

  async function ownVersion(benefit: Benefit, rawId: string): Promise<RuleVersion> {
    const id = idParam(rawId);
    if (id === null) throw new UnknownVersion();
    const version = await policies.version(id);
    if (version.benefitId !== benefit.id) throw new UnknownVersion();
    return version;
  }

  async function benefitPage(
    request: FastifyRequest,
    reply: FastifyReply,
    benefit: Benefit,
    extra: {
      form?: EditorForm;
      errors?: Record<string, string>;
      publishErrors?: Record<string, string>;
      notice?: string;
      trial?: TrialForm;
      trialResult?: Evaluation;
      trialErrors?: Record<string, string>;
      link?: LinkForm;
      linkErrors?: Record<string, string>;
    } = {},
    status = 200,
  ) {
    const versions = await policies.versions(benefit.id);
    return sendPage(
      reply,
      <BenefitPage
        ctx={adminView(request)}
        benefit={benefit}
        departmentName={departmentName(benefit.department)}
        versions={versions}
        form={extra.form ?? editorFormOf(versions[0])}
        errors={extra.errors}
        publishErrors={extra.publishErrors}
        notice={extra.notice}
        trial={extra.trial ?? { versionId: versions[0]?.id ?? null, values: {} }}
        trialResult={extra.trialResult}
        trialErrors={extra.trialErrors}
        link={extra.link}
        linkErrors={extra.linkErrors}
      />,
      status,
    );
  }

  app.get(
    "/admin/policies",
    {
      schema: {
        hide: true,
        querystring: Type.Object({ page: Type.Optional(Type.String({ maxLength: 10 })) }),
      },
    },
    async (request, reply) => {
      const page = pageParam(request.query.page);
      const mine = departments(request);
      const { total, items } = await policies.benefitPage(page, PAGE_SIZE, mine);
      const warnings = (await policies.guideWarnings()).filter(
        (w) => !mine || mine.includes(w.benefit.department),
      );
      return sendPage(
        reply,
        <PoliciesListPage
          ctx={adminView(request)}
          items={items}
          page={page}
          pageSize={PAGE_SIZE}
          total={total}
          warnings={warnings}
          departmentName={departmentName}
        />,
      );
    },
  );

  function departmentChoices(request: FastifyRequest): { code: string; name: string }[] {
    const mine = departments(request);
    const codes = mine ?? deps.sites.list().map((site) => site.code);
    return codes.map((code) => ({ code, name: departmentName(code) }));
  }

  async function newBenefitPage(
    request: FastifyRequest,
    reply: FastifyReply,
    form: NewBenefitForm,
    errors?: Record<string, string>,
    status = 200,
  ) {
    return sendPage(
      reply,
      <NewBenefitPage
        ctx={adminView(request)}
        form={form}
        errors={errors}
        departments={departmentChoices(request)}
        stages={STAGES}
      />,
      status,
    );
  }

  app.get("/admin/policies/new", { schema: { hide: true } }, (request, reply) => {
    const first = departmentChoices(request)[0]?.code ?? "";
    if (!first) throw forbidden("您没有可维护惠企政策的部门（网站）");
    const blank: NewBenefitForm = {
      code: "",
      title: "",
      summary: "",
      department: first,
      stage: "operate",
      amount: "",
      serviceItemCode: "",
    };
    return newBenefitPage(request, reply, blank);
  });

  app.post("/admin/policies/new", { schema: { hide: true, body: FormBody } }, async (request, reply) => {
    const body = request.body;
    const form: NewBenefitForm = {
      code: formText(body, "code", 40).trim(),
      title: formText(body, "title", 200),
      summary: formText(body, "summary", 2000),
      department: formText(body, "department", 40),
      stage: formText(body, "stage", 20),
      amount: formText(body, "amount", 200),
      serviceItemCode: formText(body, "serviceItemCode", 60).trim(),
    };
    return handleForm({
      parse: () => {
        if (!departmentChoices(request).some((d) => d.code === form.department))
          throw new BadPolicyInput("政策事项填写有误", { department: "只能为本部门（网站）新增政策事项" });
        return {
          ...form,
          stage: form.stage as Benefit["stage"],
          policyArticleId: null,
          interpretationArticleId: null,
          serviceItemCode: form.serviceItemCode || null,
        };
      },
      run: (input) => policies.createBenefit(input, request.staff.staff.username),
      onSuccess: (benefit) => reply.redirect(`/admin/policies/${benefit.id}`, 303),
      rerender: (problem) => newBenefitPage(request, reply, form, problem.errors, problem.status),
    });
  });

  const GrantsQuery = Type.Object({
    page: Type.Optional(Type.String({ maxLength: 10 })),
    status: Type.Optional(Type.String({ maxLength: 20 })),
    done: Type.Optional(Type.String({ maxLength: 10 })),
  });

  async function grantsPage(
    request: FastifyRequest<{ Querystring: { page?: string; status?: string; done?: string } }>,
    reply: FastifyReply,
    errors?: Record<string, string>,
    status = 200,
  ) {
    const q = request.query;
    const page = pageParam(q.page);
    const filter = q.status && Object.hasOwn(GRANT_STATUS, q.status) ? (q.status as GrantStatus) : "";
    const { total, items } = await policies.grants(page, PAGE_SIZE, {
      departments: departments(request),
      status: filter || undefined,
    });
    return sendPage(
      reply,
      <GrantsPage
        ctx={adminView(request)}
        items={items}
        page={page}
        pageSize={PAGE_SIZE}
        total={total}
        status={filter}
        notice={q.done && Object.hasOwn(DONE, q.done) ? DONE[q.done] : undefined}
        errors={errors}
      />,
      status,
    );
  }

  app.get("/admin/policies/grants", { schema: { hide: true, querystring: GrantsQuery } }, (request, reply) =>
    grantsPage(request, reply),
  );

  const GrantActionParams = Type.Object({
    id: Type.String({ maxLength: 20 }),
    action: Type.Union([Type.Literal("paid"), Type.Literal("uphold"), Type.Literal("withdraw")]),
  });
  const DONE: Record<string, string> = {
    paid: "已登记拨付（已记入审计日志）。",
    uphold: "已维持兑现，60个工作日拨付期限开始计算（已记入审计日志）。",
    withdraw: "已撤销兑现（已记入审计日志）。",
  };

  app.post(
    "/admin/policies/grants/:id/:action",
    { schema: { hide: true, params: GrantActionParams, body: FormBody } },
    async (request, reply) => {
      const { action } = request.params;
      const id = idParam(request.params.id);
      if (id === null) throw notFound();
      const grant = await policies.grant(id);
      const mine = departments(request);
      if (mine && !mine.includes(grant.department)) throw forbidden("您只能处理本部门（网站）的惠企政策兑现");
      return handleForm({
        parse: () => grant.id,
        run: (grantId) =>
          action === "paid"
            ? policies.markPaid(grantId, request.staff.staff.username)
            : policies.decideObjection(grantId, action, request.staff.staff.username),
        onSuccess: () => reply.redirect(`/admin/policies/grants?done=${action}`, 303),
        rerender: (problem) =>
          grantsPage(
            request as FastifyRequest<{ Querystring: Record<string, string> }>,
            reply,
            problem.errors,
            problem.status,
          ),
      });
    },
  );

  app.get(
    "/admin/policies/:id",
    {
      schema: {
        hide: true,
        params: IdParams,
        querystring: Type.Object({ done: Type.Optional(Type.String({ maxLength: 10 })) }),
      },
    },
    async (request, reply) => {
      const benefit = await ownBenefit(request, request.params.id);
      const done = request.query.done;
      const notice =
        done === "saved"
          ? "已保存为新的草稿版本（已记入审计日志）。测试用例全部通过后即可发布。"
          : done === "published"
            ? "已发布（已记入审计日志），企业匹配将随后更新。"
            : done === "linked"
              ? "已保存政策文件、解读与办事指南的关联（已记入审计日志）。"
              : undefined;
      return benefitPage(request, reply, benefit, { notice });
    },
  );

  app.post(
    "/admin/policies/:id/versions",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const benefit = await ownBenefit(request, request.params.id);
      const typed = readEditorForm(request.body);
      const action = formText(request.body, "action", 40) || "save";
      const removeAt = (prefix: string) =>
        action.startsWith(prefix) ? Number(action.slice(prefix.length)) : Number.NaN;
      // Adding and removing rows re-renders the form with everything typed (no script needed).
      if (action === "add" && typed.conditions.length < MAX_ROWS)
        return benefitPage(request, reply, benefit, {
          form: { ...typed, conditions: [...typed.conditions, BLANK_ROW] },
        });
      if (action === "add-case" && typed.cases.length < MAX_CASES)
        return benefitPage(request, reply, benefit, {
          form: { ...typed, cases: [...typed.cases, BLANK_CASE] },
        });
      const row = removeAt("remove:");
      if (Number.isInteger(row)) {
        const conditions = typed.conditions.filter((_, i) => i !== row);
        return benefitPage(request, reply, benefit, {
          form: { ...typed, conditions: conditions.length ? conditions : [BLANK_ROW] },
        });
      }
      const kase = removeAt("remove-case:");
      if (Number.isInteger(kase)) {
        const cases = typed.cases.filter((_, i) => i !== kase);
        return benefitPage(request, reply, benefit, {
          form: { ...typed, cases: cases.length ? cases : [BLANK_CASE] },
        });
      }
      const form = compact(typed);
      return handleForm({
        parse: () => versionInput(form),
        run: (input) => policies.saveVersion(benefit.id, input, request.staff.staff.username),
        onSuccess: () => reply.redirect(`/admin/policies/${benefit.id}?done=saved`, 303),
        rerender: (problem) =>
          benefitPage(
            request,
            reply,
            benefit,
            {
              form: {
                ...form,
                conditions: form.conditions.length ? form.conditions : [BLANK_ROW],
                cases: form.cases.length ? form.cases : [BLANK_CASE],
              },
              errors: problem.errors,
            },
            problem.status,
          ),
      });
    },
  );

  app.post(
    "/admin/policies/:id/links",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const benefit = await ownBenefit(request, request.params.id);
      const link: LinkForm = {
        policyArticleId: formText(request.body, "policyArticleId", 12).trim(),
        interpretationArticleId: formText(request.body, "interpretationArticleId", 12).trim(),
        serviceItemCode: formText(request.body, "serviceItemCode", 60).trim(),
      };
      return handleForm({
        parse: async () => {
          const errors: Record<string, string> = {};
          const id = async (key: "policyArticleId" | "interpretationArticleId") => {
            if (link[key] === "") return null;
            const n = idParam(link[key]);
            if (n === null) errors[key] = "信息编号应为正整数";
            else if (
              !(await deps.content.get(n).then(
                () => true,
                () => false,
              ))
            )
              errors[key] = "政策文件库中没有这条信息";
            return n;
          };
          const input = {
            policyArticleId: await id("policyArticleId"),
            interpretationArticleId: await id("interpretationArticleId"),
            serviceItemCode: link.serviceItemCode || null,
          };
          if (Object.keys(errors).length) throw new BadPolicyInput("关联填写有误", errors);
          return input;
        },
        run: (input) => policies.linkBenefit(benefit.id, input, request.staff.staff.username),
        onSuccess: () => reply.redirect(`/admin/policies/${benefit.id}?done=linked`, 303),
        rerender: (problem) =>
          benefitPage(request, reply, benefit, { link, linkErrors: problem.errors }, problem.status),
      });
    },
  );

  app.post(
    "/admin/policies/:id/versions/:vid/publish",
    { schema: { hide: true, params: VersionParams, body: FormBody } },
    async (request, reply) => {
      const benefit = await ownBenefit(request, request.params.id);
      const version = await ownVersion(benefit, request.params.vid);
      return handleForm({
        parse: () => version.id,
        run: (id) => policies.publish(id, request.staff.staff.username),
        onSuccess: () => reply.redirect(`/admin/policies/${benefit.id}?done=published`, 303),
        rerender: (problem) =>
          benefitPage(
            request,
            reply,
            benefit,
            { publishErrors: { ...problem.errors }, trial: { versionId: version.id, values: {} } },
            problem.status,
          ),
      });
    },
  );

  app.post(
    "/admin/policies/:id/try",
    { schema: { hide: true, params: IdParams, body: FormBody } },
    async (request, reply) => {
      const benefit = await ownBenefit(request, request.params.id);
      const version = await ownVersion(benefit, formText(request.body, "versionId", 20));
      const { values, profile, errors } = readProfileForm(request.body);
      const trial: TrialForm = { versionId: version.id, values };
      if (Object.keys(errors).length)
        return benefitPage(request, reply, benefit, { trial, trialErrors: errors }, 400);
      try {
        const trialResult = await policies.trial(version.id, profile);
        return await benefitPage(request, reply, benefit, { trial, trialResult });
      } catch (error) {
        if (error instanceof BadProfile)
          return benefitPage(request, reply, benefit, { trial, trialErrors: error.fields }, 400);
        throw error;
      }
    },
  );
};

export default policiesAdminRoutes;
