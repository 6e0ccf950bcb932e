import { createHash, randomBytes } from "node:crypto";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import type { StaffPrincipal } from "../staff/index.ts";

import type { Db } from "../../platform/db/database.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import { forbidden, Invalid } from "../../platform/http/errors.ts";

import type { MailboxTables } from "./tables.ts";

const hash = (key: string) => createHash("sha256").update(key).digest("hex");

/** API keys for Open311 clients that file letters; only hashes are stored, the key is shown once. */
export class Open311Keys {
  constructor(
    private readonly store: Db<MailboxTables>,
    private readonly audit: AuditLog,
  ) {}

  async list() {
    return this.store.db
      .selectFrom("open311Keys")
      .select(["id", "name", "siteId", "createdAt", "revokedAt"])
      .orderBy("id")
      .execute();
  }

  async create(name: string, siteId: number, actor: StaffPrincipal): Promise<string> {
    if (!actor.isOperator) throw forbidden();
    return this.issue(name, siteId, actor.username);
  }

  /**
   * Makes a key for a partner filing into `siteId`'s mailbox and returns it (shown once; only its
   * hash is stored). `actor` is recorded in the audit log: an operator, or `system:open311-key` for
   * the command line (whoever runs it already holds the server).
   */
  async issue(name: string, siteId: number, actor: string): Promise<string> {
    const label = name.trim();
    if (!label || [...label].length > 60)
      throw new Invalid("请填写1至60字的客户端名称", { name: "请填写客户端名称" });
    const key = `o311_${randomBytes(24).toString("base64url")}`;
    await this.store.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("open311Keys")
        .values({ name: label, keyHash: hash(key), siteId, createdAt: nowIso(), revokedAt: null })
        .returning("id")
        .executeTakeFirstOrThrow();
      await this.audit.record(
        {
          actor,
          action: "open311_key.create",
          targetType: "open311_key",
          targetId: row.id,
          detail: { name: label, siteId },
        },
        trx,
      );
    });
    return key;
  }

  async revoke(id: number, actor: StaffPrincipal): Promise<void> {
    if (!actor.isOperator) throw forbidden();
    await this.store.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("open311Keys")
        .set({ revokedAt: nowIso() })
        .where("id", "=", id)
        .where("revokedAt", "is", null)
        .execute();
      await this.audit.record(
        { actor: actor.username, action: "open311_key.revoke", targetType: "open311_key", targetId: id },
        trx,
      );
    });
  }

  /** The active key's row, or null. */
  async check(key: string) {
    if (!key || key.length > 100) return null;
    const row = await this.store.db
      .selectFrom("open311Keys")
      .selectAll()
      .where("keyHash", "=", hash(key))
      .executeTakeFirst();
    return row && !row.revokedAt ? row : null;
  }
}
