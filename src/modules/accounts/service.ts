import type { Insertable, Selectable } from "kysely";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import { hashPassword, passwordProblem, verifyPasswordOrDummy } from "../../platform/auth/passwords.ts";

import { AttemptLimiter, type AttemptTarget } from "../../platform/auth/attempts.ts";

import type { Db } from "../../platform/db/database.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import { Invalid, TooMany, Unauthenticated } from "../../platform/http/errors.ts";

import { creditCodeProblem, idNumberProblem, MOBILE } from "../../platform/validation/china-ids.ts";

import { type ExternalIdentity, type RedirectIdentityProvider } from "./identity.ts";

import type { AccountKind, AccountRow, AccountsTables } from "./tables.ts";

import { personLoginName } from "../../migrations/sealed-fields.ts";

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
    // 已实名认证 only with the identifier it vouches for (ID number, or credit code for an enterprise).
    verified: row.verified === 1 && Boolean(row.kind === "enterprise" ? row.creditCode : row.idNumber),
    provider: row.provider,
  };
}

/**
 * Citizen and enterprise accounts. The local identity provider lives here (argon2 passwords,
 * lockout after repeated failures); external providers (OIDC) map onto accounts by (provider, subject).
 * Login name: the mobile number for a person, the unified social credit code for an enterprise.
 */
export class AccountsService {
  private readonly attempts: AttemptLimiter;

  constructor(
    private readonly store: Db<AccountsTables>,
    private readonly audit: AuditLog,
    /** Keys the hashes under which unknown names' attempts count (the app's cookie secret). */
    attemptSecret: string,
    /** The external (redirect) identity provider, when configured (Config.oidc). */
    readonly external: RedirectIdentityProvider | null = null,
  ) {
    this.attempts = new AttemptLimiter(
      store.db,
      { max: MAX_FAILED, lockMinutes: LOCK_MINUTES },
      attemptSecret,
    );
  }

  private get db() {
    return this.store.db;
  }

  /**
   * Personal fields as stored (storage layer): phone and ID number encrypted, the ID number's blind
   * index beside it, and a local person's login name (their phone) replaced by its blind index.
   */
  private sealed<
    R extends { kind: string; phone: string; idNumber?: string | null; loginName: string; subject: string },
  >(row: R): R & { idNumberIndex: string | null } {
    const cipher = this.store.cipher;
    const local = row.loginName === row.subject;
    const loginName =
      row.kind === "person" && local && !row.loginName.startsWith("ph:")
        ? personLoginName(cipher, row.loginName)
        : row.loginName;
    return {
      ...row,
      loginName,
      subject: local ? loginName : row.subject,
      phone: cipher.seal(row.phone),
      idNumber: cipher.seal(row.idNumber ?? null),
      idNumberIndex: cipher.blindIndex("id-number", row.idNumber ?? null),
    };
  }

  /** The login names a typed name may be stored under: a credit code as typed or upper-cased, a phone's index. */
  private loginNames(typed: string): string[] {
    return [typed, typed.toUpperCase(), personLoginName(this.store.cipher, typed)];
  }

  /** Accounts registered before an instant (the 网站工作年度报表's 注册用户数). */
  async registeredBefore(until: string): Promise<number> {
    const { n } = await this.store.read
      .selectFrom("accounts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("createdAt", "<", until)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /** The enterprises among these accounts (the rest are persons, or gone). */
  async enterprisesAmong(ids: number[]): Promise<Set<number>> {
    const found = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.store.read
        .selectFrom("accounts")
        .select("id")
        .where("kind", "=", "enterprise")
        .where("id", "in", ids.slice(i, i + 500))
        .execute();
      for (const r of rows) found.add(r.id);
    }
    return found;
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
        rows.map((r) =>
          this.sealed({
            ...r,
            verified: 1,
            provider: "local" as const,
            subject: r.loginName,
            createdAt: nowIso(),
          }),
        ),
      )
      .execute();
  }

  /** Real-name verified people and enterprises (the demo's base registries start from them). */
  async verifiedHolders(): Promise<{
    people: { idNumber: string; name: string }[];
    entities: { creditCode: string; name: string }[];
  }> {
    const rows = await this.db
      .selectFrom("accounts")
      .select(["kind", "name", "idNumber", "creditCode"])
      .where("verified", "=", 1)
      .orderBy("id")
      .execute();
    return {
      people: rows.flatMap((r) =>
        r.kind === "person" && r.idNumber ? [{ idNumber: r.idNumber, name: r.name }] : [],
      ),
      entities: rows.flatMap((r) =>
        r.kind === "enterprise" && r.creditCode ? [{ creditCode: r.creditCode, name: r.name }] : [],
      ),
    };
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
      .where("loginName", "in", this.loginNames(loginName))
      .executeTakeFirst();
    if (exists) {
      const field = input.kind === "enterprise" ? "creditCode" : "phone";
      throw new Invalid("该账号已注册，请直接登录", {
        [field]: input.kind === "enterprise" ? "该统一社会信用代码已注册" : "该手机号已注册",
      });
    }
    if (input.kind === "person" && (await this.byIdNumber(input.idNumber!)))
      throw new Invalid("该身份证号码已注册，请直接登录", { idNumber: "该身份证号码已注册" });
    const row = await this.db
      .insertInto("accounts")
      .values(
        this.sealed({
          kind: input.kind as AccountKind, // checked by validate
          loginName,
          name: input.name.trim(),
          idNumber: input.kind === "person" ? input.idNumber!.trim().toUpperCase() : null,
          creditCode: input.kind === "enterprise" ? loginName : null,
          contactName: input.kind === "enterprise" ? input.contactName!.trim() : null,
          phone: input.phone.trim(),
          passwordHash: await hashPassword(input.password),
          provider: "local" as const,
          subject: loginName,
          createdAt: nowIso(),
        }),
      )
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

  /**
   * The local provider: login name + password, with lockout after repeated failures. Every attempt
   * is reserved before the password is compared (attempts.ts), for unknown names too (counted under a
   * hash of the name and checked against a dummy hash): parallel guesses cannot outrun the lockout,
   * and an unknown name gets the same answers, after the same work, as a real account.
   */
  async authenticate(loginName: string, password: string, ip = "-"): Promise<Account> {
    const name = loginName.trim().slice(0, 40);
    const row = await this.db
      .selectFrom("accounts")
      .selectAll()
      .where("loginName", "in", this.loginNames(name))
      .where("provider", "=", "local")
      .executeTakeFirst();
    const target: AttemptTarget = row
      ? { table: "accounts", id: row.id }
      : this.attempts.unknownName("citizen", name.toUpperCase());
    const failed = async (reason: string, locked: boolean) => {
      await this.audit.record({
        actor: row ? `account:${row.id}` : "anonymous",
        action: "account.login.failed",
        targetType: "account",
        targetId: row?.id ?? "-",
        detail: { ip, reason, locked },
      });
      if (locked)
        return new TooMany(`连续登录失败次数过多，账号已锁定，请${LOCK_MINUTES}分钟后再试`, {}, "locked");
      return new Unauthenticated("账号或密码错误", { loginName: "账号或密码错误" }, "invalid_credentials");
    };
    if ((await this.attempts.reserve(target)) === "locked") throw await failed("locked", true);
    const good = await verifyPasswordOrDummy(row?.passwordHash ?? null, password);
    if (!row || !good || row.disabled) {
      const locked = await this.attempts.failed(target);
      throw await failed(!row ? "unknown" : row.disabled && good ? "disabled" : "password", locked);
    }
    await this.attempts.reset(target);
    return toAccount(row);
  }

  /**
   * Finds or creates the account of an external identity. On every sign-in the provider's current
   * name, ID number, credit code, phone and real-name flag replace what we stored: the provider is the
   * source of truth for them (a revoked verification or a corrected name must show at once).
   */
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
        .set({
          kind: identity.kind,
          name: identity.name,
          idNumber: identity.idNumber,
          creditCode: identity.creditCode,
          phone: identity.phone ?? "",
          verified: identity.verified ? 1 : 0,
        })
        .where("id", "=", existing.id)
        .execute();
      return (await this.byId(existing.id))!;
    }
    const row = await this.db
      .insertInto("accounts")
      .values(
        this.sealed({
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
        }),
      )
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

  /** The local account registered with this ID number, if any (found by its blind index). */
  async byIdNumber(idNumber: string): Promise<Account | undefined> {
    const row = await this.db
      .selectFrom("accounts")
      .selectAll()
      .where("idNumberIndex", "=", this.store.cipher.blindIndex("id-number", idNumber))
      .where("provider", "=", "local")
      .executeTakeFirst();
    return row && !row.disabled ? toAccount(row) : undefined;
  }

  /** The local enterprise account with this unified social credit code, if any. */
  async byCreditCode(creditCode: string): Promise<Account | undefined> {
    const row = await this.db
      .selectFrom("accounts")
      .selectAll()
      .where("creditCode", "=", creditCode.trim().toUpperCase())
      .where("provider", "=", "local")
      .executeTakeFirst();
    return row && !row.disabled ? toAccount(row) : undefined;
  }

  /** Records a completed real-name verification (by an operator, or a trusted provider). */
  async markVerified(id: number, actor: string): Promise<void> {
    await this.db.updateTable("accounts").set({ verified: 1 }).where("id", "=", id).execute();
    await this.audit.record({ actor, action: "account.verify", targetType: "account", targetId: id });
  }
}
