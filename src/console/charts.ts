/**
 * Charts as SVG rendered on the server with Apache ECharts' server-side renderer: no chart
 * library in the browser, nothing to download, and the chart prints with the page. Inline in the
 * HTML, so the page's Content-Security-Policy needs no exception.
 */
import * as echarts from 'echarts';

const FONT = "'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif";
const COLORS = ['#0b5cad', '#2e8b57', '#c77700', '#b3261e', '#6a4c93', '#3d7a8a'];

export interface Series {
  name: string;
  values: number[];
}

function svg(option: echarts.EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, color: COLORS, textStyle: { fontFamily: FONT }, ...option });
    return presentationAttributes(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/** Bars per category (regions, industries, months), one colour per series; horizontal when many. */
export function barChart(o: {
  categories: string[];
  series: Series[];
  title?: string;
  width?: number;
  stacked?: boolean;
  /** Top of the value axis (100 for percentages), instead of the data's own. */
  max?: number;
}): string {
  const horizontal = o.categories.length > 8;
  const width = o.width ?? 720;
  const height = horizontal ? Math.max(200, 28 * o.categories.length + 80) : 320;
  const category = {
    type: 'category' as const,
    data: o.categories,
    axisLabel: { interval: 0, width: 110, overflow: 'truncate' as const },
  };
  const value = { type: 'value' as const, max: o.max };
  return svg(
    {
      title: o.title ? { text: o.title, textStyle: { fontSize: 14 } } : undefined,
      legend: o.series.length > 1 ? { top: o.title ? 24 : 0 } : undefined,
      grid: {
        left: horizontal ? 130 : 50,
        right: 20,
        top: o.series.length > 1 || o.title ? 56 : 20,
        bottom: 40,
        containLabel: false,
      },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? { ...category, inverse: true } : value,
      series: o.series.map((s) => ({
        type: 'bar' as const,
        name: s.name,
        data: s.values,
        stack: o.stacked ? 'all' : undefined,
        label: { show: o.series.length === 1, position: horizontal ? ('right' as const) : ('top' as const) },
      })),
    },
    width,
    height,
  );
}

/** Lines over time (months). */
export function lineChart(o: { categories: string[]; series: Series[]; title?: string; width?: number }): string {
  return svg(
    {
      title: o.title ? { text: o.title, textStyle: { fontSize: 14 } } : undefined,
      legend: { top: o.title ? 24 : 0 },
      grid: { left: 50, right: 20, top: 56, bottom: 40 },
      xAxis: { type: 'category', data: o.categories },
      yAxis: { type: 'value' },
      series: o.series.map((s) => ({ type: 'line' as const, name: s.name, data: s.values, symbolSize: 6 })),
    },
    o.width ?? 720,
    300,
  );
}

/** Shares of a whole (a campaign's delivered / failed / waiting). */
export function pieChart(o: { slices: Array<{ name: string; value: number }>; title?: string }): string {
  return svg(
    {
      title: o.title ? { text: o.title, textStyle: { fontSize: 14 } } : undefined,
      legend: { bottom: 0 },
      series: [{ type: 'pie', radius: ['35%', '65%'], data: o.slices, label: { formatter: '{b}: {c}' } }],
    },
    420,
    300,
  );
}

/**
 * ECharts writes text styles as style="font-size:12px;font-family:…" attributes, which a strict
 * Content-Security-Policy (no inline styles) refuses. SVG has a presentation attribute for each of
 * them, so they are rewritten as font-size="12px" font-family="…".
 */
function presentationAttributes(svgText: string): string {
  // Hover emphasis comes as a <style> element (refused by the CSP too); a printed chart needs none.
  return svgText.replace(/<style\b[^>]*>[\s\S]*?<\/style>/g, '').replace(/ style="([^"]*)"/g, (_m, decls: string) =>
    decls
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const i = d.indexOf(':');
        return ` ${d.slice(0, i).trim()}="${d.slice(i + 1).trim()}"`;
      })
      .join(''),
  );
}
