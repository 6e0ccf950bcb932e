import { CHART_FONT as FONT, renderChartSvg } from "../../web/charts.ts";
import type { QuestionResult } from "./surveys.ts";

const WIDTH = 600;
/** The phone variant's width: drawn at about the width a 360 px screen shows it, so text stays ≥ 12 px. */
export const NARROW_WIDTH = 340;

/**
 * One question's result as an SVG bar chart, rendered on the server with ECharts (no script in the
 * page). Labels come from staff-written options and are escaped by ECharts' SVG renderer. Choice
 * questions draw horizontal bars (long option texts), scale questions five vertical bars.
 */
export function questionChartSvg(result: QuestionResult, options: { narrow?: boolean } = {}): string {
  const narrow = options.narrow === true;
  // A phone scales the image to its width: the narrow variant is drawn near that width, with larger text.
  const font = narrow ? 15 : 13;
  const rows = result.rows;
  const horizontal = result.question.kind !== "scale";
  const height = horizontal ? Math.max(160, 60 + rows.length * 36) : 300;
  const category = {
    type: "category" as const,
    // Scores as "1分"…"5分" (the table gives the full wording); every label drawn.
    data: horizontal ? rows.map((r) => r.label) : rows.map((_r, i) => `${i + 1}分`),
    axisLabel: {
      interval: 0,
      fontFamily: FONT,
      fontSize: font,
      color: "#1f2933",
      width: narrow ? 110 : 200,
      overflow: "truncate" as const,
    },
    inverse: horizontal,
  };
  const value = {
    type: "value" as const,
    minInterval: 1,
    axisLabel: { fontFamily: FONT, color: "#3e4c59", fontSize: font },
  };
  return renderChartSvg(
    {
      grid: { left: narrow ? 4 : 16, right: narrow ? 36 : 48, top: 24, bottom: 24, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [
        {
          type: "bar",
          data: rows.map((r) => r.count),
          barMaxWidth: 40,
          itemStyle: { color: "#1d5fa8" },
          label: {
            show: true,
            position: horizontal ? "right" : "top",
            fontFamily: FONT,
            color: "#1f2933",
            fontSize: font,
          },
        },
      ],
    },
    narrow ? NARROW_WIDTH : WIDTH,
    height,
  );
}
