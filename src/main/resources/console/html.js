// DOM building without HTML strings: every piece of user text becomes a text node, so it cannot become markup.

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

/** Bytes as a short human number (base 1024, as registries report image sizes). */
export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)) + ' ' + units[i];
}

/** A timestamp as local date and time, with the exact value in a title; '—' for null. */
export function when(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return el('time', { datetime: iso, title: d.toISOString() }, d.toLocaleString());
}

export function shortDigest(digest) {
  return digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '';
}

/** A button that copies text to the clipboard and says so. */
export function copyButton(text, label = 'Copy') {
  const b = el('button', { type: 'button', class: 'small', 'aria-label': label + ': ' + text }, label);
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Select and copy by hand';
    }
    setTimeout(() => { b.textContent = label; }, 2000);
  });
  return b;
}

export function badge(text, kind) {
  return el('span', { class: 'badge ' + (kind || '') }, text);
}

/** A labelled form field; `input` is the control element. */
export function field(label, input, help) {
  const id = input.id || ('f-' + Math.random().toString(36).slice(2, 9));
  input.id = id;
  const helpId = help ? id + '-help' : null;
  if (helpId) input.setAttribute('aria-describedby', helpId);
  return el('div', { class: 'field' }, el('label', { for: id }, label), input,
    help ? el('div', { class: 'help', id: helpId }, help) : null);
}
