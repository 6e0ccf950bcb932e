import { Type } from "typebox";

const Nullable = (t: ReturnType<typeof Type.Number>) => Type.Union([t, Type.Null()]);

const FIGURES = {
  received: Type.Integer({ description: "收到来信（含不予受理）" }),
  invalid: Type.Integer({ description: "不予受理" }),
  replied: Type.Integer({ description: "已答复" }),
  repliedOnTime: Type.Integer({ description: "按时答复（含批准的延期）" }),
  onTimeRate: Nullable(Type.Number({ description: "按时答复率（%）：按时答复 /（已答复 + 超期未答复）" })),
  onTimeBase: Type.Integer({ description: "按时答复率的样本数：已答复 + 超期未答复" }),
  overdueOpen: Type.Integer({ description: "超期未答复" }),
  averageReplyDays: Nullable(Type.Number({ description: "平均答复用时（工作日）" })),
  ratings: Type.Object({
    satisfied: Type.Integer(),
    basic: Type.Integer(),
    unsatisfied: Type.Integer(),
    real: Type.Integer({ description: "群众实际评价数" }),
    defaulted: Type.Integer({ description: "评价期内未评价、按规定默认评价的件数" }),
    awaiting: Type.Integer({ description: "尚在评价期内未评价" }),
  }),
  satisfactionReal: Nullable(Type.Number({ description: "实评满意率（满意+基本满意）/实评（%）" })),
  satisfactionWithDefault: Nullable(Type.Number({ description: "计入默认评价的满意率（%）" })),
  solvedRate: Nullable(Type.Number({ description: "解决率（%）" })),
  solvedBase: Type.Integer({ description: "解决率的样本数：表示已解决或未解决的评价数" }),
};

export const FIGURES_SCHEMA = Type.Object({
  site: Type.Union([Type.String(), Type.Null()]),
  ...FIGURES,
  byDepartment: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), ...FIGURES })),
});
