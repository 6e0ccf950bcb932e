import { CHART_FONT as FONT, renderChartSvg } from "../../web/charts.ts";
import type { CallFigures } from "./service.ts";

const WIDTH = 640;

export type ChartName =
  "calls-by-resource" | "calls-by-member" | "latency-by-resource" | "latency-by-member" | "expiring";

export const CHART_TITLES: Record<ChartName, string> = {
  "calls-by-resource": "按数据资源：调用次数与成功率",
  "calls-by-member": "按接入系统：调用次数与成功率",
  "latency-by-resource": "按数据资源：耗时 p50 / p99（毫秒）",
  "latency-by-member": "按接入系统：耗时 p50 / p99（毫秒）",
  expiring: "30天内到期的授权（剩余天数）",
};

interface Figures {
  byResource: CallFigures[];
  byMember: CallFigures[];
}

function render(
  categories: string[],
  series: { name: string; data: number[]; color: string; axis?: number }[],
  options: { secondAxisPercent?: boolean } = {},
): string {
  const height = Math.max(180, 80 + categories.length * (series.length > 1 ? 44 : 32));
  const label = { fontFamily: FONT, color: "#1f2933", fontSize: 12 };
  return renderChartSvg(
    {
      legend: { top: 0, textStyle: label },
      grid: { left: 16, right: 56, top: 32, bottom: 24, containLabel: true },
      yAxis: {
        type: "category",
        data: categories,
        inverse: true,
        axisLabel: { ...label, interval: 0, width: 220, overflow: "truncate" },
      },
      xAxis: options.secondAxisPercent
        ? [
            { type: "value", minInterval: 1, axisLabel: label },
            { type: "value", min: 0, max: 100, axisLabel: { ...label, formatter: "{value}%" } },
          ]
        : { type: "value", minInterval: 1, axisLabel: label },
      series: series.map((s) => ({
        name: s.name,
        type: "bar",
        xAxisIndex: s.axis ?? 0,
        data: s.data,
        barMaxWidth: 18,
        itemStyle: { color: s.color },
        label: { show: true, position: "right", ...label },
      })),
    },
    WIDTH,
    height,
  );
}

/** One console chart as SVG (ECharts' server-side renderer: no script in the page), or null if unknown. */
export function exchangeChartSvg(
  name: ChartName,
  figures: Figures,
  expiring: { memberName: string; resourceCode: string; daysLeft: number }[],
): string | null {
  const top = (rows: CallFigures[]) => rows.slice(0, 15);
  switch (name) {
    case "calls-by-resource":
    case "calls-by-member": {
      const rows = top(name === "calls-by-resource" ? figures.byResource : figures.byMember);
      return render(
        rows.map((r) => r.name),
        [
          { name: "调用次数", data: rows.map((r) => r.calls), color: "#1d5fa8" },
          {
            name: "成功率（%）",
            data: rows.map((r) => Math.round(r.successRate * 1000) / 10),
            color: "#2f8f46",
            axis: 1,
          },
        ],
        { secondAxisPercent: true },
      );
    }
    case "latency-by-resource":
    case "latency-by-member": {
      const rows = top(name === "latency-by-resource" ? figures.byResource : figures.byMember);
      return render(
        rows.map((r) => r.name),
        [
          { name: "p50", data: rows.map((r) => r.p50Ms), color: "#1d5fa8" },
          { name: "p99", data: rows.map((r) => r.p99Ms), color: "#c05621" },
        ],
      );
    }
    case "expiring": {
      const rows = expiring.slice(0, 15);
      return render(
        rows.map((g) => `${g.memberName} · ${g.resourceCode}`),
        [{ name: "剩余天数", data: rows.map((g) => g.daysLeft), color: "#c05621" }],
      );
    }
    default:
      return null;
  }
}
