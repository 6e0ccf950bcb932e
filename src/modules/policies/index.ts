export {
  PoliciesService,
  STATUS_WORD,
  type Benefit,
  type EnterpriseProfile,
  type Funnel,
  type MatchResult,
  type RuleVersion,
  type TestCase,
} from "./service.ts";
export { HubEntityRegistry, AccountsDirectory } from "./registry.ts";
export { seedPolicies } from "./seed.ts";
export { PROFILE_FIELDS, type Profile } from "./fields.ts";
export { type RuleCondition, type Status } from "./engine.ts";
