// Chart.js (loaded as a classic script before the modules) with the console's defaults; charts
// are updated in place on every refresh, without animation.

const Chart = globalThis.Chart;
const COLORS = ['#0d6efd', '#d63384', '#198754', '#fd7e14', '#6f42c1', '#20c997'];

if (Chart) {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#495057';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

const charts = new Map();

/** A "no data yet" note over a chart with nothing to draw. */
function showEmpty(canvas, empty) {
  const box = canvas.parentElement;
  let note = box.querySelector('.chart-empty');
  if (!note) {
    note = document.createElement('p');
    note.className = 'chart-empty';
    note.textContent = 'No data yet';
    box.append(note);
  }
  note.hidden = !empty;
}

/**
 * Draws or updates the chart on `canvas`. `series`: [{label, data, type?, axis?}] over `labels`;
 * `integer`: the left axis counts things (whole-number ticks).
 */
export function drawChart(canvas, { type = 'line', labels, series, yTitle, y2Title, yMax, percent = false, integer = false }) {
  if (!Chart || !canvas) return;
  const datasets = series.map((s, i) => ({
    label: s.label,
    data: s.data,
    type: s.type ?? type,
    yAxisID: s.axis === 'y2' ? 'y2' : 'y',
    borderColor: COLORS[i % COLORS.length],
    backgroundColor: (s.type ?? type) === 'bar' ? COLORS[i % COLORS.length] + 'b3' : COLORS[i % COLORS.length] + '22',
    borderWidth: 2,
    pointRadius: labels.length > 40 ? 0 : 2,
    tension: 0.25,
    spanGaps: true,
    fill: false,
  }));
  const scales = {
    x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }, grid: { display: false } },
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
    new Chart(canvas, {
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

export const timeLabel = (iso, withDate = false) =>
  new Date(iso).toLocaleString(
    'en-GB',
    withDate ? { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit' },
  );
