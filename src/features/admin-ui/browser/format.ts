// How the console writes numbers, durations, sizes and times: '—' for a value that is missing.

type Maybe = number | null | undefined;

const numberFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
export const fmtNumber = (n: Maybe, digits = 1): string =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : new Intl.NumberFormat('en', { maximumFractionDigits: digits }).format(n);
export const fmtInt = (n: Maybe): string => (n === null || n === undefined ? '—' : numberFormat.format(Math.round(n)));
export const fmtMs = (n: Maybe): string => (n === null || n === undefined ? '—' : `${fmtNumber(n, n < 10 ? 1 : 0)} ms`);
export const fmtPercent = (share: Maybe): string => (share === null || share === undefined ? '—' : `${fmtNumber(share * 100, 1)} %`);

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

export function fmtAgo(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const HOUR_MS = 3_600_000;

/**
 * Evaluation counts are kept per hour: "last evaluated" names that hour ("this hour", "in the
 * hour from 13:00"), not a moment inside it.
 */
export function fmtHour(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return 'never';
  const start = new Date(iso);
  if (Math.floor(start.getTime() / HOUR_MS) === Math.floor(now.getTime() / HOUR_MS)) return 'this hour';
  const sameDay = start.toDateString() === now.toDateString();
  const time = start.toLocaleString(
    'en-GB',
    sameDay ? { hour: '2-digit', minute: '2-digit' } : { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' },
  );
  return `in the hour from ${time}`;
}

/** One value per hour for the `hours` hours ending with the current one, 0 where no point was recorded. */
export function perHour(points: ReadonlyArray<{ at: string; evaluations: number }>, now: Date, hours = 24): number[] {
  const last = Math.floor(now.getTime() / HOUR_MS);
  const slots = new Array<number>(hours).fill(0);
  for (const p of points) {
    const i = hours - 1 - (last - Math.floor(new Date(p.at).getTime() / HOUR_MS));
    if (i >= 0 && i < hours) slots[i] = (slots[i] ?? 0) + p.evaluations;
  }
  return slots;
}

export function fmtBytes(n: Maybe): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${fmtNumber(n, 1)} ${units[i]}`;
}

/**
 * A validation message in words: `body/conditions[1].values[0] must be …` reads
 * "Condition 2, value 1: must be …" (the schema's paths name fields, not what the owner sees).
 */
export function readableMessage(message: string): string {
  return message.replace(/\b(?:body|querystring|params)\/([\w[\]./]+) (?=\S)/g, (_all, path: string) => {
    // `rules/1/conditions[0]` reads as `rules[1]/conditions[0]`: "Rule 2, condition 1".
    const words = path
      .replace(/(\w+)\/(\d+)(?=[./]|$)/g, '$1[$2]')
      .split(/[./]/)
      .filter(Boolean)
      .map((part) => {
        const m = /^(\w+?)s?\[(\d+)\]$/.exec(part);
        const name = (m ? (m[1] ?? part) : part).replaceAll('_', ' ');
        return m ? `${name} ${Number(m[2]) + 1}` : name;
      });
    const text = words.join(', ');
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}: `;
  });
}
