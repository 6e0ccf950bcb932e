import type { Generated } from "kysely";

/** Tables the assistant module owns (see src/db/schema.ts for the conventions). */
export interface AssistantTables {
  assistantFaqs: AssistantFaqRow;
  assistantConversations: AssistantConversationRow;
  assistantTurns: AssistantTurnRow;
  assistantHandoffs: AssistantHandoffRow;
}

export type FaqStatus = "draft" | "submitted" | "published";

export interface AssistantFaqRow {
  id: string; // faq-NNN
  siteId: number;
  department: string;
  category: string;
  question: string;
  alternatives: string; // JSON string[]
  answer: string;
  keywords: string; // JSON string[]
  links: string; // JSON FaqLink[]
  status: FaqStatus;
  publishedJson: string | null; // the live version (FaqEntry + links) while a newer draft is edited
  publishedAt: string | null;
  version: number;
  createdBy: number | null;
  reviewedBy: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface AssistantConversationRow {
  id: string;
  siteId: number | null;
  context: string | null; // JSON AssistantContext
  turnCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface AssistantTurnRow {
  id: Generated<number>;
  conversationId: string;
  question: string;
  faqId: string | null;
  answered: number;
  reason: string; // AnswerReason (engine.ts)
  confidence: number;
  usedContext: number;
  rating: -1 | 1 | null; // 1 helpful, -1 not helpful
  resolved: number; // 1 once an editor dealt with it in the queue
  createdAt: string;
}

/**
 * Created by migration 0003 for hand-offs to a human; nothing writes it today (a hand-off now files
 * a mailbox letter through MailboxHandOff). Declared so the schema check covers it.
 */
export interface AssistantHandoffRow {
  id: Generated<number>;
  conversationId: string;
  siteId: number | null;
  name: string;
  contact: string;
  message: string;
  transcript: string;
  status: string;
  createdAt: string;
}
