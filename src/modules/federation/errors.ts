import { Conflict, Forbidden, Invalid, NotFound, type DomainError } from "../../platform/http/errors.ts";

/** Why a federation message was refused: each reason is a rule a peer can look up (README). */
export type FederationRefusal =
  | "unknown_peer"
  | "peer_mismatch"
  | "envelope_invalid"
  | "unknown_kind"
  | "unknown_item"
  | "unknown_application"
  | "applicant_invalid"
  | "form_invalid"
  | "in_progress"
  | "purpose_missing"
  | "requester_missing";

const MESSAGES: Record<FederationRefusal, string> = {
  unknown_peer: "签名方不是本平台信任的跨省平台",
  peer_mismatch: "消息的发送方与签名密钥不符",
  envelope_invalid: '消息体应为 {"kind", "idempotencyKey", "from", "payload"}',
  unknown_kind: "不认识的消息类型",
  unknown_item: "本平台未开放该跨省通办事项",
  unknown_application: "本平台没有该办件",
  applicant_invalid: "申请人信息不完整（须有姓名和身份证号码）",
  form_invalid: "申请表未通过办理地平台的校验",
  in_progress: "同一消息正在处理，请稍后重试",
  purpose_missing: "查询须写明用途：办件编号和法律依据",
  requester_missing: "查询须写明查询部门",
};

export function federationRefusal(
  reason: FederationRefusal,
  detail?: string,
  fields: Record<string, string> = {},
): DomainError {
  const message = detail ? `${MESSAGES[reason]}：${detail}` : MESSAGES[reason];
  switch (reason) {
    case "unknown_peer":
    case "peer_mismatch":
      return new Forbidden(message, fields, reason);
    case "unknown_item":
    case "unknown_application":
      return new NotFound(message, fields, reason);
    case "in_progress":
      return new Conflict(message, fields, reason);
    default:
      return new Invalid(message, fields, reason);
  }
}
