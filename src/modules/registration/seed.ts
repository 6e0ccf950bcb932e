import type { RegistrationService } from "./service.ts";

/** The demo's open health registration (健康登记), seeded idempotently on every demo start. */
export async function seedRegistration(deps: { registration: RegistrationService }): Promise<void> {
  const { registration } = deps;
  if (await registration.campaign("demo-health")) return;
  await registration
    .saveCampaign(
      {
        code: "demo-health",
        title: "居民健康状况登记（演示）",
        summary:
          "为及时掌握全省居民健康状况、精准开展防控，请每位居民每天登记一次；同一天重复登记以最后一次为准。信息仅用于疫情防控，依法保护您的个人信息。",
        form: {
          fields: [
            {
              name: "symptoms",
              label: "今天是否有以下症状（可多选）",
              type: "multiselect",
              options: ["发热", "咳嗽", "乏力", "咽痛", "腹泻", "无以上症状"],
              exclusiveOption: "无以上症状",
              required: true,
            },
            {
              name: "temperature",
              label: "今日体温（℃）",
              type: "number",
              min: 34,
              max: 43,
              hint: "如 36.5",
            },
            {
              name: "contact",
              label: "14天内是否接触过确诊或疑似病例",
              type: "select",
              options: ["否", "是", "不确定"],
              required: true,
            },
            { name: "note", label: "其他需要说明的情况", type: "textarea", maxLength: 200 },
          ],
        },
        audience: "anyone",
        dedup: "per_id_per_day",
        retentionDays: 28,
        opensAt: "2026-01-01T00:00:00.000Z",
        closesAt: null,
        thresholds: [
          { field: "symptoms", value: "发热", count: 20 },
          { field: "contact", value: "是", count: 10 },
        ],
        office: "楚云省卫生健康委员会疾病预防控制处",
      },
      "system",
    )
    .catch(async (error: unknown) => {
      // Another instance seeded it at the same moment.
      if (!(await registration.campaign("demo-health"))) throw error;
    });
}
