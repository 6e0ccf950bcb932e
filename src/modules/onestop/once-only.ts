import { idNumberProblem } from "../../platform/validation/china-ids.ts";
import type { Guide, Material } from "./guide.ts";

// The form's own shapes (./forms.ts imports this file, so they are restated here, not imported).
type FileRef = { fileId: number; name: string; size: number; mime: string };
type RawInput = Record<string, string | string[]>;

/**
 * Once-only (免提交) for real: a material the government already holds is fetched through the data
 * exchange, with the applicant's consent, instead of being uploaded. Which material comes from which
 * catalogue resource is data (ONCE_ONLY_SOURCES, or a material's own `resource`); a material marked
 * spared without a source here is not spared: the applicant uploads it.
 */
export interface OnceOnlySource {
  /** The catalogue resource (数据资源目录) the record is fetched from. */
  resource: string;
  resourceName: string;
  /** Who provides it, as the applicant reads it on the form and the guide. */
  provider: string;
  /** Whose record: the applicant person (by ID number) or the applicant enterprise (by credit code). */
  subject: "person" | "entity";
  /** The licence kind to look up (licence index resources). */
  kind?: string;
  /** The e-licence kind (电子证照) the applicant may present instead (trust level A), by its name. */
  licence?: string;
  fields: { name: string; label: string }[];
}

const PERSON = (licence: string, fields: [string, string][]): OnceOnlySource => ({
  licence,
  resource: "RK-0001",
  resourceName: "人口基础信息",
  provider: "楚云省公安厅",
  subject: "person",
  fields: fields.map(([name, label]) => ({ name, label })),
});

export const ONCE_ONLY_SOURCES: { pattern: RegExp; source: OnceOnlySource }[] = [
  {
    pattern: /^居民身份证$|^本人身份证/,
    source: PERSON("居民身份证", [
      ["name", "姓名"],
      ["gender", "性别"],
      ["nation", "民族"],
      ["birthDate", "出生日期"],
      ["address", "住址"],
    ]),
  },
  {
    pattern: /^(居民)?户口簿$/,
    source: PERSON("居民户口簿", [
      ["name", "姓名"],
      ["householdNo", "户号"],
      ["address", "户籍地址"],
      ["districtCode", "户籍地行政区划代码"],
    ]),
  },
  {
    pattern: /^营业执照$/,
    source: {
      resource: "ZZ-0001",
      resourceName: "电子证照目录",
      provider: "楚云省市场监督管理局",
      subject: "entity",
      kind: "营业执照",
      licence: "营业执照",
      fields: [
        { name: "holderName", label: "名称" },
        { name: "licenceNo", label: "证照编号" },
        { name: "issuer", label: "登记机关" },
        { name: "issuedOn", label: "核发日期" },
        { name: "status", label: "状态" },
      ],
    },
  },
  {
    pattern: /驾驶证/,
    source: {
      resource: "ZZ-0001",
      resourceName: "电子证照目录",
      provider: "楚云省公安厅交通管理局",
      subject: "person",
      kind: "机动车驾驶证",
      licence: "机动车驾驶证",
      fields: [
        { name: "holderName", label: "持证人" },
        { name: "licenceNo", label: "证照编号" },
        { name: "issuer", label: "发证机关" },
        { name: "validUntil", label: "有效期至" },
        { name: "status", label: "状态" },
      ],
    },
  },
];

/** The source of a material the applicant need not submit, or null when it must be submitted. */
export function onceOnlySource(m: Material): OnceOnlySource | null {
  if (!m.sparedBy) return null;
  const byName = ONCE_ONLY_SOURCES.find((s) => s.pattern.test(m.name.trim()))?.source;
  if (m.resource) return byName?.resource === m.resource ? byName : null;
  return byName ?? null;
}

/**
 * The e-licence kind that can stand in for a material: the material's own `licence` (data on the
 * guide), else the kind its once-only source names (guides stored before materials carried it).
 */
export function materialLicence(m: Material): string | null {
  return m.licence?.trim() || onceOnlySource(m)?.licence || null;
}

/** A material the applicant may replace by presenting an e-licence of its kind. */
export interface LicenceMaterial {
  index: number;
  material: Material;
  /** The licence kind's name in the catalogue (电子证照目录). */
  licence: string;
  /** The element its upload and its messages live on: the once-only fallback, or the form's file field. */
  key: string;
  /** Fetched with consent or uploaded in the 免提交 section (else: a file field of the form). */
  onceOnly: boolean;
}

/**
 * Materials an e-licence can replace, and where each one's upload is on the apply page: a once-only
 * material's fallback upload, or the form's file field for it (named material{n} as the default form
 * names it, or labelled with the material's name). A material the form does not ask for is not offered.
 */
export function licenceMaterials(
  guide: Guide,
  schema: { fields: { name: string; label: string; type: string }[] },
): LicenceMaterial[] {
  return guide.materials.flatMap((material, index): LicenceMaterial[] => {
    const licence = materialLicence(material);
    if (!licence) return [];
    if (onceOnlySource(material))
      return [{ index, material, licence, key: sparedKey(index), onceOnly: true }];
    const field =
      schema.fields.find((f) => f.type === "file" && f.name === `material${index + 1}`) ??
      schema.fields.find((f) => f.type === "file" && f.label.trim() === material.name.trim());
    return field ? [{ index, material, licence, key: field.name, onceOnly: false }] : [];
  });
}

export interface OnceOnlyMaterial {
  /** Position in the guide's material list (the form's keys use index + 1). */
  index: number;
  material: Material;
  source: OnceOnlySource;
}

export function onceOnlyMaterials(guide: Guide): OnceOnlyMaterial[] {
  return guide.materials.flatMap((material, index) => {
    const source = onceOnlySource(material);
    return source ? [{ index, material, source }] : [];
  });
}

/**
 * Materials the applicant need not submit: those the platform can fetch through the exchange (with
 * consent). A material marked spared without a source is not among them.
 */
export function sparedMaterials(guide: Guide): Material[] {
  return onceOnlyMaterials(guide).map((m) => m.material);
}

/** The form key of a once-only material's fallback upload (also its element id). */
export const sparedKey = (index: number) => `spared${index + 1}`;

/** "免提交（由楚云省公安厅人口基础信息提供）". */
export const sourceText = (s: OnceOnlySource) => `由${s.provider}“${s.resourceName}”提供`;

/** What happened to one once-only material of an application. */
export interface OnceOnlyRecord {
  index: number;
  name: string;
  /** fetched: through the exchange; licence: an e-licence the applicant presented, verified; uploaded. */
  status: "fetched" | "uploaded" | "licence";
  resource: string;
  resourceName: string;
  provider: string;
  /** The exchange audit record of the fetch (status fetched). */
  auditSeq: number | null;
  fields: { label: string; value: string }[];
  file: FileRef | null;
  at: string;
  /** The verified e-licence (status licence): trust level A. */
  licence?: UsedLicence;
}

/** An e-licence used in place of a material, as the hall verified it. */
export interface UsedLicence {
  id: number;
  kindName: string;
  department: string;
  /** The verifier's answer (only "valid" is accepted). */
  result: string;
  trustLevel: "A";
  verifiedAt: string;
}

/** Who filed an application, for whom, and how its once-only materials were obtained. */
export interface Filing {
  mode: "self" | "proxy";
  /** The applicant agreed that the platform fetch the records named on the form. */
  consent: boolean;
  /** 代办: the person applied for, and their authorisation. */
  principal: { name: string; idNumber: string; authorisation: FileRef | null } | null;
  /** The account holder who filed it (the agent, for 代办). */
  filedBy: { accountId: number; name: string };
  materials: OnceOnlyRecord[];
  /** E-licences the applicant chose to present instead of a material (material index → licence id). */
  licenceChoices?: { index: number; licenceId: number }[];
}

/** The form key of the "使用电子证照" choice for a material (by its position in the guide). */
export const licenceKey = (index: number) => `useLicence${index + 1}`;

/** The filing choices as posted (mode, consent, principal), over what a draft already had. */
export function readFiling(
  raw: RawInput,
  previous: Filing | null,
  filedBy: Filing["filedBy"],
  canProxy: boolean,
): Filing {
  const one = (k: string) => {
    const v = raw[k];
    return (Array.isArray(v) ? (v[0] ?? "") : (v ?? "")).trim();
  };
  const mode = canProxy && one("filingMode") === "proxy" ? "proxy" : "self";
  return {
    mode,
    consent: mode === "self" && one("onceOnlyConsent") === "1",
    principal:
      mode === "proxy"
        ? {
            name: one("principalName").slice(0, 31),
            idNumber: one("principalIdNumber").toUpperCase().slice(0, 18),
            authorisation: previous?.principal?.authorisation ?? null,
          }
        : null,
    filedBy,
    licenceChoices:
      mode === "self"
        ? Object.keys(raw)
            .filter((k) => /^useLicence\d{1,3}$/.test(k))
            .flatMap((k) => {
              const id = Number(one(k));
              return Number.isSafeInteger(id) && id > 0
                ? [{ index: Number(k.slice(10)) - 1, licenceId: id }]
                : [];
            })
        : [],
    // Uploaded fallbacks are kept across saves; a fetch is kept once made for the same person.
    materials: (previous?.materials ?? []).filter((m) => m.status === "uploaded" || mode === "self"),
  };
}

/** Problems of the 代办 details (the principal), keyed by the form's element ids. */
export function principalProblems(f: Filing, ownIdNumber: string | null): Record<string, string> {
  const errors: Record<string, string> = {};
  if (f.mode !== "proxy" || !f.principal) return errors;
  const p = f.principal;
  if (!p.name) errors.principalName = "请填写被代办人姓名";
  else if (p.name.length > 30) errors.principalName = "被代办人姓名不能超过30字";
  const idProblem = p.idNumber ? idNumberProblem(p.idNumber) : "请填写被代办人身份证号码";
  if (idProblem) errors.principalIdNumber = idProblem.startsWith("请") ? idProblem : `被代办人${idProblem}`;
  else if (ownIdNumber && p.idNumber === ownIdNumber.toUpperCase())
    errors.principalIdNumber = "为本人申请请选择“本人申请”，代办须填写他人的身份证号码";
  if (!p.authorisation) errors.principalAuth = "请上传被代办人的授权委托书";
  return errors;
}

/**
 * What fetches a record through the data exchange for the hall (the exchange's HallGateway, wired
 * by the container): a signed, purpose-bound, audited call.
 */
export interface RecordFetcher {
  fetch(
    resource: string,
    query: { filter: Record<string, string>; fields: string[] },
    purpose: { caseNo: string; basis: string },
  ): Promise<
    | { ok: true; auditSeq: number; records: Record<string, unknown>[] }
    | { ok: false; auditSeq: number | null; message: string }
  >;
}

/** The query for the applicant's own record of a source, or null when the account cannot be its subject. */
export function ownRecordQuery(
  source: OnceOnlySource,
  account: { kind: "person" | "enterprise"; idNumber: string | null; creditCode: string | null },
): { filter: Record<string, string>; fields: string[]; nameField: string } | null {
  const subject = source.subject === "person" ? account.idNumber : account.creditCode;
  if (!subject || (source.subject === "person") !== (account.kind === "person")) return null;
  const fields = source.fields.map((f) => f.name);
  if (source.resource === "ZZ-0001")
    return {
      filter: { holderId: subject, kind: source.kind ?? "" },
      fields: [...new Set([...fields, "holderName", "status"])],
      nameField: "holderName",
    };
  if (source.resource === "FR-0001")
    return { filter: { creditCode: subject }, fields: [...new Set([...fields, "name"])], nameField: "name" };
  return { filter: { idNumber: subject }, fields: [...new Set([...fields, "name"])], nameField: "name" };
}

/**
 * The applicant's e-licence wallet as the hall sees it (the licences module's HallLicences, wired by
 * the container): which licences the applicant holds, a presentation bound to the application, and
 * the hall's own verification of it.
 */
export interface LicenceWallet {
  readonly audience: string;
  held(
    accountId: number,
  ): Promise<
    { id: number; kindName: string; status: string; expiresAt: string | null; department: string }[]
  >;
  present(licenceId: number, accountId: number, caseNo: string): Promise<string>;
  verify(
    presentation: string,
    expect: { aud: string; nonce: string },
  ): Promise<{
    result: string;
    reason?: string;
    claims: Record<string, unknown>;
    kindName: string | null;
    /** The kind's item labels by claim name. */
    labels: Record<string, string>;
  }>;
}

/** Licences of the wallet usable now (valid, not expired). */
export function usableLicences<T extends { status: string; expiresAt: string | null }>(held: T[]): T[] {
  const now = new Date().toISOString();
  return held.filter((l) => l.status === "valid" && (l.expiresAt === null || l.expiresAt > now));
}
