import { createHash, createHmac, randomInt, timingSafeEqual } from "node:crypto";

import type { Kysely } from "kysely";

import { nowIso } from "../time/china-time.ts";

import { Invalid, TooMany } from "../http/errors.ts";

import type { PhoneTables } from "./tables.ts";

import type { FieldCipher } from "../crypto/field-cipher.ts";

/** Sends a text message. Production plugs in an SMS gateway; the default writes to an outbox table. */
export interface SmsSender {
  send(phone: string, body: string): Promise<void>;
}

/**
 * Stores messages in `sms_outbox` (a gateway worker, or a person in a demo, reads them from there).
 * The phone is encrypted at rest (decrypted on read) with its blind index beside it.
 */
export class OutboxSmsSender implements SmsSender {
  constructor(
    private readonly db: Kysely<PhoneTables>,
    private readonly cipher: FieldCipher,
  ) {}
  async send(phone: string, body: string): Promise<void> {
    await this.db
      .insertInto("smsOutbox")
      .values({
        phone: this.cipher.seal(phone),
        phoneIndex: this.cipher.blindIndex("phone", phone),
        body,
        createdAt: nowIso(),
        sentAt: null,
      })
      .execute();
  }
}

export const PHONE_PATTERN = /^1[3-9]\d{9}$/;
export const CODE_TTL_MS = 10 * 60_000;
export const MAX_ATTEMPTS = 5;
/** At most one code per phone per minute, 5 per phone per hour, 20 per address per hour. */
export const LIMITS = { phoneGapMs: 60_000, phonePerHour: 5, ipPerHour: 20 };

export function normalisePhone(raw: string): string {
  return raw.replace(/[\s-]/g, "").replace(/^\+?86/, "");
}

/**
 * Phone-code check for citizens without an account: six-digit codes, stored only as keyed hashes,
 * valid 10 minutes, 5 wrong tries burn a code, rate-limited per phone and per client address.
 */
export class PhoneVerifier {
  constructor(
    private readonly db: Kysely<PhoneTables>,
    private readonly sms: SmsSender,
    private readonly secret: string,
  ) {}

  private hash(value: string): string {
    return createHmac("sha256", this.secret).update(value).digest("hex");
  }

  ipHash(ip: string): string {
    return this.hash(`ip:${ip}`).slice(0, 32);
  }

  /** What phone_codes stores for a phone: a keyed hash (codes are looked up by phone, never shown). */
  phoneKey(rawPhone: string): string {
    return this.hash(`phone:${normalisePhone(rawPhone)}`);
  }

  /** Sends a code; returns it (so a demo deployment may show it on the page). */
  async request(rawPhone: string, purpose: string, ip: string, now = new Date()): Promise<string> {
    const phone = normalisePhone(rawPhone);
    if (!PHONE_PATTERN.test(phone))
      throw new Invalid("请填写正确的11位手机号码", { phone: "手机号码格式不正确" });
    const hourAgo = new Date(now.getTime() - 3600_000).toISOString();
    const ipHash = this.ipHash(ip);
    const recent = await this.db
      .selectFrom("phoneCodes")
      .select(["createdAt"])
      .where("phone", "=", this.phoneKey(phone))
      .where("createdAt", ">", hourAgo)
      .orderBy("createdAt", "desc")
      .execute();
    if (recent.length > 0 && now.getTime() - Date.parse(recent[0].createdAt) < LIMITS.phoneGapMs) {
      const wait = Math.ceil((LIMITS.phoneGapMs - (now.getTime() - Date.parse(recent[0].createdAt))) / 1000);
      throw new TooMany(`验证码已发送，请${wait}秒后再重新获取`, { phone: `请${wait}秒后再获取验证码` });
    }
    if (recent.length >= LIMITS.phonePerHour)
      throw new TooMany("该手机号获取验证码过于频繁，请1小时后再试", { phone: "获取验证码过于频繁" });
    const byIp = await this.db
      .selectFrom("phoneCodes")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("ipHash", "=", ipHash)
      .where("createdAt", ">", hourAgo)
      .executeTakeFirstOrThrow();
    if (Number(byIp.n) >= LIMITS.ipPerHour)
      throw new TooMany("当前网络获取验证码过于频繁，请稍后再试", { phone: "获取验证码过于频繁" });
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    await this.db
      .insertInto("phoneCodes")
      .values({
        phone: this.phoneKey(phone),
        purpose,
        codeHash: this.hash(`${phone}:${code}`),
        ipHash,
        attempts: 0,
        usedAt: null,
        expiresAt: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
        createdAt: now.toISOString(),
      })
      .execute();
    await this.sms.send(phone, `【楚云政务】您的验证码是${code}，10分钟内有效。如非本人操作请忽略。`);
    return code;
  }

  /**
   * Checks the latest code sent to the phone. One code serves the same phone on every form (a letter,
   * then a survey) until it expires: `purpose` only records where it was asked for. Wrong tries are
   * limited per code (MAX_ATTEMPTS); throws DomainError (field `code`) when wrong or expired.
   */
  async verify(rawPhone: string, purpose: string, rawCode: string, now = new Date()): Promise<string> {
    const phone = normalisePhone(rawPhone);
    const code = rawCode.trim();
    const row = await this.db
      .selectFrom("phoneCodes")
      .selectAll()
      .where("phone", "=", this.phoneKey(phone))
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    const fail = (message: string) => new Invalid(message, { code: message });
    if (!row || row.expiresAt < now.toISOString()) throw fail("验证码已过期或未获取，请重新获取");
    // Reserve a try before comparing (one atomic increment that stops at the limit), so codes sent
    // in parallel cannot all be compared: only the first MAX_ATTEMPTS ever are.
    const reserved = await this.db
      .updateTable("phoneCodes")
      .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
      .where("id", "=", row.id)
      .where("attempts", "<", MAX_ATTEMPTS)
      .returning("attempts")
      .executeTakeFirst();
    if (!reserved) throw fail("验证码错误次数过多，请重新获取");
    const expected = Buffer.from(row.codeHash, "hex");
    // Codes stored before they served every form were keyed with their purpose.
    const forms = [`${phone}:${code}`, `${phone}:${row.purpose}:${code}`];
    const matches = forms.reduce(
      (hit, form) => timingSafeEqual(expected, Buffer.from(this.hash(form), "hex")) || hit,
      false,
    );
    if (!/^\d{6}$/.test(code) || !matches)
      throw fail(reserved.attempts >= MAX_ATTEMPTS ? "验证码错误次数过多，请重新获取" : "验证码不正确");
    // A right code gives its try back, so using it on several forms does not use up the wrong tries.
    await this.db
      .updateTable("phoneCodes")
      .set((eb) => ({
        attempts: eb("attempts", "-", 1),
        usedAt: eb.fn.coalesce("usedAt", eb.val(now.toISOString())),
      }))
      .where("id", "=", row.id)
      .execute();
    return phone;
  }

  /** Seconds until the phone may ask for a new code (0: now). The form counts them down. */
  async resendIn(rawPhone: string, now = new Date()): Promise<number> {
    const last = await this.db
      .selectFrom("phoneCodes")
      .select("createdAt")
      .where("phone", "=", this.phoneKey(normalisePhone(rawPhone)))
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!last) return 0;
    const left = LIMITS.phoneGapMs - (now.getTime() - Date.parse(last.createdAt));
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** A stable, non-reversible identity for "one answer per verified person". */
  personHash(phone: string): string {
    return createHash("sha256")
      .update(this.hash(`person:${normalisePhone(phone)}`))
      .digest("hex");
  }
}
