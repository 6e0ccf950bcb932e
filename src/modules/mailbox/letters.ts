import type { Selectable, Transaction } from "kysely";

import type { AuditLog } from "../../platform/audit/audit-log.ts";

import {
  hasRole,
  sitesWithRole,
  type StaffPrincipal,
  type WorkItem,
  type WorkloadSection,
  type WorkloadSource,
  type WorkState,
} from "../staff/index.ts";

import type { Db } from "../../platform/db/database.ts";
import { paginate } from "../../platform/db/paginate.ts";

import { nowIso, chinaTime } from "../../platform/time/china-time.ts";

import {
  hashLookupCode,
  newLookupCode,
  newQueryNo,
  QUERY_NO_PATTERN,
} from "../../platform/lookup/lookup-code.ts";
import { LookupGuard } from "../../platform/lookup/lookup-guard.ts";
import { lettersOfSite } from "./stats.ts";

import {
  forbidden,
  notFound,
  Conflict,
  Gone,
  Invalid,
  TooMany,
  DomainError,
} from "../../platform/http/errors.ts";

import { maskInText, maskName } from "../../platform/mask/mask.ts";

import type { SearchIndex } from "../../platform/search/search-index.ts";

import { may, RIGHTS } from "../staff/index.ts";

import type {
  LetterKind,
  LetterRating,
  LetterRow,
  LetterSource,
  LetterStatus,
  MailboxTables,
} from "./tables.ts";

import { checkAttachment, type CheckedFile } from "../../platform/files/attachments.ts";

import type { SitesService } from "../sites/index.ts";

import type { WorkingDaySource } from "../../platform/calendar/platform-working-days.ts";

import {
  DEFAULT_SETTINGS,
  LETTER_KINDS,
  MAX_LIMIT_DAYS,
  RATINGS,
  type InteractionSettings,
} from "./model.ts";

import { normalisePhone, PHONE_PATTERN, type PhoneVerifier } from "../../platform/phone/phone-verify.ts";

import { DUPLICATE, NEAR_DUPLICATE, screenText, simhash, similarityPercent } from "./screening.ts";

import { getBlob, putBlob } from "../../platform/files/blob-store.ts";

import { KvStore, type KvScope } from "../../platform/kv/kv-store.ts";

export type Letter = Selectable<LetterRow>;

export interface LetterInput {
  siteId: number;
  addressee: string; // "leader:ID" | "dept:ID"
  kind: string;
  subject: string;
  content: string;
  name: string;
  phone: string;
  code: string;
  /** Set when a trusted client (an Open311 key) files for the citizen: no phone code then. */
  via?: "open311";
  /** Where a citizen-verified letter came from when not the letter form (stored as its source). */
  origin?: "assistant";
  email: string;
  address: string;
  publishConsent: boolean;
  files: { fileName: string; bytes: Buffer }[];
  draftToken?: string;
  ip: string;
  /** Where the matter is (Open311 requests; checked by the caller). */
  place?: LetterPlace;
  /** The signed-in citizen writing it: the letter is listed on their 我的 page. */
  accountId?: number | null;
}

/** An Open311 request's location: coordinates and/or an address, as the client sent them. */
export interface LetterPlace {
  lat: number | null;
  long: number | null;
  location: string | null;
  addressId: string | null;
  zipcode: string | null;
}

export interface Addressee {
  value: string;
  label: string;
}

export const MAX_FILES = 3;
export const LETTERS_PER_PHONE_PER_DAY = 5;

/** What the mailbox keeps in the kv table (platform/kv), by key. */
interface MailboxKv {
  /** Saved over the defaults, so a setting added later gets its default. */
  settings: Partial<InteractionSettings>;
}

/** When a letter was closed (answered and reviewed, or refused), or null while it is still open. */
export function closedAt(
  letter: Pick<Letter, "status" | "repliedAt" | "ratedAt" | "updatedAt">,
): string | null {
  if (letter.status === "invalid") return letter.updatedAt;
  if (letter.status !== "reviewed" && letter.status !== "published") return null;
  const times = [letter.repliedAt, letter.ratedAt].filter((t): t is string => !!t);
  return times.length ? times.sort().at(-1)! : letter.updatedAt;
}

/** The lookup code works until a year after the letter was closed. */
export function lookupExpired(letter: Parameters<typeof closedAt>[0], now: Date): boolean {
  const closed = closedAt(letter);
  if (!closed) return false;
  const until = new Date(closed);
  until.setUTCFullYear(until.getUTCFullYear() + 1);
  return now.getTime() > until.getTime();
}

/** Validates the citizen's fields; returns per-field messages (empty when fine). */
export function validateLetter(input: LetterInput, addressees: Addressee[]): Record<string, string> {
  const e: Record<string, string> = {};
  if (!addressees.some((a) => a.value === input.addressee)) e.addressee = "请选择收信对象";
  if (!Object.hasOwn(LETTER_KINDS, input.kind)) e.kind = "请选择信件类型";
  const subject = input.subject.trim();
  if (!subject) e.subject = "请填写信件标题";
  else if ([...subject].length > 60) e.subject = "标题不能超过60字";
  const content = input.content.trim();
  if ([...content].length < 10) e.content = "信件内容至少10个字，请写清楚具体事项";
  else if ([...content].length > 3000) e.content = "信件内容不能超过3000字";
  const name = input.name.trim();
  // A trusted Open311 client may file without the citizen's name and phone (GeoReport makes them optional).
  if (!name && !input.via) e.name = "请填写姓名";
  else if ([...name].length > 30) e.name = "姓名不能超过30字";
  const phoneOptional = input.via && !input.phone.trim();
  if (!phoneOptional && !PHONE_PATTERN.test(normalisePhone(input.phone)))
    e.phone = "请填写正确的11位手机号码";
  if (!input.via && !/^\d{6}$/.test(input.code.trim())) e.code = "请填写6位短信验证码";
  if (input.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email.trim())) e.email = "邮箱格式不正确";
  if ([...input.address].length > 200) e.address = "地址不能超过200字";
  if (input.files.length > MAX_FILES) e.attachments = `附件最多${MAX_FILES}个`;
  return e;
}

/** A published letter's public texts (masked), as other modules see it. */
export interface PublishedLetter {
  id: number;
  siteId: number;
  ownerSiteId: number | null;
  publicSubject: string | null;
  publicContent: string | null;
  publicAnswer: string | null;
  publishedAt: string | null;
}

export class LetterService implements WorkloadSource {
  constructor(
    private readonly store: Db<MailboxTables>,
    private readonly audit: AuditLog,
    private readonly search: SearchIndex,
    private readonly sites: SitesService,
    private readonly calendar: WorkingDaySource,
    private readonly phone: PhoneVerifier,
  ) {
    search.kinds.register({ letter: "互动留言" });
    this.kv = new KvStore(store.db).scope<MailboxKv>("mailbox");
    this.guard = new LookupGuard(store.db, "mailbox", { noun: "信件", person: "来信人" });
  }

  private readonly kv: KvScope<MailboxKv>;
  /** Wrong lookup codes, per letter and client address (see LookupGuard). */
  private readonly guard: LookupGuard;

  private get db() {
    return this.store.db;
  }

  // ---------------------------------------------------------------- for other modules

  /**
   * Published letters' public (masked) texts, newest first: the assistant offers them as FAQ
   * candidates. `siteIds` null means every site; `excludeIds` are letters the caller already used.
   */
  async publishedLetters(
    filter: { siteIds: number[] | null; excludeIds?: number[]; id?: number },
    page: number,
    pageSize: number,
  ): Promise<{ rows: PublishedLetter[]; total: number }> {
    let query = this.db.selectFrom("letters").where("status", "=", "published");
    if (filter.excludeIds?.length) query = query.where("id", "not in", filter.excludeIds);
    if (filter.id !== undefined) query = query.where("id", "=", filter.id);
    if (filter.siteIds) {
      const ids = filter.siteIds.length ? filter.siteIds : [-1];
      query = query.where((eb) => eb.or([eb("ownerSiteId", "in", ids), eb("siteId", "in", ids)]));
    }
    const total = Number(
      (await query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await query
      .select([
        "id",
        "siteId",
        "ownerSiteId",
        "publicSubject",
        "publicContent",
        "publicAnswer",
        "publishedAt",
      ])
      .orderBy("publishedAt", "desc")
      .orderBy("id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { rows, total };
  }

  /** How many letters came from `source` since an instant (the assistant counts its hand-offs). */
  async countFiledSince(source: LetterSource, since: string): Promise<number> {
    const row = await this.db
      .selectFrom("letters")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("source", "=", source)
      .where("createdAt", ">=", since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  // ---------------------------------------------------------------- settings

  async settings(): Promise<InteractionSettings> {
    const saved = await this.kv.get("settings");
    if (!saved || typeof saved !== "object") return structuredClone(DEFAULT_SETTINGS);
    return { ...DEFAULT_SETTINGS, ...saved, limits: { ...DEFAULT_SETTINGS.limits, ...saved.limits } };
  }

  async saveSettings(next: InteractionSettings, actor: StaffPrincipal): Promise<void> {
    if (!actor.isOperator) throw forbidden();
    const errors: Record<string, string> = {};
    for (const kind of Object.keys(LETTER_KINDS)) {
      const d = next.limits[kind];
      if (!Number.isInteger(d) || d < 1 || d > MAX_LIMIT_DAYS)
        errors[`limit_${kind}`] = `办理时限须为1至${MAX_LIMIT_DAYS}个工作日`;
    }
    if (!Number.isInteger(next.ratingWindowDays) || next.ratingWindowDays < 1 || next.ratingWindowDays > 30)
      errors.ratingWindowDays = "评价期限须为1至30天";
    if (!Number.isInteger(next.maxExtensionDays) || next.maxExtensionDays < 0 || next.maxExtensionDays > 15)
      errors.maxExtensionDays = "延期上限须为0至15个工作日";
    if (Object.keys(errors).length) throw new Invalid("设置有误，请修改后重新保存", errors);
    await this.db.transaction().execute(async (trx) => {
      await this.kv.set("settings", next, trx);
      await this.audit.record(
        {
          actor: actor.username,
          action: "interaction.settings",
          targetType: "settings",
          targetId: "interaction",
          detail: { ...next },
        },
        trx,
      );
    });
  }

  async rules() {
    return this.db.selectFrom("letterRules").selectAll().orderBy("id").execute();
  }

  async addRule(keyword: string, targetSiteId: number, actor: StaffPrincipal): Promise<void> {
    if (!actor.isOperator) throw forbidden();
    const word = keyword.trim();
    if (!word || [...word].length > 20)
      throw new Invalid("请填写1至20字的关键词", { keyword: "请填写关键词" });
    if (!this.sites.byId(targetSiteId))
      throw new Invalid("请选择承办单位", { targetSiteId: "请选择承办单位" });
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("letterRules")
        .values({ keyword: word, targetSiteId, createdAt: nowIso() })
        .returning("id")
        .executeTakeFirstOrThrow();
      await this.audit.record(
        {
          actor: actor.username,
          action: "letter_rule.add",
          targetType: "letter_rule",
          targetId: row.id,
          detail: { keyword: word, targetSiteId },
        },
        trx,
      );
    });
  }

  async deleteRule(id: number, actor: StaffPrincipal): Promise<void> {
    if (!actor.isOperator) throw forbidden();
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("letterRules").where("id", "=", id).execute();
      await this.audit.record(
        { actor: actor.username, action: "letter_rule.delete", targetType: "letter_rule", targetId: id },
        trx,
      );
    });
  }

  // ---------------------------------------------------------------- addressees

  /** Whom a citizen on this site may write to: the site's leader mailbox and department sites. */
  addresseesFor(siteId: number): Addressee[] {
    const site = this.sites.byId(siteId);
    const out: Addressee[] = [];
    if (site) out.push({ value: `leader:${site.id}`, label: `${site.name}领导信箱` });
    for (const s of this.sites.list()) {
      if (s.kind === "department" || s.kind === "city" || s.kind === "county")
        out.push({ value: `dept:${s.id}`, label: s.name });
    }
    return out;
  }

  // ---------------------------------------------------------------- citizen

  /**
   * Files a letter after the phone-code check. Returns the query number (the China date it was filed,
   * YYYYMMDD, and six random digits) and the one-time lookup code.
   */
  async submit(
    input: LetterInput,
    now = new Date(),
  ): Promise<{ id: number; queryNo: string; lookupCode: string }> {
    const addressees = this.addresseesFor(input.siteId);
    const errors = validateLetter(input, addressees);
    const files: CheckedFile[] = [];
    for (const f of input.files.slice(0, MAX_FILES)) {
      try {
        files.push(await checkAttachment(f.fileName, f.bytes));
      } catch (error) {
        if (error instanceof DomainError) errors.attachments = error.message;
        else throw error;
      }
    }
    if (Object.keys(errors).length > 0) throw new Invalid("提交的内容有误，请修改后重新提交", errors);
    const phone = input.phone.trim() ? normalisePhone(input.phone) : "";
    const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
    const today = !phone
      ? { n: 0 } // no phone (Open311 without contact): the client's key is rate-limited instead
      : await this.db
          .selectFrom("letters")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("phoneIndex", "=", this.store.cipher.blindIndex("phone", phone))
          .where("createdAt", ">", dayAgo)
          .executeTakeFirstOrThrow();
    if (Number(today.n) >= LETTERS_PER_PHONE_PER_DAY)
      throw new TooMany(`同一手机号24小时内最多提交${LETTERS_PER_PHONE_PER_DAY}封信件，请耐心等待答复`, {
        phone: "提交过于频繁",
      });
    if (!input.via) await this.phone.verify(phone, "letter", input.code);

    const settings = await this.settings();
    const [kindOfAddressee, idText] = input.addressee.split(":");
    const addresseeSiteId = Number(idText);
    const subject = input.subject.trim();
    const content = input.content.trim();
    const text = `${subject}\n${content}`;
    const screen = screenText(`${text}\n${input.name}`);
    const dup = await this.findDuplicate(text);
    const limitDays = settings.limits[input.kind] ?? MAX_LIMIT_DAYS;
    const lookupCode = newLookupCode();
    const owner =
      screen.flags.length === 0 ? await this.routeOwner(kindOfAddressee, addresseeSiteId, text) : null;
    const status = screen.flags.length > 0 ? "submitted" : owner ? "assigned" : "screened";
    const dueAt = (await this.calendar.current()).addWorkingDays(now, limitDays).toISOString();

    const letter = await this.db.transaction().execute(async (trx) => {
      let row: Letter | undefined;
      for (let attempt = 0; attempt < 5 && !row; attempt++) {
        const queryNo = newQueryNo(now);
        const exists = await trx
          .selectFrom("letters")
          .select("id")
          .where("queryNo", "=", queryNo)
          .executeTakeFirst();
        if (exists) continue;
        row = await trx
          .insertInto("letters")
          .values({
            queryNo,
            lookupHash: hashLookupCode(lookupCode),
            siteId: input.siteId,
            addresseeKind: kindOfAddressee === "leader" ? "leader" : "department",
            addresseeSiteId,
            kind: input.kind as LetterKind, // checked by letterProblems
            subject,
            content,
            name: input.name.trim(),
            phone: this.store.cipher.seal(phone),
            phoneIndex: this.store.cipher.blindIndex("phone", phone),
            email: this.store.cipher.seal(input.email.trim()),
            address: this.store.cipher.seal(input.address.trim()),
            publishConsent: input.publishConsent ? 1 : 0,
            status,
            flags: screen.flags.join(","),
            simhash: simhash(text),
            duplicateOfId: dup?.id ?? null,
            similarity: dup?.similarity ?? null,
            ownerSiteId: owner,
            transferToSiteId: null,
            transferReason: null,
            transferCount: 0,
            limitDays,
            extendedDays: 0,
            extensionReason: null,
            dueAt,
            reopenCount: 0,
            ipHash: this.phone.ipHash(input.ip),
            source: input.via ?? input.origin ?? "web",
            lat: input.place?.lat ?? null,
            long: input.place?.long ?? null,
            location: input.place?.location ?? null,
            addressId: input.place?.addressId ?? null,
            zipcode: input.place?.zipcode ?? null,
            accountId: input.accountId ?? null,
            createdAt: now.toISOString(),
            updatedAt: now.toISOString(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      }
      if (!row) throw new Error("could not allocate a query number");
      await this.event(trx, row.id, "citizen", "submitted", "submitted", "");
      if (screen.flags.length === 0) await this.event(trx, row.id, "system", "screened", "screened", "");
      if (dup)
        await this.event(
          trx,
          row.id,
          "system",
          "screened",
          row.status,
          `${dup.similarity >= DUPLICATE ? "疑似重复来信" : "相似来信"}：与信件 ${dup.queryNo} 相似度 ${dup.similarity}%`,
          false,
        );
      if (owner)
        await this.event(
          trx,
          row.id,
          "system",
          "assigned",
          "assigned",
          this.sites.byId(owner)?.name ?? "",
          true,
        );
      for (const f of files) {
        await putBlob(trx, f.sha256, f.bytes);
        await trx
          .insertInto("letterAttachments")
          .values({
            letterId: row.id,
            fileName: f.fileName,
            mime: f.mime,
            size: f.size,
            sha256: f.sha256,
            createdAt: nowIso(),
          })
          .execute();
      }
      if (input.draftToken && /^[A-Za-z0-9_-]{16,64}$/.test(input.draftToken)) {
        await trx
          .insertInto("letterDrafts")
          .values({
            token: input.draftToken,
            siteId: input.siteId,
            shownCount: 0,
            firstShownAt: null,
            filedAt: nowIso(),
            createdAt: nowIso(),
          })
          .onConflict((oc) => oc.column("token").doUpdateSet({ filedAt: nowIso() }))
          .execute();
      }
      return row;
    });
    return { id: letter.id, queryNo: letter.queryNo, lookupCode };
  }

  /**
   * The letter for a query number and its lookup code; null for any mismatch (no hint which). The
   * writer may use the code again and again; wrong codes are limited per letter and client address
   * (LookupGuard: counted atomically, a guesser cannot lock the writer out; LookupLimited with the
   * seconds to wait), and a year after the letter was closed the code no longer opens it (Gone).
   */
  async lookup(queryNo: string, code: string, client: string, now = new Date()): Promise<Letter | null> {
    if (!QUERY_NO_PATTERN.test(queryNo.trim()) || !code || code.length > 64) return null;
    const found = await this.db
      .selectFrom("letters")
      .selectAll()
      .where("queryNo", "=", queryNo.trim())
      .executeTakeFirst();
    const row = await this.guard.open(found, code, client, now);
    if (!row) return null;
    if (lookupExpired(row, now))
      throw new Gone(
        "该信件已办结满一年，查询码已失效。如需了解办理情况，请拨打12345政务服务便民热线或重新来信",
      );
    return row;
  }

  /** Forgets wrong-code counters of past hours (a recurring job; see LookupGuard.sweep). */
  sweepLookupCounters(now = new Date()): Promise<number> {
    return this.guard.sweep(now);
  }

  /** Letters written from a citizen account (signed in), newest first: its 我的信件 page. */
  async forAccount(accountId: number, page: number, pageSize = 20) {
    return paginate(
      this.db
        .selectFrom("letters")
        .select(["id", "queryNo", "subject", "status", "siteId", "createdAt", "dueAt", "repliedAt"])
        .where("accountId", "=", accountId)
        .orderBy("id", "desc"),
      page,
      pageSize,
    );
  }

  /** One of the account's letters (NotFound for anyone else's: no hint that it exists). */
  async accountLetter(accountId: number, id: number): Promise<Letter> {
    const row = await this.db
      .selectFrom("letters")
      .selectAll()
      .where("id", "=", id)
      .where("accountId", "=", accountId)
      .executeTakeFirst();
    if (!row) throw notFound("未找到该信件");
    return row;
  }

  async rate(
    queryNo: string,
    code: string,
    client: string,
    rating: string,
    /** Null when the citizen did not say (there is no default: "solved" must be chosen). */
    solved: boolean | null,
    note: string,
  ): Promise<{ reopened: boolean }> {
    const letter = await this.lookup(queryNo, code, client);
    if (!letter) throw notFound("未找到该信件，请核对查询编号和查询码");
    return this.rateLetter(letter, rating, solved, note);
  }

  /** Rates one of the account's own letters (我的信件: no lookup code needed). */
  async rateOwn(
    accountId: number,
    id: number,
    rating: string,
    solved: boolean | null,
    note: string,
  ): Promise<{ reopened: boolean }> {
    return this.rateLetter(await this.accountLetter(accountId, id), rating, solved, note);
  }

  private async rateLetter(
    letter: Letter,
    rating: string,
    solved: boolean | null,
    note: string,
  ): Promise<{ reopened: boolean }> {
    const problems: Record<string, string> = {};
    if (!Object.hasOwn(RATINGS, rating)) problems.rating = "请选择满意程度";
    if (solved === null) problems.solved = "请选择问题是否已解决";
    if (Object.keys(problems).length > 0) throw new Invalid(Object.values(problems).join("；"), problems);
    if (!["reviewed", "published"].includes(letter.status) || letter.ratedAt)
      throw new Conflict("该信件当前不能评价");
    const trimmed = note.trim().slice(0, 500);
    const reopen = !solved && letter.reopenCount === 0;
    const now = new Date();
    const reopenDueAt = (await this.calendar.current()).addWorkingDays(now, letter.limitDays).toISOString();
    await this.db.transaction().execute(async (trx) => {
      if (reopen) {
        await trx
          .updateTable("letters")
          .set({
            status: "assigned",
            reopenCount: 1,
            answer: null,
            answeredAt: null,
            answeredBy: null,
            repliedAt: null,
            reviewedBy: null,
            publishedAt: null,
            rating: null,
            solved: null,
            ratedAt: null,
            ratingNote: null,
            warnedAt: null,
            dueAt: reopenDueAt,
            updatedAt: now.toISOString(),
          })
          .where("id", "=", letter.id)
          .execute();
        await this.event(
          trx,
          letter.id,
          "citizen",
          "rated",
          letter.status,
          `${RATINGS[rating]}，问题未解决：${trimmed}`,
        );
        await this.event(trx, letter.id, "system", "reopened", "assigned", "");
      } else {
        await trx
          .updateTable("letters")
          .set({
            rating: rating as LetterRating, // checked above
            solved: solved ? 1 : 0,
            ratingNote: trimmed,
            ratedAt: now.toISOString(),
            updatedAt: now.toISOString(),
          })
          .where("id", "=", letter.id)
          .execute();
        await this.event(
          trx,
          letter.id,
          "citizen",
          "rated",
          letter.status,
          `${RATINGS[rating]}${solved ? "，已解决" : "，未解决"}`,
        );
      }
    });
    if (reopen) await this.search.remove(`letter:${letter.id}`);
    return { reopened: reopen };
  }

  // ---------------------------------------------------------------- screening and routing

  private async findDuplicate(
    text: string,
  ): Promise<{ id: number; queryNo: string; similarity: number } | null> {
    const since = new Date(Date.now() - 180 * 86_400_000).toISOString();
    const recent = await this.db
      .selectFrom("letters")
      .select(["id", "queryNo", "subject", "content", "duplicateOfId"])
      .where("createdAt", ">", since)
      .where("status", "!=", "invalid")
      .orderBy("id", "desc")
      .limit(500)
      .execute();
    let best: { id: number; queryNo: string; similarity: number } | null = null;
    for (const r of recent) {
      const sim = similarityPercent(text, `${r.subject}\n${r.content}`);
      if (sim >= NEAR_DUPLICATE && (!best || sim >= best.similarity)) {
        // Link to the original of a chain, not to another copy.
        best = { id: r.duplicateOfId ?? r.id, queryNo: r.queryNo, similarity: sim };
      }
    }
    return best;
  }

  /** The department that owns a clean letter from the start, or null when an operator must assign. */
  private async routeOwner(kind: string, addresseeSiteId: number, text: string): Promise<number | null> {
    const addressee = this.sites.byId(addresseeSiteId);
    if (!addressee) return null;
    if (kind === "dept" || addressee.kind !== "portal") return addressee.id;
    const rules = await this.db.selectFrom("letterRules").selectAll().orderBy("id").execute();
    const lower = text.toLowerCase();
    const hit = rules.find((r) => r.keyword && lower.includes(r.keyword.toLowerCase()));
    return hit ? hit.targetSiteId : null;
  }

  // ---------------------------------------------------------------- staff

  async get(id: number): Promise<Letter> {
    const row = await this.db.selectFrom("letters").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("信件不存在");
    return row;
  }

  /** Whether a staff member may see the letter at all (operators; handlers/reviewers of owner or transfer target). */
  canSee(staff: StaffPrincipal, l: Letter): boolean {
    if (staff.isOperator) return true;
    const ids = [l.ownerSiteId, l.transferToSiteId].filter((x): x is number => x != null);
    return ids.some((id) => may(staff, RIGHTS.letters, id));
  }

  /** Full view for staff (personal data in clear): audited. */
  async viewForStaff(id: number, staff: StaffPrincipal) {
    const letter = await this.get(id);
    if (!this.canSee(staff, letter)) throw forbidden("该信件不属于您所在的单位，您无权查看。");
    await this.audit.record({
      actor: staff.username,
      action: "letter.view",
      targetType: "letter",
      targetId: id,
    });
    const [events, attachments, duplicate, copies] = await Promise.all([
      this.events(id, true),
      this.attachments(id),
      letter.duplicateOfId
        ? this.db
            .selectFrom("letters")
            .select(["id", "queryNo", "subject", "status"])
            .where("id", "=", letter.duplicateOfId)
            .executeTakeFirst()
        : Promise.resolve(undefined),
      this.db
        .selectFrom("letters")
        .select(["id", "queryNo", "subject", "status", "similarity"])
        .where("duplicateOfId", "=", id)
        .orderBy("id")
        .limit(50)
        .execute(),
    ]);
    return { letter, events, attachments, duplicate: duplicate ?? null, copies };
  }

  async events(letterId: number, includeInternal: boolean) {
    let q = this.db.selectFrom("letterEvents").selectAll().where("letterId", "=", letterId);
    if (!includeInternal) q = q.where("public", "=", 1);
    return q.orderBy("id").execute();
  }

  async attachments(letterId: number) {
    return this.db
      .selectFrom("letterAttachments")
      .selectAll()
      .where("letterId", "=", letterId)
      .orderBy("id")
      .execute();
  }

  async attachmentBytes(letterId: number, attachmentId: number) {
    const a = await this.db
      .selectFrom("letterAttachments")
      .selectAll()
      .where("id", "=", attachmentId)
      .where("letterId", "=", letterId)
      .executeTakeFirst();
    if (!a) throw notFound("附件不存在");
    const bytes = await getBlob(this.db, a.sha256);
    if (!bytes) throw notFound("附件不存在");
    return { attachment: a, bytes };
  }

  /** The staff queue: letters this person may work on, filtered, paged. */
  async queue(
    staff: StaffPrincipal,
    filter: { status?: string; view?: string; q?: string },
    page: number,
    pageSize = 20,
  ) {
    const siteIds = sitesWithRole(staff, ["handler", "reviewer"]);
    const now = nowIso();
    let q = this.db.selectFrom("letters");
    if (siteIds !== null) {
      if (siteIds.length === 0) return { rows: [], total: 0 };
      q = q.where((eb) => eb.or([eb("ownerSiteId", "in", siteIds), eb("transferToSiteId", "in", siteIds)]));
    }
    if (filter.status) q = q.where("status", "=", filter.status as LetterStatus);
    if (filter.view === "overdue")
      q = q.where("status", "in", ["screened", "assigned", "answered", "submitted"]).where("dueAt", "<", now);
    if (filter.view === "escalated")
      q = q
        .where("escalatedAt", "is not", null)
        .where("status", "in", ["screened", "assigned", "answered", "submitted"]);
    if (filter.view === "transfer") q = q.where("transferToSiteId", "is not", null);
    if (filter.view === "warned")
      q = q
        .where("warnedAt", "is not", null)
        .where("status", "in", ["assigned", "answered"])
        .where("dueAt", ">=", now);
    if (filter.q)
      q = q.where((eb) =>
        eb.or([eb("queryNo", "=", filter.q!), eb("subject", "like", `%${filter.q!.replace(/[%_]/g, "")}%`)]),
      );
    const total = Number(
      (await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await q
      .selectAll()
      .orderBy("dueAt")
      .orderBy("id")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { rows, total };
  }

  /**
   * The 工作台 share of a handler or reviewer: letters of their departments that are overdue, due within
   * the warning days, or waiting for them (assigned → the handler answers; answered → the reviewer checks;
   * operators, as the 分办中心, screen and assign new letters).
   */
  async workload(staff: StaffPrincipal): Promise<WorkloadSection | null> {
    const siteIds = sitesWithRole(staff, ["handler", "reviewer"]);
    if (siteIds !== null && siteIds.length === 0) return null;
    let q = this.db
      .selectFrom("letters")
      .select(["id", "queryNo", "subject", "status", "dueAt", "ownerSiteId", "transferToSiteId"])
      .where("status", "in", ["submitted", "screened", "assigned", "answered"]);
    if (siteIds !== null)
      q = q.where((eb) => eb.or([eb("ownerSiteId", "in", siteIds), eb("transferToSiteId", "in", siteIds)]));
    const rows = await q.orderBy("dueAt").orderBy("id").limit(1000).execute();
    const [settings, calendar] = await Promise.all([this.settings(), this.calendar.current()]);
    const now = new Date();
    const waitsFor = (l: (typeof rows)[number]): boolean => {
      if (staff.isOperator) return l.status === "submitted" || l.status === "screened";
      const site = l.transferToSiteId ?? l.ownerSiteId;
      if (site == null) return false;
      return (
        (l.status === "assigned" && hasRole(staff, "handler", site)) ||
        (l.status === "answered" && hasRole(staff, "reviewer", site))
      );
    };
    const items: WorkItem[] = [];
    const count: Record<WorkState, number> = { overdue: 0, soon: 0, waiting: 0 };
    for (const l of rows) {
      const due = new Date(l.dueAt);
      const waiting = waitsFor(l);
      if (waiting) count.waiting++;
      const state: WorkState | null =
        due < now
          ? "overdue"
          : calendar.workingDaysBetween(now, due) <= settings.warnDays
            ? "soon"
            : waiting
              ? "waiting"
              : null;
      if (state === "overdue" || state === "soon") count[state]++;
      if (state)
        items.push({
          state,
          ref: l.queryNo,
          title: l.subject,
          href: `/admin/interaction/letters/${l.id}`,
          due: chinaTime(l.dueAt),
        });
    }
    const order: WorkState[] = ["overdue", "soon", "waiting"];
    items.sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
    return {
      title: "领导信箱来信",
      figures: [
        { state: "waiting", label: "待我处理的来信", value: count.waiting, href: "/admin/interaction" },
        { state: "soon", label: "即将到期的来信", value: count.soon, href: "/admin/interaction?view=warned" },
        {
          state: "overdue",
          label: "已超期的来信",
          value: count.overdue,
          href: "/admin/interaction?view=overdue",
        },
      ],
      items: items.slice(0, 10),
    };
  }

  private requireOperator(staff: StaffPrincipal) {
    if (!staff.isOperator) throw forbidden("只有平台运维（分办中心）可以进行此操作");
  }

  private requireHandler(staff: StaffPrincipal, l: Letter) {
    if (!staff.isOperator && !(l.ownerSiteId != null && hasRole(staff, "handler", l.ownerSiteId)))
      throw forbidden("只有承办部门的承办人可以进行此操作");
  }

  private requireReviewer(staff: StaffPrincipal, l: Letter) {
    if (!staff.isOperator && !(l.ownerSiteId != null && hasRole(staff, "reviewer", l.ownerSiteId)))
      throw forbidden("只有承办部门的审核员可以进行此操作");
  }

  private expect(l: Letter, statuses: string[]) {
    if (!statuses.includes(l.status)) throw new Conflict("信件当前状态不允许此操作，请刷新页面");
  }

  /** Changes a letter with an optimistic status check, an event and an audit record, in one transaction. */
  private async change(
    l: Letter,
    staff: StaffPrincipal | "system",
    action: string,
    set: Partial<Omit<LetterRow, "id">>,
    note = "",
    publicEvent = true,
  ): Promise<void> {
    const actor = staff === "system" ? "system" : staff.username;
    const status = set.status ?? l.status;
    await this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable("letters")
        .set({ ...set, updatedAt: nowIso() })
        .where("id", "=", l.id)
        .where("status", "=", l.status)
        .where("updatedAt", "=", l.updatedAt)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new Conflict("信件已被他人修改，请刷新页面后重试");
      await this.event(trx, l.id, actor, action, status, note, publicEvent);
      await this.audit.record(
        {
          actor,
          action: `letter.${action}`,
          targetType: "letter",
          targetId: l.id,
          detail: { from: l.status, to: status, note },
        },
        trx,
      );
    });
  }

  private async event(
    trx: Transaction<MailboxTables>,
    letterId: number,
    actor: string,
    action: string,
    status: LetterStatus,
    note: string,
    isPublic = true,
  ) {
    await trx
      .insertInto("letterEvents")
      .values({ letterId, at: nowIso(), actor, action, status, note, public: isPublic ? 1 : 0 })
      .execute();
  }

  async screen(id: number, accept: boolean, reason: string, staff: StaffPrincipal) {
    this.requireOperator(staff);
    const l = await this.get(id);
    this.expect(l, ["submitted", "screened"]);
    if (!accept) {
      if (!reason.trim()) throw new Invalid("请填写不予受理的理由", { reason: "请填写理由" });
      await this.change(
        l,
        staff,
        "invalid",
        { status: "invalid", invalidReason: reason.trim().slice(0, 500) },
        reason.trim(),
      );
      return;
    }
    const owner = await this.routeOwner(
      l.addresseeKind === "leader" ? "leader" : "dept",
      l.addresseeSiteId,
      `${l.subject}\n${l.content}`,
    );
    if (owner) {
      await this.change(
        l,
        staff,
        "assigned",
        { status: "assigned", ownerSiteId: owner },
        this.sites.byId(owner)?.name ?? "",
      );
    } else if (l.status === "submitted") {
      await this.change(l, staff, "screened", { status: "screened" });
    }
  }

  async assign(id: number, siteId: number, staff: StaffPrincipal) {
    this.requireOperator(staff);
    const l = await this.get(id);
    this.expect(l, ["submitted", "screened"]);
    const site = this.sites.byId(siteId);
    if (!site) throw new Invalid("请选择承办部门", { siteId: "请选择承办部门" });
    await this.change(l, staff, "assigned", { status: "assigned", ownerSiteId: site.id }, site.name);
  }

  async requestTransfer(id: number, toSiteId: number, reason: string, staff: StaffPrincipal) {
    const l = await this.get(id);
    this.requireHandler(staff, l);
    this.expect(l, ["assigned"]);
    const site = this.sites.byId(toSiteId);
    const errors: Record<string, string> = {};
    if (!site || site.id === l.ownerSiteId) errors.toSiteId = "请选择其他承办部门";
    if (reason.trim().length < 4) errors.reason = "请写明转办理由（至少4个字）";
    if (Object.keys(errors).length) throw new Invalid("转办申请有误", errors);
    await this.change(
      l,
      staff,
      "transfer_requested",
      { transferToSiteId: site!.id, transferReason: reason.trim().slice(0, 500) },
      `${site!.name}：${reason.trim()}`,
      false,
    );
  }

  /** 首接负责: the owner keeps the letter until an operator accepts the transfer. */
  async decideTransfer(id: number, accept: boolean, staff: StaffPrincipal) {
    this.requireOperator(staff);
    const l = await this.get(id);
    this.expect(l, ["assigned"]);
    if (!l.transferToSiteId) throw new Conflict("该信件没有待审批的转办申请");
    const target = this.sites.byId(l.transferToSiteId);
    if (accept) {
      await this.change(
        l,
        staff,
        "transferred",
        {
          ownerSiteId: l.transferToSiteId,
          transferToSiteId: null,
          transferReason: null,
          transferCount: l.transferCount + 1,
        },
        target?.name ?? "",
      );
    } else {
      await this.change(
        l,
        staff,
        "transfer_rejected",
        { transferToSiteId: null, transferReason: null },
        "",
        false,
      );
    }
  }

  async answer(id: number, text: string, staff: StaffPrincipal) {
    const l = await this.get(id);
    this.requireHandler(staff, l);
    this.expect(l, ["assigned"]);
    const answer = text.trim();
    if ([...answer].length < 10) throw new Invalid("答复内容至少10个字", { answer: "答复内容至少10个字" });
    if ([...answer].length > 5000) throw new Invalid("答复内容不能超过5000字", { answer: "答复内容过长" });
    await this.change(
      l,
      staff,
      "answered",
      {
        status: "answered",
        answer,
        answeredAt: nowIso(),
        answeredBy: staff.id,
        transferToSiteId: null,
        transferReason: null,
      },
      "",
      false,
    );
  }

  async extend(id: number, days: number, reason: string, staff: StaffPrincipal) {
    const l = await this.get(id);
    this.requireHandler(staff, l);
    this.expect(l, ["assigned", "answered"]);
    const settings = await this.settings();
    const errors: Record<string, string> = {};
    if (l.extendedDays > 0) errors.days = "每封信件只能延期一次";
    else if (!Number.isInteger(days) || days < 1 || days > settings.maxExtensionDays)
      errors.days = `延期天数须为1至${settings.maxExtensionDays}个工作日`;
    if (reason.trim().length < 4) errors.reason = "请写明延期理由";
    if (Object.keys(errors).length) throw new Invalid("延期申请有误", errors);
    const due = (await this.calendar.current()).addWorkingDays(new Date(l.dueAt), days).toISOString();
    await this.change(
      l,
      staff,
      "extended",
      { extendedDays: days, extensionReason: reason.trim().slice(0, 500), dueAt: due, warnedAt: null },
      `延期${days}个工作日：${reason.trim()}`,
    );
  }

  async review(id: number, approve: boolean, note: string, staff: StaffPrincipal) {
    const l = await this.get(id);
    this.requireReviewer(staff, l);
    this.expect(l, ["answered"]);
    if (!staff.isOperator && l.answeredBy === staff.id) throw forbidden("答复人不能审核自己拟写的答复");
    if (approve) {
      await this.change(l, staff, "reviewed", {
        status: "reviewed",
        repliedAt: nowIso(),
        reviewedBy: staff.id,
      });
    } else {
      if (!note.trim()) throw new Invalid("请填写退回意见", { note: "请填写退回意见" });
      await this.change(
        l,
        staff,
        "review_rejected",
        { status: "assigned" },
        note.trim().slice(0, 500),
        false,
      );
    }
  }

  /** The masked public version proposed for publication (the reviewer may edit it). */
  publicDraft(l: Pick<Letter, "name" | "subject" | "content" | "answer">) {
    const mask = (s: string) => maskInText(l.name ? s.split(l.name).join(maskName(l.name)) : s);
    return {
      subject: mask(l.subject),
      content: mask(l.content),
      answer: mask(l.answer ?? ""),
    };
  }

  async publish(
    id: number,
    edited: { subject: string; content: string; answer: string },
    staff: StaffPrincipal,
  ) {
    const l = await this.get(id);
    this.requireReviewer(staff, l);
    this.expect(l, ["reviewed"]);
    if (!l.publishConsent) throw new Conflict("来信人未同意公开，不能公开该信件");
    const errors: Record<string, string> = {};
    if (!edited.subject.trim()) errors.publicSubject = "请填写公开标题";
    if (!edited.content.trim()) errors.publicContent = "请填写公开的来信内容";
    if (!edited.answer.trim()) errors.publicAnswer = "请填写公开的答复内容";
    if (Object.keys(errors).length) throw new Invalid("公开内容不完整", errors);
    // Mask again: whatever the reviewer typed, ID and phone numbers never reach the public page.
    const mask = (s: string) => maskInText(s.split(l.name).join(maskName(l.name))).trim();
    await this.change(l, staff, "published", {
      status: "published",
      publicSubject: mask(edited.subject).slice(0, 100),
      publicContent: mask(edited.content),
      publicAnswer: mask(edited.answer),
      publishedAt: nowIso(),
    });
    await this.reindex(id);
  }

  async unpublish(id: number, staff: StaffPrincipal) {
    const l = await this.get(id);
    this.requireReviewer(staff, l);
    this.expect(l, ["published"]);
    await this.change(l, staff, "reviewed", { status: "reviewed", publishedAt: null }, "撤下公开");
    await this.search.remove(`letter:${id}`);
  }

  async escalate(id: number, note: string, staff: StaffPrincipal) {
    this.requireOperator(staff);
    const l = await this.get(id);
    this.expect(l, ["submitted", "screened", "assigned", "answered"]);
    await this.change(
      l,
      staff,
      "escalated",
      { escalatedAt: nowIso(), escalationNote: note.trim().slice(0, 500) || "超期督办" },
      note.trim(),
    );
  }

  /** Warns letters close to their limit and escalates overdue ones to 督办. Returns counts. */
  async sweep(now = new Date()): Promise<{ warned: number; escalated: number }> {
    const settings = await this.settings();
    const open = await this.db
      .selectFrom("letters")
      .selectAll()
      .where("status", "in", ["submitted", "screened", "assigned", "answered"])
      .where((eb) => eb.or([eb("warnedAt", "is", null), eb("escalatedAt", "is", null)]))
      .orderBy("dueAt")
      .limit(2000)
      .execute();
    const calendar = await this.calendar.current();
    let warned = 0;
    let escalated = 0;
    for (const l of open) {
      const due = new Date(l.dueAt);
      try {
        if (due < now && !l.escalatedAt) {
          await this.change(
            l,
            "system",
            "escalated",
            {
              escalatedAt: now.toISOString(),
              escalationNote: "超过办理时限，自动督办",
              warnedAt: l.warnedAt ?? now.toISOString(),
            },
            "超过办理时限，自动督办",
          );
          escalated++;
        } else if (due >= now && !l.warnedAt && calendar.workingDaysBetween(now, due) <= settings.warnDays) {
          await this.change(l, "system", "warned", { warnedAt: now.toISOString() }, "", false);
          warned++;
        }
      } catch (error) {
        if (!(error instanceof DomainError)) throw error; // changed concurrently: next sweep
      }
    }
    return { warned, escalated };
  }

  // ---------------------------------------------------------------- public

  async reindex(id: number): Promise<void> {
    const l = await this.get(id);
    if (l.status !== "published" || !l.publishedAt) {
      await this.search.remove(`letter:${id}`);
      return;
    }
    const site = this.sites.byId(l.siteId);
    const siteIds = [
      ...new Set(
        [l.siteId, l.ownerSiteId, this.sites.portalSite()?.id].filter((x): x is number => x != null),
      ),
    ];
    await this.search.upsert({
      key: `letter:${id}`,
      kind: "letter",
      title: l.publicSubject ?? "",
      body: `${l.publicContent ?? ""}\n${l.publicAnswer ?? ""}`,
      url: `/sites/${site?.code ?? "www"}/interaction/letters/${id}`,
      siteIds,
      publishedAt: l.publishedAt,
      meta: {
        letterId: id,
        siteCode: site?.code ?? "www",
        kind: l.kind,
        owner: this.sites.byId(l.ownerSiteId ?? 0)?.name ?? "",
      },
    });
  }

  /** Published letters for a site (the portal shows all), newest first, optionally matching words. */
  async published(siteId: number | null, page: number, pageSize = 20, q = "") {
    let query = this.db.selectFrom("letters").where("status", "=", "published");
    if (siteId != null) query = query.where(lettersOfSite(siteId));
    const words = q.trim().slice(0, 50).replace(/[%_]/g, "");
    if (words)
      query = query.where((eb) =>
        eb.or([
          eb("publicSubject", "like", `%${words}%`),
          eb("publicContent", "like", `%${words}%`),
          eb("publicAnswer", "like", `%${words}%`),
        ]),
      );
    const total = Number(
      (await query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n,
    );
    const rows = await query
      .select([
        "id",
        "kind",
        "publicSubject",
        "publicContent",
        "publicAnswer",
        "publishedAt",
        "createdAt",
        "repliedAt",
        "ownerSiteId",
        "siteId",
        "rating",
      ])
      .orderBy("publishedAt", "desc")
      .orderBy("id", "desc")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { rows, total };
  }

  async publishedById(id: number) {
    const row = await this.db
      .selectFrom("letters")
      .select([
        "id",
        "kind",
        "publicSubject",
        "publicContent",
        "publicAnswer",
        "publishedAt",
        "createdAt",
        "repliedAt",
        "ownerSiteId",
        "siteId",
        "rating",
        "queryNo",
      ])
      .where("id", "=", id)
      .where("status", "=", "published")
      .executeTakeFirst();
    if (!row) throw notFound("该信件不存在或未公开");
    return row;
  }

  // ---------------------------------------------------------------- deflection

  /** Records that similar published letters were shown to a citizen drafting a letter. */
  async recordShown(token: string, siteId: number): Promise<void> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return;
    const now = nowIso();
    await this.db
      .insertInto("letterDrafts")
      .values({ token, siteId, shownCount: 1, firstShownAt: now, filedAt: null, createdAt: now })
      .onConflict((oc) =>
        oc.column("token").doUpdateSet((eb) => ({
          shownCount: eb("letterDrafts.shownCount", "+", 1),
          firstShownAt: eb.fn.coalesce("letterDrafts.firstShownAt", eb.val(now)),
        })),
      )
      .execute();
  }

  /** Deflection counter: drafting sessions shown similar letters, and how many then filed anyway. */
  async deflection(siteId: number | null) {
    let q = this.db.selectFrom("letterDrafts").where("firstShownAt", "is not", null);
    if (siteId != null) q = q.where("siteId", "=", siteId);
    const row = await q
      .select((eb) => [eb.fn.countAll<number>().as("shown"), eb.fn.count<number>("filedAt").as("filed")])
      .executeTakeFirstOrThrow();
    const shown = Number(row.shown);
    const filed = Number(row.filed);
    return { shown, filed, left: shown - filed };
  }
}
