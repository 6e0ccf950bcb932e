import { FIELD_BY_NAME, showValue, valueProblem, type Profile, type ProfileField } from "./fields.ts";

/**
 * Eligibility as data: a benefit version is a list of json-rules-engine style conditions
 * (`{fact, operator, value}`, all must hold) each citing its clause. This small evaluator compiles a
 * version once into closures and evaluates profiles in memory (the bench matches 100,000 enterprises
 * × 200 benefits with it); json-rules-engine itself runs the same conditions in the tests as a check.
 */
export type Operator =
  | "equal"
  | "notEqual"
  | "lessThan"
  | "lessThanInclusive"
  | "greaterThan"
  | "greaterThanInclusive"
  | "in"
  | "notIn"
  | "startsWith";

export const OPERATORS: Record<Operator, { label: string; types: ProfileField["type"][] }> = {
  equal: { label: "等于", types: ["string", "enum", "integer", "number", "date", "boolean"] },
  notEqual: { label: "不等于", types: ["string", "enum", "integer", "number", "date", "boolean"] },
  lessThan: { label: "小于", types: ["integer", "number", "date"] },
  lessThanInclusive: { label: "不超过", types: ["integer", "number", "date"] },
  greaterThan: { label: "大于", types: ["integer", "number", "date"] },
  greaterThanInclusive: { label: "不低于", types: ["integer", "number", "date"] },
  in: { label: "属于", types: ["string", "enum"] },
  notIn: { label: "不属于", types: ["string", "enum"] },
  startsWith: { label: "以…开头", types: ["string"] },
};

export interface RuleCondition {
  fact: string;
  operator: Operator;
  value: string | number | boolean | string[];
  /** The clause of the policy document this condition comes from (e.g. 第三条第（一）项). */
  clause: string;
}

export type Met = true | false | null;

export interface ConditionTrace {
  condition: string;
  fact: string;
  clause: string;
  met: Met;
  value: unknown;
  why: string;
  whatWouldChange?: string;
}

export type Status = "eligible" | "possible" | "ineligible";

export interface Evaluation {
  status: Status;
  conditions: ConditionTrace[];
  /** Fields whose absence keeps the answer at `possible`. */
  missing: string[];
}

/** The condition in words: 从业人数 不超过 300人. */
export function describe(c: RuleCondition): string {
  const field = FIELD_BY_NAME.get(c.fact);
  const label = field?.label ?? c.fact;
  return `${label}${OPERATORS[c.operator]?.label ?? c.operator}${showValue(field, c.value)}`;
}

function test(op: Operator, actual: string | number | boolean, expected: RuleCondition["value"]): boolean {
  switch (op) {
    case "equal":
      return actual === expected;
    case "notEqual":
      return actual !== expected;
    case "lessThan":
      return actual < (expected as number | string);
    case "lessThanInclusive":
      return actual <= (expected as number | string);
    case "greaterThan":
      return actual > (expected as number | string);
    case "greaterThanInclusive":
      return actual >= (expected as number | string);
    case "in":
      return (expected as string[]).includes(actual as string);
    case "notIn":
      return !(expected as string[]).includes(actual as string);
    case "startsWith":
      return typeof actual === "string" && actual.startsWith(expected as string);
  }
}

export interface CompiledRule {
  conditions: RuleCondition[];
  /** Fast path for bulk matching: the status only. */
  status(profile: Profile): Status;
  /** The full explanation. */
  explain(profile: Profile): Evaluation;
}

/** Compiles checked conditions once; evaluation is a loop over closures. */
export function compile(conditions: RuleCondition[]): CompiledRule {
  const checks = conditions.map((c) => {
    const { fact, operator, value } = c;
    return (p: Profile): Met => {
      const v = p[fact];
      if (v === null || v === undefined) return null;
      return test(operator, v, value);
    };
  });
  return {
    conditions,
    status(profile) {
      let unknown = false;
      for (const check of checks) {
        const met = check(profile);
        if (met === false) return "ineligible";
        if (met === null) unknown = true;
      }
      return unknown ? "possible" : "eligible";
    },
    explain(profile) {
      const traces = conditions.map((c, i) => traceOf(c, checks[i]!(profile), profile[c.fact]));
      const status: Status = traces.some((t) => t.met === false)
        ? "ineligible"
        : traces.every((t) => t.met === true)
          ? "eligible"
          : "possible";
      const missing = traces.filter((t) => t.met === null).map((t) => t.fact);
      return { status, conditions: traces, missing: [...new Set(missing)] };
    },
  };
}

function traceOf(c: RuleCondition, met: Met, value: unknown): ConditionTrace {
  const field = FIELD_BY_NAME.get(c.fact);
  const label = field?.label ?? c.fact;
  const condition = describe(c);
  const shown = showValue(field, value);
  const base = { condition, fact: c.fact, clause: c.clause, met, value: value ?? null };
  if (met === null)
    return {
      ...base,
      why: `缺少“${label}”数据，无法判断`,
      whatWouldChange: field?.derivedFrom
        ? `补充“${FIELD_BY_NAME.get(field.derivedFrom)!.label}”后即可判断`
        : `补充“${label}”后即可判断`,
    };
  if (met) return { ...base, why: `${label}为${shown}，符合“${condition}”` };
  return {
    ...base,
    why: `${label}为${shown}，不符合“${condition}”`,
    whatWouldChange: `当${condition}时，此条件即满足`,
  };
}

/** Per-field feasible range, to find rules no profile can ever meet. */
interface Range {
  lo?: { v: number | string; incl: boolean };
  hi?: { v: number | string; incl: boolean };
  allowed?: Set<unknown>;
  banned: Set<unknown>;
  prefixes: string[];
}

/**
 * Checks conditions before they are saved: every field known, the operator fits the field, the value
 * has the field's type, a clause is cited, and the conditions together can be met (no contradiction).
 * Answers problems per condition index (`conditions.N`) plus `conditions` for the whole set.
 */
export function ruleProblems(conditions: RuleCondition[]): Record<string, string> {
  const problems: Record<string, string> = {};
  if (conditions.length === 0) problems.conditions = "至少需要一个条件";
  if (conditions.length > 50) problems.conditions = "条件不能超过50个";
  const ranges = new Map<string, Range>();
  conditions.forEach((c, i) => {
    const key = `conditions.${i}`;
    const field = FIELD_BY_NAME.get(c.fact);
    if (!field) {
      problems[key] = `第${i + 1}个条件：未知的字段“${c.fact}”，规则只能使用企业画像中的字段`;
      return;
    }
    const op = OPERATORS[c.operator];
    if (!op) {
      problems[key] = `第${i + 1}个条件：未知的比较方式“${c.operator}”`;
      return;
    }
    if (!op.types.includes(field.type)) {
      problems[key] = `第${i + 1}个条件：“${field.label}”不能用“${op.label}”比较`;
      return;
    }
    if (!c.clause || !c.clause.trim()) {
      problems[key] = `第${i + 1}个条件：请注明依据的政策条款`;
      return;
    }
    const values = c.operator === "in" || c.operator === "notIn" ? c.value : [c.value];
    if (!Array.isArray(values) || values.length === 0) {
      problems[key] = `第${i + 1}个条件：请至少填写一个取值`;
      return;
    }
    if ((c.operator === "in" || c.operator === "notIn") !== Array.isArray(c.value)) {
      problems[key] = `第${i + 1}个条件：取值格式与比较方式不符`;
      return;
    }
    for (const v of values) {
      // Rule values may be in the future (a founding date cut-off) but must otherwise fit the field.
      const problem = valueProblem(field, v, "9999-12-31");
      if (problem) {
        problems[key] = `第${i + 1}个条件：${problem}`;
        return;
      }
    }
    const r = ranges.get(c.fact) ?? { banned: new Set(), prefixes: [] };
    ranges.set(c.fact, r);
    const v = c.value as number | string;
    const tighten = (side: "lo" | "hi", incl: boolean) => {
      const cur = r[side];
      const better = !cur || (side === "lo" ? v > cur.v : v < cur.v) || (v === cur.v && !incl);
      if (better) r[side] = { v, incl };
    };
    const restrict = (set: unknown[]) => {
      r.allowed = r.allowed ? new Set(set.filter((x) => r.allowed!.has(x))) : new Set(set);
    };
    switch (c.operator) {
      case "equal":
        restrict([c.value]);
        break;
      case "in":
        restrict(c.value as string[]);
        break;
      case "notEqual":
        r.banned.add(c.value);
        break;
      case "notIn":
        for (const x of c.value as string[]) r.banned.add(x);
        break;
      case "lessThan":
        tighten("hi", false);
        break;
      case "lessThanInclusive":
        tighten("hi", true);
        break;
      case "greaterThan":
        tighten("lo", false);
        break;
      case "greaterThanInclusive":
        tighten("lo", true);
        break;
      case "startsWith":
        r.prefixes.push(c.value as string);
        break;
    }
  });
  const contradictions: string[] = [];
  for (const [fact, r] of ranges) {
    const label = FIELD_BY_NAME.get(fact)!.label;
    const inRange = (x: unknown) => {
      if (typeof x !== "number" && typeof x !== "string") return true;
      if (r.lo && (x < r.lo.v || (x === r.lo.v && !r.lo.incl))) return false;
      if (r.hi && (x > r.hi.v || (x === r.hi.v && !r.hi.incl))) return false;
      return r.prefixes.every((p) => typeof x === "string" && x.startsWith(p));
    };
    if (r.lo && r.hi && (r.lo.v > r.hi.v || (r.lo.v === r.hi.v && !(r.lo.incl && r.hi.incl))))
      contradictions.push(`“${label}”的下限高于上限`);
    else if (r.allowed && [...r.allowed].filter((x) => !r.banned.has(x) && inRange(x)).length === 0)
      contradictions.push(`“${label}”的取值要求互相排斥`);
    else if (
      r.prefixes.length > 1 &&
      !r.prefixes.every((a) => r.prefixes.every((b) => a.startsWith(b) || b.startsWith(a)))
    )
      contradictions.push(`“${label}”要求以不同的代码开头`);
  }
  if (contradictions.length > 0)
    problems.conditions = `规则互相矛盾，任何企业都不可能满足：${contradictions.join("；")}`;
  return problems;
}
