import { seededRandom } from "../../platform/random/seeded-random.ts";
import { creditCodeCheckChar, idCheckChar } from "../../platform/validation/china-ids.ts";
import type { EntityRecordRow, LicenceRecordRow, PersonRecordRow } from "./tables.ts";

/**
 * The demo's base registries (人口、法人、电子证照目录), generated from a fixed seed so every instance
 * and every test sees the same records. Names and addresses are fictional; the identifiers carry valid
 * check characters (GB 11643, GB 11714 inside GB 32100).
 */

/** 楚云省's districts, borrowing real 6-digit 行政区划代码 shapes. */
export const DEMO_DISTRICTS: { code: string; name: string }[] = [
  { code: "420102", name: "江岸区" },
  { code: "420103", name: "江汉区" },
  { code: "420104", name: "硚口区" },
  { code: "420105", name: "汉阳区" },
  { code: "420106", name: "武昌区" },
  { code: "420111", name: "洪山区" },
  { code: "420202", name: "黄石港区" },
  { code: "420302", name: "茅箭区" },
  { code: "420502", name: "西陵区" },
  { code: "420602", name: "襄城区" },
];

const SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈";
const GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文辉玉兰海燕鹏飞晓东春梅";
const STREETS = ["解放大道", "中山大道", "建设大道", "珞喻路", "武珞路", "民主路", "友谊大道", "和平大道"];
const INDUSTRIES = [
  ["H6210", "正餐服务"],
  ["F5261", "超级市场零售"],
  ["I6513", "应用软件开发"],
  ["C1391", "谷物磨制"],
  ["E4710", "房屋建筑业"],
  ["M7484", "工程设计活动"],
];
const ENTITY_SUFFIX = [
  "餐饮有限公司",
  "商贸有限公司",
  "科技有限公司",
  "食品有限公司",
  "建设有限公司",
  "设计有限公司",
];

const pick = <T>(random: () => number, list: readonly T[] | string): T =>
  list[Math.floor(random() * list.length)] as T;
const pad = (n: number, width: number) => String(n).padStart(width, "0");

export function personName(random: () => number): string {
  const given = pick<string>(random, GIVEN) + (random() < 0.6 ? pick<string>(random, GIVEN) : "");
  return pick<string>(random, SURNAMES) + given;
}

/** A valid 18-digit ID number for a birth date, district and sequence (odd 17th digit = male). */
export function idNumberFor(district: string, birth: string, sequence: number, male: boolean): string {
  const seq = sequence % 100;
  const first17 = `${district}${birth.replaceAll("-", "")}${pad(seq, 2)}${male ? 1 + 2 * (sequence % 5) : 2 * (sequence % 5)}`;
  return first17 + idCheckChar(first17);
}

/** GB 11714 organisation code check character for an 8-character body. */
export function orgCodeCheckChar(body: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  const value = (ch: string) => (/\d/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += value(body[i]!) * weights[i]!;
  const c = 11 - (sum % 11);
  return c === 10 ? "X" : c === 11 ? "0" : String(c);
}

/** A valid unified social credit code: 9 (工商) 1 (企业), district, organisation code, check. */
export function creditCodeFor(district: string, serial: number): string {
  const body = pad(serial, 8);
  const first17 = `91${district}${body}${orgCodeCheckChar(body)}`;
  return first17 + creditCodeCheckChar(first17);
}

/** A registry record in clear, as generated (the service seals the personal fields when storing). */
export type PersonRecord = Omit<PersonRecordRow, "id" | "idNumberIndex">;
export type LicenceRecord = Omit<LicenceRecordRow, "id" | "holderIndex">;

export interface Registries {
  people: PersonRecord[];
  entities: EntityRecordRow[];
  licences: LicenceRecord[];
}

export interface KnownPerson {
  idNumber: string;
  name: string;
}
export interface KnownEntity {
  creditCode: string;
  name: string;
}

/** The registries: the platform's own account holders first, then `count` generated residents. */
export function generateRegistries(
  known: { people: KnownPerson[]; entities: KnownEntity[] },
  count = 1200,
): Registries {
  const random = seededRandom(20261202);
  const people: PersonRecord[] = [];
  const seen = new Set<string>();
  const addPerson = (idNumber: string, name: string) => {
    if (seen.has(idNumber)) return;
    seen.add(idNumber);
    const district =
      DEMO_DISTRICTS.find((d) => d.code === idNumber.slice(0, 6)) ?? pick(random, DEMO_DISTRICTS);
    people.push({
      idNumber,
      name,
      gender: Number(idNumber[16]) % 2 === 1 ? "男" : "女",
      birthDate: `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`,
      nation: random() < 0.95 ? "汉族" : "土家族",
      districtCode: idNumber.slice(0, 6),
      address: `楚云省${district.name}${pick(random, STREETS)}${1 + Math.floor(random() * 300)}号`,
      householdNo: `HH${idNumber.slice(0, 6)}${pad(Math.floor(random() * 1e6), 6)}`,
    });
  };
  for (const p of known.people) addPerson(p.idNumber, p.name);
  for (let i = 0; people.length < known.people.length + count; i++) {
    const district = pick(random, DEMO_DISTRICTS).code;
    const year = 1940 + Math.floor(random() * 66);
    const birth = `${year}-${pad(1 + Math.floor(random() * 12), 2)}-${pad(1 + Math.floor(random() * 28), 2)}`;
    addPerson(idNumberFor(district, birth, i, random() < 0.5), personName(random));
  }
  const entities: EntityRecordRow[] = [];
  const addEntity = (creditCode: string, name: string, index: number) => {
    const [industryCode] = INDUSTRIES[index % INDUSTRIES.length]!;
    entities.push({
      creditCode,
      name,
      kind: "有限责任公司",
      legalRepresentative: personName(random),
      registeredCapital: (1 + Math.floor(random() * 500)) * 10000,
      foundedOn: `${2005 + Math.floor(random() * 21)}-${pad(1 + Math.floor(random() * 12), 2)}-${pad(1 + Math.floor(random() * 28), 2)}`,
      districtCode: creditCode.slice(2, 8),
      industryCode: industryCode!,
      address: `楚云省${pick(random, STREETS)}${1 + Math.floor(random() * 500)}号`,
      status: "存续",
    });
  };
  known.entities.forEach((e, i) => addEntity(e.creditCode, e.name, i));
  for (let i = 0; i < 300; i++) {
    const district = pick(random, DEMO_DISTRICTS);
    const suffix = ENTITY_SUFFIX[i % ENTITY_SUFFIX.length]!;
    addEntity(
      creditCodeFor(district.code, 10000 + i),
      `楚云${district.name.slice(0, 2)}${personName(random).slice(1)}${suffix}`,
      i,
    );
  }
  const licences: LicenceRecord[] = [];
  people.slice(0, 400).forEach((p, i) => {
    licences.push({
      // Real driving-licence numbers repeat the ID number; the demo's own numbering keeps it out.
      licenceNo: `JSZ${p.districtCode}${pad(i + 1, 8)}`,
      kind: "机动车驾驶证",
      holderId: p.idNumber,
      holderName: p.name,
      issuer: "楚云省公安厅交通管理局",
      issuedOn: `20${pad(10 + (i % 15), 2)}-0${1 + (i % 9)}-15`,
      validUntil: `20${pad(30 + (i % 15), 2)}-0${1 + (i % 9)}-15`,
      status: "有效",
    });
  });
  entities.forEach((e, i) => {
    licences.push({
      licenceNo: `YYZZ${e.creditCode}`,
      kind: "营业执照",
      holderId: e.creditCode,
      holderName: e.name,
      issuer: "楚云省市场监督管理局",
      issuedOn: e.foundedOn,
      validUntil: null,
      status: "有效",
    });
    if (i % 3 === 0)
      licences.push({
        licenceNo: `JY${e.districtCode}${pad(i, 8)}`,
        kind: "食品经营许可证",
        holderId: e.creditCode,
        holderName: e.name,
        issuer: "楚云省市场监督管理局",
        issuedOn: e.foundedOn,
        validUntil: `${Number(e.foundedOn.slice(0, 4)) + 5}${e.foundedOn.slice(4)}`,
        status: "有效",
      });
  });
  return { people, entities, licences };
}
