import type { HallFetch, Purpose } from "../exchange/index.ts";
import { EDITABLE_FIELDS } from "./fields.ts";
import type { EnterpriseDirectory, EntityRegistry } from "./service.ts";

/** The registry fields a profile takes from 法人单位基础信息 (FR-0001). */
const REGISTRY_FIELDS = [
  ...new Set(["name", ...EDITABLE_FIELDS.flatMap((f) => (f.registry ? [f.registry] : []))]),
];

/**
 * Reads an enterprise's registry record through the exchange hub as the service hall does (the hall's
 * signed, purpose-bound and audited call; see exchange/hall-calls.ts), never from the registry tables.
 */
export class HubEntityRegistry implements EntityRegistry {
  constructor(
    private readonly hall: {
      fetch(
        resource: string,
        query: { filter: Record<string, string>; fields: string[] },
        purpose: Purpose,
      ): Promise<HallFetch>;
    },
  ) {}

  async entity(creditCode: string, caseNo: string) {
    const answer = await this.hall.fetch(
      "FR-0001",
      { filter: { creditCode }, fields: REGISTRY_FIELDS },
      { caseNo, basis: "惠企政策精准推送与免申即享：《优化营商环境条例》第三十七条" },
    );
    if (!answer.ok) return { ok: false as const, message: answer.message };
    return { ok: true as const, record: answer.records[0]! };
  }
}

/** Enterprise contacts from the accounts module (name, credit code, phone for SMS). */
export class AccountsDirectory implements EnterpriseDirectory {
  constructor(
    private readonly accounts: {
      byId(id: number): Promise<{ name: string; creditCode: string | null; phone: string } | undefined>;
    },
  ) {}
  async contact(accountId: number) {
    const a = await this.accounts.byId(accountId);
    return a ? { name: a.name, creditCode: a.creditCode, phone: a.phone } : undefined;
  }
}
