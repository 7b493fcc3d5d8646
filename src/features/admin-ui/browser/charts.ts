// Chart.js (loaded as a classic script before the modules) with the console's defaults; charts
// are updated in place on every refresh, without animation.
import type { Chart as ChartJs, ChartDataset, ChartOptions } from 'chart.js';

type Kind = 'bar' | 'line';
type Values = Array<number | null>;
type ConsoleChart = ChartJs<Kind, Values, string>;

/** The page loads Chart.js only where it draws charts. */
const Chart = (globalThis as { Chart?: typeof ChartJs }).Chart;
const COLORS = ['#0d6efd', '#d63384', '#198754', '#fd7e14', '#6f42c1', '#20c997'];

if (Chart) {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#495057';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

const charts = new Map<HTMLCanvasElement, ConsoleChart>();
const isGap = (v: number | null | undefined) => v === null || v === undefined;

/** A "no data yet" note over a chart with nothing to draw. */
function showEmpty(canvas: HTMLCanvasElement, empty: boolean): void {
  const box = canvas.parentElement;
  if (!box) return;
  let note = box.querySelector<HTMLElement>('.chart-empty');
  if (!note) {
    note = document.createElement('p');
    note.className = 'chart-empty';
    note.textContent = 'No data yet';
    box.append(note);
  }
  note.hidden = !empty;
}

export interface Series {
  label: string;
  data: Values;
  type?: Kind;
  /** 'y2': the right-hand axis, 0 to 5 (ratings). */
  axis?: 'y2';
}

export interface ChartSpec {
  type?: Kind;
  labels: string[];
  series: Series[];
  yTitle?: string;
  y2Title?: string;
  yMax?: number;
  percent?: boolean;
  /** The left axis counts things (whole-number ticks). */
  integer?: boolean;
}

function scalesOf({
  type = 'line',
  series,
  yTitle,
  y2Title,
  yMax,
  percent = false,
  integer = false,
}: ChartSpec): ChartOptions<Kind>['scales'] {
  const scales: NonNullable<ChartOptions<Kind>['scales']> = {
    // Every bar is named (turned when crowded); a time axis names every few points.
    x: {
      ticks: type === 'bar' ? { autoSkip: false, maxRotation: 60 } : { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 },
      grid: { display: false },
    },
    y: {
      beginAtZero: true,
      max: yMax,
      title: { display: Boolean(yTitle), text: yTitle },
      ticks: percent ? { callback: (v) => `${v} %` } : { precision: integer ? 0 : undefined },
    },
  };
  if (series.some((s) => s.axis === 'y2')) {
    scales.y2 = {
      position: 'right',
      beginAtZero: true,
      min: 0,
      max: 5,
      grid: { drawOnChartArea: false },
      title: { display: Boolean(y2Title), text: y2Title },
    };
  }
  return scales;
}

/** Draws or updates the chart on `canvas`: `series` over `labels`. */
export function drawChart(canvas: HTMLCanvasElement | null, spec: ChartSpec): void {
  if (!Chart || !canvas) return;
  const { type = 'line', labels, series } = spec;
  const datasets = series.map((s, i): ChartDataset<Kind, Values> => ({
    label: s.label,
    data: s.data,
    type: s.type ?? type,
    yAxisID: s.axis === 'y2' ? 'y2' : 'y',
    borderColor: COLORS[i % COLORS.length],
    backgroundColor: (s.type ?? type) === 'bar' ? `${COLORS[i % COLORS.length]}b3` : `${COLORS[i % COLORS.length]}22`,
    borderWidth: 2,
    // Dense lines hide their points except a value with no neighbour, which would otherwise not
    // be drawn at all; a missing value is a gap, never a slope; no smoothing between points.
    pointRadius: labels.length > 40 ? s.data.map((v, j) => (!isGap(v) && isGap(s.data[j - 1]) && isGap(s.data[j + 1]) ? 3 : 0)) : 2,
    tension: 0,
    spanGaps: false,
    fill: false,
  }));
  const scales = scalesOf(spec);
  showEmpty(
    canvas,
    series.every((s) => s.data.every((v) => v === null || v === undefined || v === 0)),
  );
  const existing = charts.get(canvas);
  if (existing) {
    existing.data.labels = labels;
    existing.data.datasets = datasets;
    existing.options.scales = scales;
    existing.update('none');
    return;
  }
  charts.set(
    canvas,
    new Chart<Kind, Values, string>(canvas, {
      type,
      data: { labels, datasets },
      options: {
        responsive: true,
        interaction: { mode: 'index', intersect: false },
        scales,
        plugins: { legend: { display: series.length > 1 } },
      },
    }),
  );
}

export const timeLabel = (iso: string, withDate = false): string =>
  new Date(iso).toLocaleString(
    'en-GB',
    withDate ? { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit' },
  );
