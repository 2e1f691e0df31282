// Pieces every page uses: error boxes, the toast, pagers and navigation.
import { el, clear } from './html.js';

export function navigate(path, replace = false) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event('wharf:navigate'));
}

export function toast(message) {
  const box = document.getElementById('toast');
  clear(box).append(el('div', { class: 'toast' }, message));
  setTimeout(() => clear(box), 5000);
}

/** An error in words, announced to screen readers. */
export function errorBox(error) {
  return el('div', { class: 'error', role: 'alert' }, error && error.message ? error.message : String(error));
}

/**
 * Server-side pagination: page numbers come from the API's count, never from loading everything.
 * onPage(n) is called with the new page.
 */
export function pager({ page, pageSize, count, hasNext, onPage, label = 'Pages' }) {
  const last = count === undefined || count === null ? null : Math.max(1, Math.ceil(count / pageSize));
  const nav = el('nav', { class: 'pager', 'aria-label': label });
  const prev = el('button', { type: 'button', disabled: page <= 1, onclick: () => onPage(page - 1) }, '‹ Previous');
  const next = el('button', { type: 'button', disabled: last ? page >= last : !hasNext,
    onclick: () => onPage(page + 1) }, 'Next ›');
  const status = el('span', { class: 'muted' }, last ? `Page ${page} of ${last.toLocaleString()} · `
    + `${Number(count).toLocaleString()} in all` : `Page ${page}`);
  nav.append(prev, status, next);
  if (last && last > 2) {
    const input = el('input', { type: 'number', min: 1, max: last, value: page, 'aria-label': 'Go to page',
      class: 'page-input' });
    const go = el('form', { class: 'inline', onsubmit: (e) => {
      e.preventDefault();
      const n = Math.min(last, Math.max(1, Number(input.value) || 1));
      onPage(n);
    } }, input, el('button', { type: 'submit' }, 'Go'));
    nav.append(go);
  }
  return nav;
}

/** Reads ?page= etc. from the current URL. */
export function params() {
  return new URLSearchParams(location.search);
}

/** Replaces query parameters and re-renders (keeps history usable with Back). */
export function setParams(changes) {
  const p = params();
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === '') p.delete(k);
    else p.set(k, v);
  }
  const s = p.toString();
  navigate(location.pathname + (s ? '?' + s : ''));
}

export function pageTitle(text, ...extra) {
  document.title = text + ' · Wharf';
  return el('div', { class: 'title-row' }, el('h1', {}, text), ...extra);
}
