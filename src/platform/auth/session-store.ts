import { createHash, randomBytes } from "node:crypto";

import type { Kysely } from "kysely";

import { nowIso } from "../time/china-time.ts";

import type { AuthTables, SessionKind } from "./tables.ts";

export type { SessionKind };

export interface Session {
  id: string;
  userId: number;
  kind: SessionKind;
  csrf: string;
  data: Record<string, unknown>;
  expiresAt: string;
}

/** Where sessions live: the database by default, Redis in multi-instance mode. */
export interface SessionStore {
  create(
    userId: number,
    kind: SessionKind,
    ttlSeconds: number,
    data?: Record<string, unknown>,
  ): Promise<{ token: string; session: Session }>;
  get(token: string): Promise<Session | null>;
  destroy(token: string): Promise<void>;
  /** Ends every session of one user of one kind (staff and citizen ids are separate sequences). */
  destroyAllFor(userId: number, kind: SessionKind): Promise<void>;
}

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Sessions are stored under a hash of the cookie token, so a leaked table grants nothing. */
export function tokenId(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Kysely<AuthTables>) {}

  async create(userId: number, kind: SessionKind, ttlSeconds: number, data: Record<string, unknown> = {}) {
    const token = newToken();
    const session: Session = {
      id: tokenId(token),
      userId,
      kind,
      csrf: newToken(),
      data,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
    };
    await this.db
      .insertInto("sessions")
      .values({ ...session, data: JSON.stringify(data), createdAt: nowIso() })
      .execute();
    return { token, session };
  }

  async get(token: string): Promise<Session | null> {
    if (!token || token.length > 100) return null;
    const row = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("id", "=", tokenId(token))
      .executeTakeFirst();
    if (!row) return null;
    if (row.expiresAt < nowIso()) {
      await this.db.deleteFrom("sessions").where("id", "=", row.id).execute();
      return null;
    }
    return {
      id: row.id,
      userId: row.userId,
      kind: row.kind,
      csrf: row.csrf,
      data: JSON.parse(row.data),
      expiresAt: row.expiresAt,
    };
  }

  async destroy(token: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("id", "=", tokenId(token)).execute();
  }

  async destroyAllFor(userId: number, kind: SessionKind): Promise<void> {
    await this.db.deleteFrom("sessions").where("userId", "=", userId).where("kind", "=", kind).execute();
  }
}
