import type { Insertable, Selectable } from "kysely";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import { hashPassword, passwordProblem, verifyPassword } from "../../platform/auth/passwords.ts";

import type { Db } from "../../platform/db/database.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import { Invalid, TooMany, Unauthenticated } from "../../platform/http/errors.ts";

import { creditCodeProblem, idNumberProblem, MOBILE } from "../../platform/validation/china-ids.ts";

import { type ExternalIdentity, type RedirectIdentityProvider } from "./identity.ts";

import type { AccountKind, AccountRow, AccountsTables } from "./tables.ts";

export interface Account {
  id: number;
  kind: "person" | "enterprise";
  loginName: string;
  name: string;
  idNumber: string | null;
  creditCode: string | null;
  contactName: string | null;
  phone: string;
  verified: boolean;
  provider: string;
}

export interface RegisterInput {
  kind: string;
  name: string;
  idNumber?: string;
  creditCode?: string;
  contactName?: string;
  phone: string;
  password: string;
  password2: string;
  agree?: string;
}

export const ACCOUNT_KINDS: Record<string, string> = { person: "个人", enterprise: "法人（企业）" };

const MAX_FAILED = 5;
const LOCK_MINUTES = 15;

function toAccount(row: Selectable<AccountRow>): Account {
  return {
    id: row.id,
    kind: row.kind as Account["kind"],
    loginName: row.loginName,
    name: row.name,
    idNumber: row.idNumber,
    creditCode: row.creditCode,
    contactName: row.contactName,
    phone: row.phone,
    verified: row.verified === 1,
    provider: row.provider,
  };
}

/**
 * Citizen and enterprise accounts. The local identity provider lives here (argon2 passwords,
 * lockout after repeated failures); external providers (OIDC) map onto accounts by (provider, subject).
 * Login name: the mobile number for a person, the unified social credit code for an enterprise.
 */
export class AccountsService {
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly store: Db<AccountsTables>,
    private readonly audit: AuditLog,
    /** The external (redirect) identity provider, when configured (Config.oidc). */
    readonly external: RedirectIdentityProvider | null = null,
  ) {}

  private get db() {
    return this.store.db;
  }

  async byId(id: number): Promise<Account | undefined> {
    const row = await this.db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
    return row && !row.disabled ? toAccount(row) : undefined;
  }

  validate(input: RegisterInput): Record<string, string> {
    const errors: Record<string, string> = {};
    if (!Object.hasOwn(ACCOUNT_KINDS, input.kind)) errors.kind = "请选择账号类型";
    const name = input.name.trim();
    if (!name || name.length > 60)
      errors.name = input.kind === "enterprise" ? "请填写单位名称" : "请填写姓名";
    if (input.kind === "person") {
      const p = idNumberProblem(input.idNumber ?? "");
      if (p) errors.idNumber = p;
    }
    if (input.kind === "enterprise") {
      const p = creditCodeProblem(input.creditCode ?? "");
      if (p) errors.creditCode = p;
      if (!input.contactName?.trim()) errors.contactName = "请填写经办人姓名";
    }
    if (!MOBILE.test(input.phone.trim())) errors.phone = "请填写11位手机号码";
    const pw = passwordProblem(input.password);
    if (pw) errors.password = pw;
    else if (input.password !== input.password2) errors.password2 = "两次输入的密码不一致";
    if (input.agree !== "1") errors.agree = "请阅读并同意用户服务协议和隐私政策";
    return errors;
  }

  /** Demo accounts with an already-hashed password, real-name verified (seeds only; not audited). */
  async seedVerified(
    rows: (Pick<Insertable<AccountRow>, "kind" | "loginName" | "name" | "phone" | "passwordHash"> &
      Partial<Pick<Insertable<AccountRow>, "idNumber" | "creditCode" | "contactName">>)[],
  ): Promise<void> {
    await this.db
      .insertInto("accounts")
      .values(
        rows.map((r) => ({
          ...r,
          verified: 1,
          provider: "local" as const,
          subject: r.loginName,
          createdAt: nowIso(),
        })),
      )
      .execute();
  }

  /** Registers a local account (not yet real-name verified). */
  async register(input: RegisterInput): Promise<Account> {
    const errors = this.validate(input);
    if (Object.keys(errors).length) throw new Invalid("注册信息有误，请修改后重新提交", errors);
    const loginName =
      input.kind === "enterprise" ? input.creditCode!.trim().toUpperCase() : input.phone.trim();
    const exists = await this.db
      .selectFrom("accounts")
      .select("id")
      .where("loginName", "=", loginName)
      .executeTakeFirst();
    if (exists) {
      const field = input.kind === "enterprise" ? "creditCode" : "phone";
      throw new Invalid("该账号已注册，请直接登录", {
        [field]: input.kind === "enterprise" ? "该统一社会信用代码已注册" : "该手机号已注册",
      });
    }
    const row = await this.db
      .insertInto("accounts")
      .values({
        kind: input.kind as AccountKind, // checked by validate
        loginName,
        name: input.name.trim(),
        idNumber: input.kind === "person" ? input.idNumber!.trim().toUpperCase() : null,
        creditCode: input.kind === "enterprise" ? loginName : null,
        contactName: input.kind === "enterprise" ? input.contactName!.trim() : null,
        phone: input.phone.trim(),
        passwordHash: await hashPassword(input.password),
        provider: "local",
        subject: loginName,
        createdAt: nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit.record({
      actor: `account:${row.id}`,
      action: "account.register",
      targetType: "account",
      targetId: row.id,
    });
    return toAccount(row);
  }

  /** The local provider: login name + password, with lockout after repeated failures. */
  async authenticate(loginName: string, password: string): Promise<Account> {
    const fail = new Unauthenticated(
      "账号或密码错误",
      { loginName: "账号或密码错误" },
      "invalid_credentials",
    );
    const name = loginName.trim().slice(0, 40);
    const row = await this.db
      .selectFrom("accounts")
      .selectAll()
      .where("loginName", "in", [name, name.toUpperCase()])
      .where("provider", "=", "local")
      .executeTakeFirst();
    if (!row || !row.passwordHash || row.disabled) {
      // Same work as a real check, so response time does not reveal which accounts exist.
      this.dummyHash ??= hashPassword("not-a-real-password-Aa1!");
      await verifyPassword(await this.dummyHash, password);
      throw fail;
    }
    if (row.lockedUntil && row.lockedUntil > nowIso())
      throw new TooMany(`连续登录失败次数过多，账号已锁定，请${LOCK_MINUTES}分钟后再试`, {}, "locked");
    if (!(await verifyPassword(row.passwordHash, password))) {
      const failed = row.failedLogins + 1;
      await this.db
        .updateTable("accounts")
        .set({
          failedLogins: failed >= MAX_FAILED ? 0 : failed,
          lockedUntil:
            failed >= MAX_FAILED ? new Date(Date.now() + LOCK_MINUTES * 60000).toISOString() : null,
        })
        .where("id", "=", row.id)
        .execute();
      throw fail;
    }
    if (row.failedLogins > 0 || row.lockedUntil)
      await this.db
        .updateTable("accounts")
        .set({ failedLogins: 0, lockedUntil: null })
        .where("id", "=", row.id)
        .execute();
    return toAccount(row);
  }

  /** Finds or creates the account of an external identity; the provider's real-name flag is kept current. */
  async fromExternal(identity: ExternalIdentity): Promise<Account> {
    const existing = await this.db
      .selectFrom("accounts")
      .selectAll()
      .where("provider", "=", identity.provider)
      .where("subject", "=", identity.subject)
      .executeTakeFirst();
    if (existing) {
      await this.db
        .updateTable("accounts")
        .set({ name: identity.name, verified: identity.verified ? 1 : 0 })
        .where("id", "=", existing.id)
        .execute();
      return (await this.byId(existing.id))!;
    }
    const row = await this.db
      .insertInto("accounts")
      .values({
        kind: identity.kind,
        loginName: `${identity.provider}:${identity.subject}`.slice(0, 200),
        name: identity.name,
        idNumber: identity.idNumber,
        creditCode: identity.creditCode,
        contactName: null,
        phone: identity.phone ?? "",
        passwordHash: null,
        verified: identity.verified ? 1 : 0,
        provider: identity.provider,
        subject: identity.subject,
        createdAt: nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit.record({
      actor: `account:${row.id}`,
      action: "account.register",
      targetType: "account",
      targetId: row.id,
      detail: { provider: identity.provider },
    });
    return toAccount(row);
  }

  /** Records a completed real-name verification (by an operator, or a trusted provider). */
  async markVerified(id: number, actor: string): Promise<void> {
    await this.db.updateTable("accounts").set({ verified: 1 }).where("id", "=", id).execute();
    await this.audit.record({ actor, action: "account.verify", targetType: "account", targetId: id });
  }
}
