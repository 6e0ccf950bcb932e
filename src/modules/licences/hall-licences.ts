import { LICENCE_KINDS } from "./catalogue.ts";
import type { LicenceConsents } from "./consents.ts";
import type { LicencesService } from "./service.ts";
import { verifyPresentation, type Verification } from "./verify.ts";

/** A licence the applicant holds, as the service hall offers it in place of a material. */
export interface HeldLicence {
  id: number;
  kindName: string;
  status: "valid" | "revoked" | "suspended";
  expiresAt: string | null;
  department: string;
}

/**
 * The service hall's (一网通办) use of e-licences in place of uploaded materials (trust level A). The
 * applicant's wallet presents the licence to the hall, bound to the application (KB-JWT `aud` = the
 * hall, `nonce` = the application number); the hall verifies it like any verifier (issuer keys,
 * disclosures, holder binding, status list) and checks whose it is. Each use is in the holder's fetch
 * log ("谁查看了我的证照"). The container hands this to the hall; the hall never reads licence tables.
 */
export class HallLicences {
  constructor(
    private readonly licences: LicencesService,
    private readonly consents: LicenceConsents,
    private readonly hall: { code: string; name: string; department: string },
  ) {}

  /** The audience the hall's presentations are bound to. */
  get audience(): string {
    return `${this.licences.baseUrl}/services/hall`;
  }

  async held(accountId: number): Promise<HeldLicence[]> {
    return (await this.licences.mine(accountId)).map((l) => ({
      id: l.id,
      kindName: l.kind.name,
      status: l.status,
      expiresAt: l.expiresAt,
      department: l.department,
    }));
  }

  /** The holder's presentation of every item of one licence, for one application (logged). */
  async present(licenceId: number, accountId: number, caseNo: string): Promise<string> {
    const licence = await this.licences.byId(licenceId);
    if (!licence || licence.holderAccountId !== accountId) throw new Error("not the holder's licence");
    const { presentation } = await this.licences.present(
      licenceId,
      accountId,
      licence.kind.items.map((i) => i.name),
      { aud: this.audience, nonce: caseNo },
    );
    await this.consents.logFetch({
      licence,
      consentId: null,
      member: this.hall,
      caseNo,
      channel: "hall",
      result: "served",
      reason: "",
    });
    return presentation;
  }

  /** Verifies a presentation as the hall (offline checks against the issuer's keys and status lists). */
  async verify(
    presentation: string,
    expect: { aud: string; nonce: string },
  ): Promise<Verification & { kindName: string | null; labels: Record<string, string> }> {
    const v = await verifyPresentation(presentation, this.licences.trust(), expect);
    const kind = v.vct ? LICENCE_KINDS.find((k) => this.licences.vctOf(k) === v.vct) : undefined;
    const labels = Object.fromEntries(kind?.items.map((i) => [i.name, i.label]) ?? []);
    return { ...v, kindName: kind?.name ?? null, labels };
  }
}
