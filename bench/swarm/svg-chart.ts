// Inline SVG charts for the swarm report, no library: time on x, labelled axes with round ticks, stacked
// areas, lines, shaded spans, reference rules, one row per viewer, and a legend under each chart.

export interface Axis {
  label: string;
  max: number;
  format?: (value: number) => string;
}

export interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

export interface ChartSpec {
  x: Axis;
  y: Axis;
  /** Stacked from the x axis up, in order (each series' points share the x values of the first). */
  areas?: Series[];
  lines?: Series[];
  /** Shaded x spans drawn behind the data (e.g. stalls), with one legend entry. */
  spans?: { label: string; color: string; ranges: Array<[number, number]> };
  /** Horizontal reference lines (e.g. a bandwidth cap). */
  rules?: Array<{ label: string; y: number; color: string }>;
}

export interface RowsSpec {
  x: Axis;
  rows: Array<{ label: string; from: number; to: number; marks: Array<[number, number]> }>;
  markLabel: string;
  markColor: string;
}

const WIDTH = 560;
const PLOT = { left: 56, right: 12, top: 10, bottom: 40 };
const FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#333"';

/** Text safe inside HTML/SVG markup. */
export const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Most tick intervals on an axis: enough to read values off, few enough that the axis does not overshoot much. */
const MAX_TICK_INTERVALS = 8;

/** Tick values from 0 to at least `max`, 1, 2 or 5 × a power of ten apart: the finest step within the bound. */
export function ticks(max: number): number[] {
  const span = max > 0 ? max : 1;
  const raw = span / MAX_TICK_INTERVALS;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((factor) => factor * power >= raw) ?? 10) * power;
  const values: number[] = [];
  for (let value = 0; value < span + step * 0.999; value += step) values.push(Number(value.toPrecision(12)));
  return values;
}

interface Legend {
  markup: string;
  rows: number;
}

/** Height of one legend row. */
const LEGEND_ROW = 16;

function frame(height: number, x: Axis, y: Axis | null, body: string, legend: Legend): string {
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = height - PLOT.top - PLOT.bottom;
  const xTicks = ticks(x.max);
  const xMax = xTicks.at(-1) ?? 1;
  const fx = x.format ?? String;
  const total = height + 6 + legend.rows * LEGEND_ROW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${total}" width="${WIDTH}" height="${total}" role="img">`,
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#ccc"/>`,
  ];
  for (const value of xTicks) {
    const px = PLOT.left + (value / xMax) * plotW;
    parts.push(
      `<line x1="${px}" y1="${PLOT.top}" x2="${px}" y2="${PLOT.top + plotH}" stroke="#e4e4e4"/>`,
      `<text x="${px}" y="${PLOT.top + plotH + 14}" text-anchor="middle" ${FONT}>${escapeHtml(fx(value))}</text>`,
    );
  }
  if (y) {
    const yTicks = ticks(y.max);
    const yMax = yTicks.at(-1) ?? 1;
    const fy = y.format ?? String;
    for (const value of yTicks) {
      const py = PLOT.top + plotH - (value / yMax) * plotH;
      parts.push(
        `<line x1="${PLOT.left}" y1="${py}" x2="${PLOT.left + plotW}" y2="${py}" stroke="#e4e4e4"/>`,
        `<text x="${PLOT.left - 6}" y="${py + 4}" text-anchor="end" ${FONT}>${escapeHtml(fy(value))}</text>`,
      );
    }
    parts.push(
      `<text transform="translate(14 ${PLOT.top + plotH / 2}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeHtml(y.label)}</text>`,
    );
  }
  parts.push(
    `<text x="${PLOT.left + plotW / 2}" y="${PLOT.top + plotH + 30}" text-anchor="middle" ${FONT}>${escapeHtml(x.label)}</text>`,
    body,
    `<g transform="translate(${PLOT.left} ${height + 8})">${legend.markup}</g>`,
    '</svg>',
  );
  return parts.join('\n');
}

/** Legend entries in rows under the plot, wrapped at the plot's width; the markup and how many rows it took. */
function legendOf(items: Array<{ label: string; color: string; dashed?: boolean; box?: boolean }>): Legend {
  const rowWidth = WIDTH - PLOT.left - PLOT.right;
  let x = 0;
  let row = 0;
  const markup = items.map((item) => {
    const width = 26 + item.label.length * 6.2;
    if (x > 0 && x + width > rowWidth) {
      x = 0;
      row++;
    }
    const y = row * LEGEND_ROW;
    const mark = item.box
      ? `<rect x="${x}" y="${y - 8}" width="14" height="10" fill="${item.color}"/>`
      : `<line x1="${x}" y1="${y - 3}" x2="${x + 14}" y2="${y - 3}" stroke="${item.color}" stroke-width="2.5"${item.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
    const text = `<text x="${x + 18}" y="${y + 1}" ${FONT}>${escapeHtml(item.label)}</text>`;
    x += width;
    return mark + text;
  });
  return { markup: markup.join(''), rows: row + 1 };
}

/** A time chart: stacked areas, lines, shaded spans and rules over shared axes. */
export function timeChart(spec: ChartSpec, height = 220): string {
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = height - PLOT.top - PLOT.bottom;
  const xMax = ticks(spec.x.max).at(-1) ?? 1;
  const yMax = ticks(spec.y.max).at(-1) ?? 1;
  const px = (x: number) => (PLOT.left + (Math.min(x, xMax) / xMax) * plotW).toFixed(1);
  const py = (y: number) => (PLOT.top + plotH - (Math.min(y, yMax) / yMax) * plotH).toFixed(1);
  const body: string[] = [];
  const legend: Parameters<typeof legendOf>[0] = [];
  if (spec.spans && spec.spans.ranges.length > 0) {
    for (const [from, to] of spec.spans.ranges) {
      const width = Math.max(1.5, Number(px(to)) - Number(px(from)));
      body.push(
        `<rect x="${px(from)}" y="${PLOT.top}" width="${width.toFixed(1)}" height="${plotH}" fill="${spec.spans.color}" opacity="0.2"/>`,
      );
    }
    legend.push({ label: spec.spans.label, color: spec.spans.color, box: true });
  }
  let base = (spec.areas?.[0]?.points ?? []).map(([x]) => [x, 0] as [number, number]);
  for (const area of spec.areas ?? []) {
    const top = area.points.map(([x, y], i) => [x, (base[i]?.[1] ?? 0) + y] as [number, number]);
    const outline = [...top, ...[...base].reverse()].map(([x, y]) => `${px(x)},${py(y)}`).join(' ');
    body.push(`<polygon points="${outline}" fill="${area.color}" fill-opacity="0.85" stroke="none"/>`);
    legend.push({ label: area.label, color: area.color, box: true });
    base = top;
  }
  for (const line of spec.lines ?? []) {
    const points = line.points.map(([x, y]) => `${px(x)},${py(y)}`).join(' ');
    const dash = line.dashed ? ' stroke-dasharray="5 3"' : '';
    body.push(`<polyline points="${points}" fill="none" stroke="${line.color}" stroke-width="1.6"${dash}/>`);
    legend.push({ label: line.label, color: line.color, dashed: line.dashed });
  }
  for (const rule of spec.rules ?? []) {
    body.push(
      `<line x1="${PLOT.left}" y1="${py(rule.y)}" x2="${PLOT.left + plotW}" y2="${py(rule.y)}" stroke="${rule.color}" stroke-width="1.5" stroke-dasharray="2 2"/>`,
    );
    legend.push({ label: rule.label, color: rule.color, dashed: true });
  }
  return frame(height, spec.x, spec.y, body.join('\n'), legendOf(legend));
}

/** One row per viewer: a grey bar while it watched, marks (stalls) on top. */
export function rowsChart(spec: RowsSpec): string {
  const rowH = 16;
  const height = PLOT.top + PLOT.bottom + rowH * Math.max(1, spec.rows.length);
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const xMax = ticks(spec.x.max).at(-1) ?? 1;
  const px = (x: number) => PLOT.left + (Math.min(Math.max(x, 0), xMax) / xMax) * plotW;
  const body = spec.rows.map((row, i) => {
    const y = PLOT.top + i * rowH;
    const marks = row.marks.map(
      ([from, to]) =>
        `<rect x="${px(from).toFixed(1)}" y="${y + 2}" width="${Math.max(2, px(to) - px(from)).toFixed(1)}" height="${rowH - 4}" fill="${spec.markColor}"/>`,
    );
    return [
      `<text x="${PLOT.left - 6}" y="${y + rowH / 2 + 4}" text-anchor="end" ${FONT}>${escapeHtml(row.label)}</text>`,
      `<rect x="${px(row.from).toFixed(1)}" y="${y + 6}" width="${Math.max(0, px(row.to) - px(row.from)).toFixed(1)}" height="${rowH - 12}" fill="#bbb"/>`,
      ...marks,
    ].join('');
  });
  const legend = legendOf([
    { label: 'watching', color: '#bbb', box: true },
    { label: spec.markLabel, color: spec.markColor, box: true },
  ]);
  return frame(height, spec.x, null, body.join('\n'), legend);
}
