import { sql, type Kysely } from "kysely";

import type { AssistantFaqRow, AssistantTables, FaqStatus } from "./tables.ts";

/** A link from an FAQ entry to the related service guide or policy document. */
export interface FaqLink {
  /** service: the 办事指南 of a service item; apply: where to apply for it online. */
  kind: "service" | "apply" | "policy" | "page";
  title: string;
  href: string;
}

/** The editable working copy of an entry plus its review state. */
export interface FaqRecord {
  id: string;
  siteId: number;
  department: string;
  category: string;
  question: string;
  alternatives: string[];
  answer: string;
  keywords: string[];
  links: FaqLink[];
  status: "draft" | "submitted" | "published";
  /** True when a version of the entry is live (possibly older than the working copy). */
  live: boolean;
  publishedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The live (published) content of an entry: what the engine answers with. */
export interface PublishedFaq {
  id: string;
  siteId: number;
  department: string;
  category: string;
  question: string;
  alternatives: string[];
  answer: string;
  keywords: string[];
  links: FaqLink[];
}

function parseArray<T>(json: string | null): T[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as T[]) : [];
  } catch {
    return [];
  }
}

export function toRecord(row: AssistantFaqRow): FaqRecord {
  return {
    id: row.id,
    siteId: row.siteId,
    department: row.department,
    category: row.category,
    question: row.question,
    alternatives: parseArray<string>(row.alternatives),
    answer: row.answer,
    keywords: parseArray<string>(row.keywords),
    links: parseArray<FaqLink>(row.links),
    status: row.status as FaqRecord["status"],
    live: row.publishedJson !== null,
    publishedAt: row.publishedAt,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function snapshotOf(record: Omit<PublishedFaq, never>): string {
  const { id, siteId, department, category, question, alternatives, answer, keywords, links } = record;
  return JSON.stringify({
    id,
    siteId,
    department,
    category,
    question,
    alternatives,
    answer,
    keywords,
    links,
  });
}

export interface TurnInput {
  conversationId: string;
  question: string;
  faqId: string | null;
  answered: boolean;
  reason: string;
  confidence: number;
  usedContext: boolean;
  createdAt: string;
}

export class AssistantRepo {
  constructor(readonly db: Kysely<AssistantTables>) {}

  async faqById(id: string): Promise<AssistantFaqRow | undefined> {
    return this.db.selectFrom("assistantFaqs").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async publishedFaqs(): Promise<PublishedFaq[]> {
    const rows = await this.db
      .selectFrom("assistantFaqs")
      .select(["publishedJson"])
      .where("publishedJson", "is not", null)
      .orderBy("id")
      .execute();
    return rows.map((r) => JSON.parse(r.publishedJson!) as PublishedFaq);
  }

  async listFaqs(
    filter: { siteIds: number[] | null; status?: string | null; q?: string | null },
    page: number,
    pageSize: number,
  ): Promise<{ rows: FaqRecord[]; total: number }> {
    let query = this.db.selectFrom("assistantFaqs");
    if (filter.siteIds) query = query.where("siteId", "in", filter.siteIds.length ? filter.siteIds : [-1]);
    if (filter.status) query = query.where("status", "=", filter.status as FaqStatus);
    if (filter.q) {
      const like = `%${filter.q.replace(/[%_\\]/g, "")}%`;
      query = query.where((eb) => eb.or([eb("question", "like", like), eb("id", "=", filter.q!)]));
    }
    const total = await query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    const rows = await query
      .selectAll()
      .orderBy("updatedAt", "desc")
      .orderBy("id")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { rows: rows.map(toRecord), total: Number(total.n) };
  }

  /** Next free faq-NNN id (entries created in the console continue the imported numbering). */
  async nextFaqId(): Promise<string> {
    const rows = await this.db.selectFrom("assistantFaqs").select("id").execute();
    let max = 0;
    for (const r of rows) {
      const n = Number(/^faq-(\d+)$/.exec(r.id)?.[1] ?? 0);
      if (n > max) max = n;
    }
    return `faq-${String(max + 1).padStart(3, "0")}`;
  }

  async conversation(id: string) {
    return this.db.selectFrom("assistantConversations").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async turnsOf(conversationId: string) {
    return this.db
      .selectFrom("assistantTurns")
      .selectAll()
      .where("conversationId", "=", conversationId)
      .orderBy("id")
      .execute();
  }

  async insertTurn(turn: TurnInput): Promise<number> {
    const row = await this.db
      .insertInto("assistantTurns")
      .values({
        ...turn,
        answered: turn.answered ? 1 : 0,
        usedContext: turn.usedContext ? 1 : 0,
        rating: null,
        resolved: 0,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Questions waiting for an editor: not answered (retrieval unsure) or rated not helpful. */
  async queueTurns(limit: number) {
    return this.db
      .selectFrom("assistantTurns")
      .select(["id", "question", "faqId", "answered", "rating", "createdAt"])
      .where("resolved", "=", 0)
      .where((eb) => eb.or([eb("reason", "=", "low_confidence"), eb("rating", "=", -1)]))
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
  }

  async resolveTurns(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable("assistantTurns").set({ resolved: 1 }).where("id", "in", ids).execute();
  }

  async stats(since: string) {
    const turns = await this.db
      .selectFrom("assistantTurns")
      .select([
        (eb) => eb.fn.countAll<number>().as("total"),
        (eb) => eb.fn.sum<number>("answered").as("answered"),
        sql<number>`sum(case when reason in ('answered','low_confidence') then 1 else 0 end)`.as("questions"),
        sql<number>`sum(case when rating = 1 then 1 else 0 end)`.as("helpful"),
        sql<number>`sum(case when rating = -1 then 1 else 0 end)`.as("unhelpful"),
      ])
      .where("createdAt", ">=", since)
      .executeTakeFirstOrThrow();
    const conversations = await this.db
      .selectFrom("assistantConversations")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("createdAt", ">=", since)
      .executeTakeFirstOrThrow();
    return {
      turns: Number(turns.total),
      questions: Number(turns.questions ?? 0),
      answered: Number(turns.answered ?? 0),
      helpful: Number(turns.helpful ?? 0),
      unhelpful: Number(turns.unhelpful ?? 0),
      conversations: Number(conversations.n),
    };
  }
}
