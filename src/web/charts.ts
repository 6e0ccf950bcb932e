import { createRequire } from "node:module";
import type * as Echarts from "echarts";

// Loaded on the first chart, not at start: ECharts is large and most processes never draw one.
const require = createRequire(import.meta.url);
let echartsModule: typeof Echarts | undefined;
const echarts = (): typeof Echarts => (echartsModule ??= require("echarts") as typeof Echarts);

/** Single quotes only: ECharts writes this into a double-quoted style attribute without escaping. */
export const CHART_FONT =
  "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif";

/**
 * An ECharts option rendered on the server as an SVG string (no script in the page, so charts work
 * without JavaScript and in elder mode). Text in the option is escaped by ECharts' SVG renderer.
 */
export function renderChartSvg(option: Echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts().init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: CHART_FONT }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** A line chart of one or more series over category labels (days, months). */
export function lineChartSvg(
  labels: string[],
  series: { name: string; values: number[] }[],
  options: { width?: number; height?: number } = {},
): string {
  const palette = ["#1d5fa8", "#b3261e", "#2f7d32", "#8a5a00"];
  return renderChartSvg(
    {
      grid: { left: 16, right: 24, top: 40, bottom: 24, containLabel: true },
      legend: { top: 4, textStyle: { fontFamily: CHART_FONT, color: "#1f2933" } },
      xAxis: { type: "category", data: labels, axisLabel: { fontFamily: CHART_FONT, color: "#3e4c59" } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontFamily: CHART_FONT, color: "#3e4c59" } },
      series: series.map((s, i) => ({
        name: s.name,
        type: "line",
        data: s.values,
        itemStyle: { color: palette[i % palette.length] },
        lineStyle: { width: 2 },
      })),
    },
    options.width ?? 640,
    options.height ?? 280,
  );
}

/** A horizontal bar chart of one or more series over category labels (funnel steps, top lists). */
export function barChartSvg(
  labels: string[],
  series: { name: string; values: number[] }[],
  options: { width?: number; height?: number } = {},
): string {
  const palette = ["#1d5fa8", "#2f7d32", "#8a5a00", "#b3261e"];
  return renderChartSvg(
    {
      grid: { left: 16, right: 32, top: 40, bottom: 16, containLabel: true },
      legend: { top: 4, textStyle: { fontFamily: CHART_FONT, color: "#1f2933" } },
      yAxis: {
        type: "category",
        data: labels,
        inverse: true,
        axisLabel: { fontFamily: CHART_FONT, color: "#3e4c59" },
      },
      xAxis: { type: "value", minInterval: 1, axisLabel: { fontFamily: CHART_FONT, color: "#3e4c59" } },
      series: series.map((s, i) => ({
        name: s.name,
        type: "bar",
        data: s.values,
        itemStyle: { color: palette[i % palette.length] },
        label: { show: true, position: "right", fontFamily: CHART_FONT, color: "#1f2933" },
      })),
    },
    options.width ?? 640,
    options.height ?? Math.max(160, 60 + labels.length * 28 * Math.max(1, series.length)),
  );
}
