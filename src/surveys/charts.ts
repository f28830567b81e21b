// Charts rendered on the server as SVG by Apache ECharts' server-side mode (no DOM, no script in
// the page): the analysis reads the same with JavaScript off. ECharts escapes the text it draws.
import * as echarts from 'echarts';

const ACCENT = '#8a2b0f';
const PALETTE = ['#8a2b0f', '#1e5e2e', '#1557b0', '#a86a00', '#6b3fa0', '#50575e', '#b03060', '#2f7f7f'];

// Category labels are truncated at LABEL_WIDTH as measured in Helvetica; the grid starts
// LABEL_SLACK further in, so a label drawn in a fallback font up to 15 % wider stays inside.
const LABEL_WIDTH = 220;
const LABEL_SLACK = Math.ceil(LABEL_WIDTH * 0.15);

function render(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    // ECharts measures text on the server with Helvetica's widths (there is no canvas here), so the
    // labels are drawn in Helvetica or a font with the same metrics (Arial, which Linux maps to
    // Liberation Sans; a quoted family name would break the SVG attribute it is written in): with
    // a wider font, long labels would overflow the space reserved for them and be cut. A browser
    // without such a font (Debian with only DejaVu Sans, about 10 % wider) still gets LABEL_SLACK.
    chart.setOption({ animation: false, textStyle: { fontFamily: 'Helvetica, Arial, sans-serif', fontSize: 13, color: '#1d2327' }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Horizontal bars, one per answer, labelled "count (pct %)". */
export function barChart(bars: Array<{ label: string; count: number; pct: number }>, o: { width?: number } = {}): string {
  const width = o.width ?? 640;
  const height = 40 + Math.max(1, bars.length) * 32;
  return render(
    {
      grid: { left: 8 + LABEL_SLACK, right: 90, top: 10, bottom: 24, containLabel: true },
      xAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#e4e0d6' } } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: bars.map((b) => b.label),
        axisLabel: { width: LABEL_WIDTH, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          data: bars.map((b) => b.count),
          itemStyle: { color: ACCENT },
          barMaxWidth: 22,
          label: { show: true, position: 'right', formatter: (p: { dataIndex: number }) => `${bars[p.dataIndex]!.count} (${bars[p.dataIndex]!.pct} %)` },
        },
      ],
    },
    width,
    height,
  );
}

/** A matrix: one stacked bar per row, one colour per column, with a legend. */
export function stackedChart(rows: Array<{ label: string; counts: Array<{ label: string; count: number }> }>, columns: string[], o: { width?: number } = {}): string {
  const width = o.width ?? 640;
  const height = 70 + Math.max(1, rows.length) * 32;
  return render(
    {
      color: PALETTE,
      legend: { top: 0, data: columns },
      grid: { left: 8 + LABEL_SLACK, right: 24, top: 36, bottom: 24, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.label), axisLabel: { width: LABEL_WIDTH, overflow: 'truncate' } },
      series: columns.map((c, j) => ({
        name: c,
        type: 'bar',
        stack: 'all',
        barMaxWidth: 22,
        data: rows.map((r) => r.counts[j]?.count ?? 0),
        label: { show: true, formatter: (p: { value: number }) => (p.value ? String(p.value) : '') },
      })),
    },
    width,
    height,
  );
}

/** Answers per day, as columns. */
export function dayChart(days: Array<{ day: string; n: number }>, o: { width?: number } = {}): string {
  return render(
    {
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: days.map((d) => d.day) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: days.map((d) => d.n), itemStyle: { color: ACCENT }, barMaxWidth: 28, label: { show: true, position: 'top' } }],
    },
    o.width ?? 640,
    240,
  );
}
