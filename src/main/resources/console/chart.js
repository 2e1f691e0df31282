// Hand-drawn SVG bar charts: no library, built from DOM nodes. Each chart is an image with a text alternative
// (aria-label) and a per-bar <title> for exact values.
import { el } from './html.js';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/**
 * Vertical bars. data: [{label, value}]; format: value → text; title: what the chart shows.
 * Labels under the bars are thinned out so they never overlap.
 */
export function barChart({ title, data, format = String, height = 160, integer = false }) {
  const width = 640;
  const pad = { top: 16, right: 8, bottom: 36, left: 56 };
  const top = Math.max(1, ...data.map((d) => d.value));
  // Counts get an even whole maximum, so the middle grid line is a whole number too.
  const max = integer ? Math.max(2, Math.ceil(top / 2) * 2) : top;
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const step = innerW / Math.max(1, data.length);
  const summary = title + ': ' + data.map((d) => d.label + ' ' + format(d.value)).join(', ');
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, class: 'chart' });
  for (const f of [0, 0.5, 1]) {
    const y = pad.top + innerH - f * innerH;
    root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: pad.left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, format(max * f)));
  }
  const every = Math.ceil(data.length / 10);
  data.forEach((d, i) => {
    const h = (d.value / max) * innerH;
    const x = pad.left + i * step + step * 0.15;
    const bar = svg('rect', { x, y: pad.top + innerH - h, width: Math.max(1, step * 0.7), height: Math.max(0, h),
      class: 'bar' }, svg('title', {}, d.label + ': ' + format(d.value)));
    root.append(bar);
    if (i % every === 0) {
      root.append(svg('text', { x: x + step * 0.35, y: height - pad.bottom + 16, 'text-anchor': 'middle',
        class: 'axis' }, d.short || d.label));
    }
  });
  return el('figure', { class: 'chart-box' }, el('figcaption', {}, title), root);
}

/** Two-part horizontal bar (e.g. active vs inactive images), with a legend. */
export function splitBar({ title, parts }) {
  const total = parts.reduce((s, p) => s + p.value, 0);
  const root = svg('svg', { viewBox: '0 0 640 28', role: 'img', class: 'chart split',
    'aria-label': title + ': ' + parts.map((p) => p.label + ' ' + p.value).join(', ') });
  let x = 0;
  parts.forEach((p, i) => {
    const w = total ? (p.value / total) * 640 : 0;
    root.append(svg('rect', { x, y: 0, width: w, height: 28, class: 'part part-' + i },
      svg('title', {}, p.label + ': ' + p.value)));
    x += w;
  });
  const legend = el('ul', { class: 'legend' }, parts.map((p, i) =>
    el('li', {}, el('span', { class: 'swatch part-' + i, 'aria-hidden': 'true' }), p.label + ': ' + p.value)));
  return el('figure', { class: 'chart-box' }, el('figcaption', {}, title), root, legend);
}
