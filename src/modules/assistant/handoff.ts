import type { Kysely } from "kysely";
import type { Database } from "../../tables.ts";
import { nowIso } from "../../platform/db/time.ts";

/** A citizen's request to continue with a person, carrying the conversation so far. */
export interface HandOffRequest {
  conversationId: string;
  siteId: number | null;
  name: string;
  contact: string;
  message: string;
  /** The conversation as plain text ("问：… / 答：…"), personal data as typed by the citizen. */
  transcript: string;
}

export interface HandOffReceipt {
  /** Reference the citizen can quote (e.g. ZNKF-000012). */
  reference: string;
}

/**
 * Where hand-offs go. The mailbox (interaction module) will implement this by creating a letter;
 * until it exists, TableHandOff keeps the requests in assistant_handoffs for staff to pick up.
 */
export interface HandOff {
  create(request: HandOffRequest): Promise<HandOffReceipt>;
}

export class TableHandOff implements HandOff {
  constructor(private readonly db: Kysely<Database>) {}

  async create(request: HandOffRequest): Promise<HandOffReceipt> {
    const row = await this.db
      .insertInto("assistantHandoffs")
      .values({ ...request, status: "open", createdAt: nowIso() })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { reference: `ZNKF-${String(row.id).padStart(6, "0")}` };
  }
}
