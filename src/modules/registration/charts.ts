import { CHART_FONT as FONT, renderChartSvg } from "../../web/charts.ts";

/**
 * Horizontal bars as an SVG image, rendered on the server with ECharts (no script in the page; the
 * figures page has the same numbers as a table). Labels are escaped by ECharts' SVG renderer.
 */
export function barChartSvg(rows: { label: string; value: number; flagged?: boolean }[]): string {
  const height = Math.max(160, 60 + rows.length * 28);
  return renderChartSvg(
    {
      grid: { left: 16, right: 48, top: 16, bottom: 24, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { fontFamily: FONT, color: "#3e4c59" } },
      yAxis: {
        type: "category",
        inverse: true,
        data: rows.map((r) => r.label),
        axisLabel: { interval: 0, fontFamily: FONT, fontSize: 13, color: "#1f2933" },
      },
      series: [
        {
          type: "bar",
          data: rows.map((r) => ({
            value: r.value,
            itemStyle: { color: r.flagged ? "#b42318" : "#1d5fa8" },
          })),
          barMaxWidth: 24,
          label: { show: true, position: "right", fontFamily: FONT, color: "#1f2933", fontSize: 13 },
        },
      ],
    },
    600,
    height,
  );
}
