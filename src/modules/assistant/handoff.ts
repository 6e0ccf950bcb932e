import { DomainError, Invalid } from "../../platform/http/errors.ts";
import type { LetterService } from "../mailbox/index.ts";

/** A citizen's request to continue with a person, carrying the conversation so far. */
export interface HandOffRequest {
  conversationId: string;
  /** The site the citizen asked on. */
  siteId: number;
  /** The site owning the FAQ entry the conversation was about, when known (routes the letter there). */
  faqSiteId: number | null;
  /** What the citizen asked (the letter's subject). */
  subject: string;
  name: string;
  phone: string;
  /** The phone-code the citizen received (the letter form's check). */
  code: string;
  email: string;
  message: string;
  publishConsent: boolean;
  /** The conversation as plain text ("问：… / 答：…"), personal data as typed by the citizen. */
  transcript: string;
  ip: string;
}

export interface HandOffReceipt {
  /** The letter's query number. */
  reference: string;
  /** The password-free lookup code (shown once). */
  lookupCode: string;
}

/** Where hand-offs go. */
export interface HandOff {
  create(request: HandOffRequest): Promise<HandOffReceipt>;
}

/** Letter content cap (the letter form allows 3000 characters). */
const MAX_CONTENT = 3000;

/** The letter's content: the citizen's note, then the conversation (oldest turns dropped when too long). */
export function handOffContent(transcript: string, message: string): string {
  const head = "【由智能客服转人工】";
  const note = message ? `\n\n来信人补充说明：\n${message}` : "";
  const room = MAX_CONTENT - [...`${head}${note}\n\n对话记录：\n`].length;
  let turns = transcript;
  // Drop the oldest turns first, then cut what is still too long.
  for (let cut = turns.indexOf("\n问："); [...turns].length > room && cut > 0; cut = turns.indexOf("\n问："))
    turns = turns.slice(cut + 1);
  turns = [...turns].slice(0, Math.max(0, room)).join("");
  return `${head}${note}${turns ? `\n\n对话记录：\n${turns}` : ""}`;
}

/**
 * Hands a conversation to people by filing a 咨询 letter in the leader mailbox, through the same
 * path as the letter form (validation, phone-code check, per-phone limits, screening, routing).
 * The letter goes to the department owning the FAQ entry when known, otherwise to the mailbox of
 * the site the citizen asked on.
 */
export class MailboxHandOff implements HandOff {
  constructor(private readonly letters: LetterService) {}

  async create(request: HandOffRequest): Promise<HandOffReceipt> {
    const addressees = this.letters.addresseesFor(request.siteId);
    const dept = request.faqSiteId != null ? `dept:${request.faqSiteId}` : "";
    const addressee = addressees.some((a) => a.value === dept) ? dept : `leader:${request.siteId}`;
    const subject = [...request.subject.replace(/\s+/g, " ").trim()].slice(0, 60).join("");
    try {
      const receipt = await this.letters.submit({
        siteId: request.siteId,
        addressee,
        kind: "consult",
        subject: subject || "智能客服转人工咨询",
        content: handOffContent(request.transcript, request.message),
        name: request.name,
        phone: request.phone,
        code: request.code,
        email: request.email,
        address: "",
        publishConsent: request.publishConsent,
        files: [],
        origin: "assistant",
        ip: request.ip,
      });
      return { reference: receipt.queryNo, lookupCode: receipt.lookupCode };
    } catch (error) {
      // The hand-off form has no subject/content fields: report those on the note.
      if (error instanceof DomainError && (error.fields.subject || error.fields.content)) {
        const { subject: s, content: c, addressee: _a, ...rest } = error.fields;
        throw new Invalid(error.message, { ...rest, message: s ?? c ?? "" }, error.reason);
      }
      throw error;
    }
  }
}
