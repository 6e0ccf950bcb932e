import type { Account } from "../accounts/index.ts";
import type { LicencesDeps } from "./deps.ts";

/** The demo citizen (phone 13900000001) and the demo enterprise, found among the verified accounts. */
async function demoHolders(deps: LicencesDeps): Promise<{ person?: Account; enterprise?: Account }> {
  const holders = await deps.accounts.verifiedHolders();
  let person: Account | undefined;
  for (const p of holders.people) {
    const account = await deps.accounts.byIdNumber(p.idNumber);
    if (account?.phone === "13900000001") person = account;
  }
  const first = holders.entities[0];
  const enterprise = first ? await deps.accounts.byCreditCode(first.creditCode) : undefined;
  return { person, enterprise };
}

function personItems(a: Account): Record<string, unknown> {
  const id = a.idNumber ?? "";
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  return {
    name: a.name,
    idNumber: id,
    gender: Number(id.charAt(16)) % 2 === 1 ? "男" : "女",
    birthDate: birth,
    ageOver18: true,
  };
}

/**
 * Demo licences, idempotently: the demo citizen holds seven licences of different kinds (the 居住证
 * revoked), the demo enterprise its 营业执照 and 食品经营许可证. Seeded once (when the holder has none).
 */
export async function seedLicences(deps: LicencesDeps): Promise<void> {
  const { person, enterprise } = await demoHolders(deps);
  const actor = "system:seed";
  const issue = (kindCode: string, holderAccountId: number, claims: Record<string, unknown>) =>
    deps.licences.issue({ kindCode, holderAccountId, claims }, actor);
  if (person && (await deps.licences.mine(person.id)).length === 0) {
    const p = personItems(person);
    const address = "楚云省江城市江岸区沿江大道 188 号";
    await issue("11100000000013338W001", person.id, {
      ...p,
      nation: "汉",
      address,
      issuingAuthority: "江城市公安局江岸分局",
      // A serial of the issuing office, not the ID number: a 证照编号 may be disclosed on its own.
      licenceNo: "SFZ420102000001",
    });
    await issue("11100000000013338W002", person.id, {
      ...p,
      householdNo: "420102001234",
      householdType: "家庭户",
      address,
      relation: "户主",
      licenceNo: "HKB420102001234",
    });
    await issue("11100000000013338W003", person.id, {
      ...p,
      vehicleClass: "C1",
      firstIssueDate: "2012-05-18",
      licenceNo: "JSZ420102000001",
      issueDate: "2024-05-18",
    });
    await issue("11100000717800811N001", person.id, {
      ...p,
      cardNo: p.idNumber,
      bank: "中国工商银行江城分行",
      issueDate: "2021-09-01",
    });
    await issue("11100000MB0361226B001", person.id, {
      name: p.name,
      idNumber: p.idNumber,
      unitNo: "420102001001GB00001F00010001",
      location: "江岸区沿江大道 188 号 1 栋 10 层 1001 室",
      right: "国有建设用地使用权/房屋所有权",
      use: "住宅",
      area: "98.60",
      share: "单独所有",
      licenceNo: "楚（2026）江城市不动产权第 0000188 号",
      issueDate: "2026-11-30",
    });
    await issue("11100000000014335W001", person.id, {
      ...p,
      spouseName: "李梅",
      spouseIdNumber: "420102199205120026",
      registerDate: "2018-10-08",
      licenceNo: "J420102-2018-001234",
    });
    const residence = await issue("11100000000013338W005", person.id, {
      ...p,
      address: "楚云省襄城市樊城区人民路 66 号",
      licenceNo: "JZZ420602000001",
      issueDate: "2023-03-01",
    });
    await deps.licences.setStatus(residence.id, "revoked", actor);
  }
  if (enterprise && (await deps.licences.mine(enterprise.id)).length === 0) {
    const e = {
      entityName: enterprise.name,
      creditCode: enterprise.creditCode,
      legalRepresentative: enterprise.contactName ?? "李四",
    };
    await issue("11100000MB0341032Y001", enterprise.id, {
      ...e,
      entityType: "有限责任公司（自然人投资或控股）",
      registeredCapital: "100 万元人民币",
      establishedDate: "2020-06-18",
      address: "楚云省江城市江汉区解放大道 688 号",
      businessScope: "餐饮服务；食品销售（仅销售预包装食品）",
      licenceNo: `YYZZ${enterprise.creditCode ?? ""}`,
    });
    await issue("11100000MB0341032Y002", enterprise.id, {
      ...e,
      businessPremises: "楚云省江城市江汉区解放大道 688 号 1 层",
      mainBusiness: "餐饮服务经营者（中型餐馆）",
      businessItems: "热食类食品制售；冷食类食品制售",
      licenceNo: "JY14201030000001",
      issueDate: "2024-01-10",
    });
  }
  await deps.licences.publishTreeHead();
}
