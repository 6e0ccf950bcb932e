/**
 * The 23 kinds of electronic licence (电子证照) the platform issues. Each kind follows the structure of
 * the GB/T 36901–36906 family (电子证照 总体技术架构 / 目录信息规范 / 元数据规范 / 标识规范 …): a
 * licence type code, a name, the issuing department, the holder's subject type, a validity, and its
 * data items (照面信息), every one of which the SD-JWT VC makes selectively disclosable.
 */

export type HolderKind = "person" | "enterprise";
export type ItemType = "string" | "date" | "boolean" | "integer";

export interface LicenceItem {
  /** The claim name in the credential. */
  name: string;
  label: string;
  type: ItemType;
  /** Personal data masked in lists (ID numbers, addresses, names). */
  personal?: boolean;
  /** The only values the item may take (性别: 男 or 女, as on the 居民身份证). */
  values?: string[];
  /**
   * A yes/no item that follows from the holder's birth date (`birthDate`): whether they were at least
   * this many full years old (周岁) on the issue date. Computed at issuance; a contradicting value is refused.
   */
  minAge?: number;
}

export interface LicenceKind {
  /** 证照类型代码 (the catalogue code); the credential's `vct` ends with it. */
  code: string;
  name: string;
  department: string;
  holder: HolderKind;
  /** Years a licence stays valid; null = long-term (长期). */
  validityYears: number | null;
  items: LicenceItem[];
}

const s = (name: string, label: string, personal = false): LicenceItem => ({
  name,
  label,
  type: "string",
  personal,
});
const d = (name: string, label: string): LicenceItem => ({ name, label, type: "date" });
const NAME = s("name", "姓名", true);
const ID = s("idNumber", "公民身份号码", true);
const GENDER: LicenceItem = { ...s("gender", "性别"), values: ["男", "女"] };
const BIRTH = d("birthDate", "出生日期");
const ADULT: LicenceItem = { name: "ageOver18", label: "年满18周岁", type: "boolean", minAge: 18 };
const NO = s("licenceNo", "证照编号");
const ISSUED = d("issueDate", "发证日期");
const ENTITY = s("entityName", "单位名称");
const CREDIT = s("creditCode", "统一社会信用代码");
const LEGAL = s("legalRepresentative", "法定代表人", true);
const ADDRESS = s("address", "住所", true);
const PERSON = [NAME, ID, GENDER, BIRTH, ADULT];

export const LICENCE_KINDS: LicenceKind[] = [
  {
    code: "11100000000013338W001",
    name: "居民身份证",
    department: "楚云省公安厅",
    holder: "person",
    validityYears: 20,
    items: [...PERSON, s("nation", "民族"), ADDRESS, s("issuingAuthority", "签发机关"), NO],
  },
  {
    code: "11100000000013338W002",
    name: "居民户口簿",
    department: "楚云省公安厅",
    holder: "person",
    validityYears: null,
    items: [
      ...PERSON,
      s("householdNo", "户号"),
      s("householdType", "户别"),
      ADDRESS,
      s("relation", "与户主关系"),
      NO,
    ],
  },
  {
    code: "11100000000013338W003",
    name: "机动车驾驶证",
    department: "楚云省公安厅交通管理局",
    holder: "person",
    validityYears: 6,
    items: [...PERSON, s("vehicleClass", "准驾车型"), d("firstIssueDate", "初次领证日期"), NO, ISSUED],
  },
  {
    code: "11100000000013338W004",
    name: "机动车行驶证",
    department: "楚云省公安厅交通管理局",
    holder: "person",
    validityYears: 6,
    items: [
      NAME,
      ID,
      s("plateNo", "号牌号码"),
      s("vehicleType", "车辆类型"),
      s("vin", "车辆识别代号"),
      d("registerDate", "注册日期"),
      NO,
    ],
  },
  {
    code: "11100000MB0341032Y001",
    name: "营业执照",
    department: "楚云省市场监督管理局",
    holder: "enterprise",
    validityYears: null,
    items: [
      ENTITY,
      CREDIT,
      s("entityType", "类型"),
      LEGAL,
      s("registeredCapital", "注册资本"),
      d("establishedDate", "成立日期"),
      ADDRESS,
      s("businessScope", "经营范围"),
      NO,
    ],
  },
  {
    code: "11100000MB0341032Y002",
    name: "食品经营许可证",
    department: "楚云省市场监督管理局",
    holder: "enterprise",
    validityYears: 5,
    items: [
      ENTITY,
      CREDIT,
      LEGAL,
      s("businessPremises", "经营场所"),
      s("mainBusiness", "主体业态"),
      s("businessItems", "经营项目"),
      NO,
      ISSUED,
    ],
  },
  {
    code: "11100000000014335W001",
    name: "结婚证",
    department: "楚云省民政厅",
    holder: "person",
    validityYears: null,
    items: [
      ...PERSON,
      s("spouseName", "配偶姓名", true),
      s("spouseIdNumber", "配偶身份号码", true),
      d("registerDate", "登记日期"),
      NO,
    ],
  },
  {
    code: "11100000000014335W002",
    name: "离婚证",
    department: "楚云省民政厅",
    holder: "person",
    validityYears: null,
    items: [...PERSON, s("formerSpouseName", "原配偶姓名", true), d("registerDate", "登记日期"), NO],
  },
  {
    code: "11100000MB0361226B001",
    name: "不动产权证书",
    department: "楚云省自然资源厅",
    holder: "person",
    validityYears: null,
    items: [
      NAME,
      ID,
      s("unitNo", "不动产单元号"),
      s("location", "坐落", true),
      s("right", "权利类型"),
      s("use", "用途"),
      s("area", "面积（平方米）"),
      s("share", "共有情况"),
      NO,
      ISSUED,
    ],
  },
  {
    code: "11100000717800811N001",
    name: "社会保障卡",
    department: "楚云省人力资源和社会保障厅",
    holder: "person",
    validityYears: 10,
    items: [...PERSON, s("cardNo", "社会保障号码", true), s("bank", "金融账户开户行"), ISSUED],
  },
  {
    code: "11100000000013606W001",
    name: "出生医学证明",
    department: "楚云省卫生健康委员会",
    holder: "person",
    validityYears: null,
    items: [
      NAME,
      GENDER,
      BIRTH,
      s("birthPlace", "出生地点"),
      s("motherName", "母亲姓名", true),
      s("fatherName", "父亲姓名", true),
      NO,
    ],
  },
  {
    code: "11100000000013391X001",
    name: "残疾人证",
    department: "楚云省残疾人联合会",
    holder: "person",
    validityYears: 10,
    items: [...PERSON, s("disabilityCategory", "残疾类别"), s("disabilityLevel", "残疾等级"), NO, ISSUED],
  },
  {
    code: "11100000000013327X001",
    name: "教师资格证",
    department: "楚云省教育厅",
    holder: "person",
    validityYears: null,
    items: [...PERSON, s("qualificationType", "资格种类"), s("subject", "任教学科"), NO, ISSUED],
  },
  {
    code: "11100000000013327X002",
    name: "学位证书",
    department: "楚云省教育厅",
    holder: "person",
    validityYears: null,
    items: [...PERSON, s("degree", "学位"), s("major", "专业"), s("university", "授予单位"), NO, ISSUED],
  },
  {
    code: "11100000000013338W005",
    name: "居住证",
    department: "楚云省公安厅",
    holder: "person",
    validityYears: 1,
    items: [...PERSON, ADDRESS, NO, ISSUED],
  },
  {
    code: "11100000000013338W006",
    name: "普通护照",
    department: "楚云省公安厅出入境管理局",
    holder: "person",
    validityYears: 10,
    items: [...PERSON, s("birthPlace", "出生地点"), s("passportNo", "护照号码", true), ISSUED],
  },
  {
    code: "11100000717800811N002",
    name: "就业创业证",
    department: "楚云省人力资源和社会保障厅",
    holder: "person",
    validityYears: null,
    items: [...PERSON, s("employmentStatus", "就业状态"), NO, ISSUED],
  },
  {
    code: "11100000000013606W002",
    name: "预防接种证",
    department: "楚云省卫生健康委员会",
    holder: "person",
    validityYears: null,
    items: [NAME, GENDER, BIRTH, s("guardianName", "监护人姓名", true), s("vaccinations", "接种记录"), NO],
  },
  {
    code: "11100000000013391X002",
    name: "老年人优待证",
    department: "楚云省民政厅",
    holder: "person",
    validityYears: null,
    items: [...PERSON, { name: "ageOver60", label: "年满60周岁", type: "boolean", minAge: 60 }, NO, ISSUED],
  },
  {
    code: "11100000MB0341032Y003",
    name: "药品经营许可证",
    department: "楚云省药品监督管理局",
    holder: "enterprise",
    validityYears: 5,
    items: [ENTITY, CREDIT, LEGAL, s("warehouse", "仓库地址"), s("scope", "经营范围"), NO, ISSUED],
  },
  {
    code: "11100000000018368Q001",
    name: "建筑业企业资质证书",
    department: "楚云省住房和城乡建设厅",
    holder: "enterprise",
    validityYears: 5,
    items: [ENTITY, CREDIT, LEGAL, s("qualification", "资质类别及等级"), NO, ISSUED],
  },
  {
    code: "11100000000013362X001",
    name: "道路运输经营许可证",
    department: "楚云省交通运输厅",
    holder: "enterprise",
    validityYears: 4,
    items: [ENTITY, CREDIT, LEGAL, s("scope", "经营范围"), NO, ISSUED],
  },
  {
    code: "11100000000013338W007",
    name: "烟草专卖零售许可证",
    department: "楚云省烟草专卖局",
    holder: "enterprise",
    validityYears: 5,
    items: [ENTITY, CREDIT, LEGAL, s("businessPremises", "经营场所"), NO, ISSUED],
  },
];

const BY_CODE = new Map(LICENCE_KINDS.map((k) => [k.code, k]));

export function licenceKind(code: string): LicenceKind | undefined {
  return BY_CODE.get(code);
}

/** The credential type (`vct`) of a kind: a URL on the platform that names the catalogue code. */
export function vctOf(baseUrl: string, kind: LicenceKind): string {
  return `${baseUrl.replace(/\/$/, "")}/licences/types/${kind.code}`;
}
