import type { Kysely, Selectable } from "kysely";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import { hashPassword, passwordProblem, verifyPasswordOrDummy } from "../../platform/auth/passwords.ts";

import { AttemptLimiter, type AttemptTarget } from "../../platform/auth/attempts.ts";

import { STAFF_ROLES } from "./auth.ts";

import { nowIso } from "../../platform/time/china-time.ts";

import { notFound, Invalid } from "../../platform/http/errors.ts";

import type { SessionStore } from "../../platform/auth/session-store.ts";

import { type StaffDirectory, type StaffPrincipal } from "./auth.ts";
import type { StaffRole, StaffTables, StaffUserRow } from "./tables.ts";

import { totpStep } from "./totp.ts";

export type StaffUser = Selectable<StaffUserRow>;

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;
/** One message for an unknown user and a wrong password, so the form does not reveal who exists. */
export const LOGIN_FAILED_MESSAGE = "用户名或密码错误，请重新输入";
export const LOCKED_MESSAGE = `连续登录失败次数过多，账号已锁定${LOCK_MINUTES}分钟，请稍后再试或联系管理员解锁`;
export const TOTP_FAILED_MESSAGE = "动态验证码错误或已过期，请输入验证器中当前显示的6位数字";
/** A right code that was already used (each code signs in once). */
export const TOTP_USED_MESSAGE = "该动态验证码已使用过，请等待验证器显示新的验证码后再输入";

const USERNAME = /^[a-z][a-z0-9_.-]{2,31}$/;

export type PasswordCheck = { ok: true; user: StaffUser } | { ok: false; message: string };

export interface NewStaffUser {
  username: string;
  displayName: string;
  password: string;
  isOperator?: boolean;
}

function isStaffRole(role: string): role is StaffRole {
  return Object.hasOwn(STAFF_ROLES, role);
}

/** Staff accounts: sign-in checks with lockout, TOTP, and account administration. */
export class StaffService implements StaffDirectory {
  constructor(
    private readonly db: Kysely<StaffTables>,
    private readonly audit: AuditLog,
    /** Where staff sessions live; disabling a user ends them. */
    private readonly sessions: SessionStore,
    /** Keys the hashes under which unknown names' attempts count (the app's cookie secret). */
    attemptSecret: string,
  ) {
    this.attempts = new AttemptLimiter(
      db,
      { max: MAX_FAILED_LOGINS, lockMinutes: LOCK_MINUTES },
      attemptSecret,
    );
  }

  private readonly attempts: AttemptLimiter;

  /** The signed-in principal for a staff session: null when the user is unknown or disabled. */
  async principal(userId: number): Promise<StaffPrincipal | null> {
    const user = await this.db
      .selectFrom("staffUsers")
      .select(["id", "username", "displayName", "isOperator", "disabled"])
      .where("id", "=", userId)
      .executeTakeFirst();
    if (!user || user.disabled) return null;
    const roles = await this.db
      .selectFrom("staffRoles")
      .select(["siteId", "role"])
      .where("userId", "=", user.id)
      .execute();
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      isOperator: user.isOperator === 1,
      roles,
    };
  }

  byId(id: number): Promise<StaffUser | undefined> {
    return this.db.selectFrom("staffUsers").selectAll().where("id", "=", id).executeTakeFirst();
  }

  byUsername(username: string): Promise<StaffUser | undefined> {
    return this.db.selectFrom("staffUsers").selectAll().where("username", "=", username).executeTakeFirst();
  }

  /**
   * Staff members' display names by how a record names them: their login, or `staff:ID`; names
   * that are neither (system:…, account:…) or nobody's are left out. One query.
   */
  async displayNames(actors: string[]): Promise<Map<string, string>> {
    const ids = actors
      .map((a) => /^staff:(\d{1,9})$/.exec(a)?.[1])
      .filter((id) => id !== undefined)
      .map(Number);
    const logins = actors.filter((a) => /^[a-z][a-z0-9_.-]{2,31}$/.test(a));
    if (ids.length === 0 && logins.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("staffUsers")
      .select(["id", "username", "displayName"])
      .where((eb) =>
        eb.or([eb("id", "in", ids.length ? ids : [-1]), eb("username", "in", logins.length ? logins : [""])]),
      )
      .execute();
    const names = new Map<string, string>();
    for (const r of rows) {
      names.set(`staff:${r.id}`, r.displayName);
      names.set(r.username, r.displayName);
    }
    return names;
  }

  /**
   * First factor. Every attempt is reserved before the password is compared (attempts.ts), for
   * unknown names too (counted under a hash of the name, checked against a dummy hash), so parallel
   * guesses cannot outrun the lockout and the answers do not tell which names exist. Audited.
   */
  async checkPassword(username: string, password: string, ip: string): Promise<PasswordCheck> {
    const name = username.trim().toLowerCase().slice(0, 64);
    const user = name ? await this.byUsername(name) : undefined;
    const target = this.attemptTarget(user, name);
    const fail = async (reason: string, message: string, extra: Record<string, unknown> = {}) => {
      await this.audit.record({
        actor: user?.username ?? "anonymous",
        action: "staff.login.failed",
        targetType: "staff",
        targetId: user?.id ?? "-",
        detail: { ...(user ? {} : { username: name }), ip, reason, ...extra },
      });
      return { ok: false as const, message };
    };
    if ((await this.attempts.reserve(target)) === "locked") return fail("locked", LOCKED_MESSAGE);
    const good = await verifyPasswordOrDummy(user?.passwordHash ?? null, password);
    if (!user || !good) {
      const locked = await this.attempts.failed(target);
      return fail(user ? "password" : "unknown-user", locked ? LOCKED_MESSAGE : LOGIN_FAILED_MESSAGE, {
        locked,
      });
    }
    if (user.disabled) {
      await this.attempts.release(target);
      return fail("disabled", "该账号已停用，请联系管理员");
    }
    // An operator still owes a TOTP code: the attempt is given back, the count goes on until the
    // whole sign-in succeeds (loginSucceeded resets it), so TOTP guesses stay limited.
    if (user.isOperator) await this.attempts.release(target);
    return { ok: true, user };
  }

  /**
   * Second factor; a wrong code counts as a failed attempt like a wrong password, and is reserved
   * before it is compared. A right code is accepted once: its time step must be later than the
   * last one used (a conditional update, so two sign-ins cannot both use one code).
   */
  async checkTotp(
    user: StaffUser,
    code: string,
    secret: string,
    ip: string,
  ): Promise<{ ok: true } | { ok: false; message: string }> {
    const target = this.attemptTarget(user, user.username);
    if ((await this.attempts.reserve(target)) === "locked") return { ok: false, message: LOCKED_MESSAGE };
    const step = totpStep(user.username, secret, code);
    if (step !== null) {
      const claimed = await this.db
        .updateTable("staffUsers")
        .set({ lastTotpStep: step })
        .where("id", "=", user.id)
        .where((eb) => eb.or([eb("lastTotpStep", "is", null), eb("lastTotpStep", "<", step)]))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) return { ok: true };
    }
    const locked = await this.attempts.failed(target);
    await this.audit.record({
      actor: user.username,
      action: "staff.login.failed",
      targetType: "staff",
      targetId: user.id,
      detail: { ip, reason: step === null ? "totp" : "totp-replay", locked },
    });
    if (locked) return { ok: false, message: LOCKED_MESSAGE };
    return { ok: false, message: step === null ? TOTP_FAILED_MESSAGE : TOTP_USED_MESSAGE };
  }

  /** A completed sign-in: clears the failure count, stores a newly enrolled TOTP secret, audits. */
  async loginSucceeded(user: StaffUser, ip: string, enrolledSecret: string | null): Promise<void> {
    await this.db
      .updateTable("staffUsers")
      .set({
        failedLogins: 0,
        lockedUntil: null,
        ...(enrolledSecret ? { totpSecret: enrolledSecret } : {}),
      })
      .where("id", "=", user.id)
      .execute();
    if (enrolledSecret) {
      await this.audit.record({
        actor: user.username,
        action: "staff.totp.enrol",
        targetType: "staff",
        targetId: user.id,
        detail: { ip },
      });
    }
    await this.audit.record({
      actor: user.username,
      action: "staff.login",
      targetType: "staff",
      targetId: user.id,
      detail: { ip },
    });
  }

  isLocked(user: StaffUser): boolean {
    return !!user.lockedUntil && user.lockedUntil > nowIso();
  }

  /** Where the attempts at this name count: the user's row, or a hashed-name row for unknown names. */
  private attemptTarget(user: StaffUser | undefined, name: string): AttemptTarget {
    return user ? { table: "staff_users", id: user.id } : this.attempts.unknownName("staff", name);
  }

  // ---- administration -------------------------------------------------------------------------

  async list(filter: { siteIds: number[] | null; q?: string }, page: number, pageSize: number) {
    let q = this.db.selectFrom("staffUsers as u");
    if (filter.siteIds) {
      const ids = filter.siteIds.length ? filter.siteIds : [-1];
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("staffRoles as r")
            .select("r.userId")
            .whereRef("r.userId", "=", "u.id")
            .where("r.siteId", "in", ids),
        ),
      );
    }
    if (filter.q) {
      const like = `%${filter.q.replace(/[%_]/g, "")}%`;
      q = q.where((eb) => eb.or([eb("u.username", "like", like), eb("u.displayName", "like", like)]));
    }
    const rows = await q
      .select([
        "u.id",
        "u.username",
        "u.displayName",
        "u.isOperator",
        "u.disabled",
        "u.lockedUntil",
        "u.failedLogins",
        "u.totpSecret",
      ])
      .orderBy("u.id")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const roles = rows.length
      ? await this.db
          .selectFrom("staffRoles")
          .selectAll()
          .where(
            "userId",
            "in",
            rows.map((r) => r.id),
          )
          .execute()
      : [];
    return {
      rows: rows.map(({ totpSecret, ...r }) => ({
        ...r,
        hasTotp: !!totpSecret,
        roles: roles.filter((x) => x.userId === r.id),
      })),
      total,
      page,
      pageSize,
    };
  }

  /**
   * A demo or fixture user with an already-hashed password (seeds share one hash), with its roles;
   * an existing user of that name is reused. Not audited: seeds are not staff actions.
   */
  async ensureSeedUser(input: {
    username: string;
    displayName: string;
    passwordHash: string;
    isOperator?: boolean;
    roles?: { siteId: number; role: StaffRole }[];
  }): Promise<number> {
    const existing = await this.db
      .selectFrom("staffUsers")
      .select("id")
      .where("username", "=", input.username)
      .executeTakeFirst();
    const user =
      existing ??
      (await this.db
        .insertInto("staffUsers")
        .values({
          username: input.username,
          displayName: input.displayName,
          passwordHash: input.passwordHash,
          isOperator: input.isOperator ? 1 : 0,
          createdAt: nowIso(),
        })
        .returning("id")
        .executeTakeFirstOrThrow());
    for (const { siteId, role } of input.roles ?? [])
      await this.db
        .insertInto("staffRoles")
        .values({ userId: user.id, siteId, role })
        .onConflict((oc) => oc.doNothing())
        .execute();
    return user.id;
  }

  /** Enabled staff users among these ids, by id (names for other modules' lists). */
  async activeUsers(ids: number[]): Promise<{ id: number; displayName: string }[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom("staffUsers")
      .select(["id", "displayName"])
      .where("id", "in", ids)
      .where("disabled", "=", 0)
      .orderBy("id")
      .execute();
  }

  /** Enabled staff users holding `role` on a site, by id. */
  async activeWithRole(siteId: number, role: StaffRole): Promise<{ id: number; displayName: string }[]> {
    return this.db
      .selectFrom("staffUsers")
      .innerJoin("staffRoles", "staffRoles.userId", "staffUsers.id")
      .select(["staffUsers.id", "staffUsers.displayName"])
      .where("staffRoles.siteId", "=", siteId)
      .where("staffRoles.role", "=", role)
      .where("staffUsers.disabled", "=", 0)
      .orderBy("staffUsers.id")
      .execute();
  }

  rolesOf(userId: number) {
    return this.db.selectFrom("staffRoles").selectAll().where("userId", "=", userId).execute();
  }

  async create(input: NewStaffUser, actor: string): Promise<StaffUser> {
    const errors: Record<string, string> = {};
    const username = input.username.trim().toLowerCase();
    if (!USERNAME.test(username))
      errors.username = "用户名须为3至32位小写字母、数字、下划线、点或连字符，以字母开头";
    else if (await this.byUsername(username)) errors.username = "该用户名已被使用";
    if (!input.displayName.trim() || input.displayName.length > 40)
      errors.displayName = "请填写姓名（40字以内）";
    const weak = passwordProblem(input.password);
    if (weak) errors.password = weak;
    if (Object.keys(errors).length) throw new Invalid("用户信息有误", errors);
    const user = await this.db
      .insertInto("staffUsers")
      .values({
        username,
        displayName: input.displayName.trim(),
        passwordHash: await hashPassword(input.password),
        isOperator: input.isOperator ? 1 : 0,
        createdAt: nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit.record({
      actor,
      action: "staff.create",
      targetType: "staff",
      targetId: user.id,
      detail: { username, isOperator: !!input.isOperator },
    });
    return user;
  }

  async grantRole(userId: number, siteId: number, role: string, actor: string): Promise<void> {
    if (!isStaffRole(role)) throw new Invalid("请选择角色", { role: "请选择角色" });
    if (!(await this.byId(userId))) throw notFound("用户不存在");
    await this.db
      .insertInto("staffRoles")
      .values({ userId, siteId, role })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await this.audit.record({
      actor,
      action: "staff.role.grant",
      targetType: "staff",
      targetId: userId,
      detail: { siteId, role },
    });
  }

  async revokeRole(userId: number, siteId: number, role: string, actor: string): Promise<void> {
    if (!isStaffRole(role)) return;
    await this.db
      .deleteFrom("staffRoles")
      .where("userId", "=", userId)
      .where("siteId", "=", siteId)
      .where("role", "=", role)
      .execute();
    await this.audit.record({
      actor,
      action: "staff.role.revoke",
      targetType: "staff",
      targetId: userId,
      detail: { siteId, role },
    });
  }

  async setDisabled(userId: number, disabled: boolean, actor: string): Promise<void> {
    if (!(await this.byId(userId))) throw notFound("用户不存在");
    await this.db
      .updateTable("staffUsers")
      .set({ disabled: disabled ? 1 : 0 })
      .where("id", "=", userId)
      .execute();
    // Only this staff user's sessions: a citizen account may have the same numeric id.
    if (disabled) await this.sessions.destroyAllFor(userId, "staff");
    await this.audit.record({
      actor,
      action: disabled ? "staff.disable" : "staff.enable",
      targetType: "staff",
      targetId: userId,
    });
  }

  async resetLockout(userId: number, actor: string): Promise<void> {
    if (!(await this.byId(userId))) throw notFound("用户不存在");
    await this.db
      .updateTable("staffUsers")
      .set({ failedLogins: 0, lockedUntil: null })
      .where("id", "=", userId)
      .execute();
    await this.audit.record({ actor, action: "staff.unlock", targetType: "staff", targetId: userId });
  }
}
