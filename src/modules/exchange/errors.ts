import {
  Forbidden,
  Invalid,
  NotFound,
  TooMany,
  Unauthenticated,
  type DomainError,
} from "../../platform/http/errors.ts";
import type { SignatureProblem } from "../../platform/http/message-signatures.ts";

/** Why the hub refused a call: each reason is a rule a partner can look up (README, /api/docs). */
export type RefusalReason =
  | SignatureProblem
  | "digest_missing"
  | "digest_mismatch"
  | "purpose_missing"
  | "purpose_malformed"
  | "replayed_nonce"
  | "member_revoked"
  | "body_too_large"
  | "body_not_json"
  | "body_invalid"
  | "unknown_resource"
  | "resource_not_shared"
  | "no_grant"
  | "grant_expired"
  | "grant_revoked"
  | "field_not_granted"
  | "filter_not_allowed"
  | "quota_exceeded"
  | "rate_limited";

const MESSAGES: Record<RefusalReason, string> = {
  signature_missing: "请求未签名：须带 Signature-Input 和 Signature 头（RFC 9421）",
  signature_malformed: "签名头格式有误",
  signature_components: '签名须覆盖 "@method" "@target-uri" "content-digest" "exchange-purpose"',
  signature_params: "签名须带 created、keyid、nonce 参数，算法为 ed25519（国密接入系统为 sm2-sm3）",
  signature_expired: "签名时间 created 与平台时间相差超过 300 秒",
  unknown_key: "签名密钥未登记或已注销",
  bad_signature: "签名验证失败",
  digest_missing: "缺少 Content-Digest 头（RFC 9530，sha-256）",
  digest_mismatch: "Content-Digest 与请求体不符",
  purpose_missing: "缺少 Exchange-Purpose 头：须写明办件编号和法律依据",
  purpose_malformed: 'Exchange-Purpose 格式应为 case="办件编号", basis="法律依据"',
  replayed_nonce: "nonce 已使用过，疑似重放请求",
  member_revoked: "接入系统已被注销",
  body_too_large: "请求体过大",
  body_not_json: "请求体不是 JSON",
  body_invalid: '请求体应为 {"filter": {…}, "fields": […]}',
  unknown_resource: "目录中没有该资源",
  resource_not_shared: "该资源不予共享",
  no_grant: "未获得该资源的共享授权",
  grant_expired: "共享授权已过期",
  grant_revoked: "共享授权已被撤销",
  field_not_granted: "请求了未授权的字段",
  filter_not_allowed: "只能按已授权且可查询的字段过滤",
  quota_exceeded: "已超过该授权的每日调用限额",
  rate_limited: "已超过该授权的每分钟调用限额，请稍后重试",
};

const KIND: Record<RefusalReason, new (m: string, f?: Record<string, string>, r?: string) => DomainError> = {
  signature_missing: Unauthenticated,
  signature_malformed: Invalid,
  signature_components: Invalid,
  signature_params: Invalid,
  signature_expired: Unauthenticated,
  unknown_key: Unauthenticated,
  bad_signature: Unauthenticated,
  digest_missing: Invalid,
  digest_mismatch: Invalid,
  purpose_missing: Invalid,
  purpose_malformed: Invalid,
  replayed_nonce: Unauthenticated,
  member_revoked: Forbidden,
  body_too_large: Invalid,
  body_not_json: Invalid,
  body_invalid: Invalid,
  unknown_resource: NotFound,
  resource_not_shared: Forbidden,
  no_grant: Forbidden,
  grant_expired: Forbidden,
  grant_revoked: Forbidden,
  field_not_granted: Forbidden,
  filter_not_allowed: Forbidden,
  quota_exceeded: TooMany,
  rate_limited: TooMany,
};

/** The domain error for a refusal, with the rule as its machine-readable code. */
export function refusal(reason: RefusalReason, detail?: string): DomainError {
  const message = detail ? `${MESSAGES[reason]}（${detail}）` : MESSAGES[reason];
  return new KIND[reason](message, {}, reason);
}
