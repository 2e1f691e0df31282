// A tiny, safe Markdown subset for repository descriptions: headings, paragraphs, lists, fenced code, inline
// code, bold, italic and http(s) links. It builds DOM nodes (text nodes for all text), never an HTML string, so
// raw HTML in a description is shown as the text it is.
import { el } from './html.js';

export function renderMarkdown(source) {
  const root = el('div', { class: 'markdown' });
  const lines = String(source || '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^```/.test(line)) {
      const code = [];
      i++;
      while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
      i++;
      root.append(el('pre', {}, el('code', {}, code.join('\n'))));
    } else if (/^#{1,6}\s/.test(line)) {
      const level = Math.min(line.match(/^#+/)[0].length + 2, 6); // page already has h1/h2
      root.append(el('h' + level, {}, inline(line.replace(/^#+\s*/, ''))));
      i++;
    } else if (/^\s*[-*]\s+/.test(line)) {
      const list = el('ul');
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i])) {
        list.append(el('li', {}, inline(lines[i].replace(/^\s*[-*]\s+/, ''))));
        i++;
      }
      root.append(list);
    } else if (/^\s*\d+\.\s+/.test(line)) {
      const list = el('ol');
      while (i < lines.length && /^\s*\d+\.\s+/.test(lines[i])) {
        list.append(el('li', {}, inline(lines[i].replace(/^\s*\d+\.\s+/, ''))));
        i++;
      }
      root.append(list);
    } else if (line.trim() === '') {
      i++;
    } else {
      const para = [];
      while (i < lines.length && lines[i].trim() !== '' && !/^(```|#{1,6}\s|\s*[-*]\s+|\s*\d+\.\s+)/.test(lines[i])) {
        para.push(lines[i++]);
      }
      root.append(el('p', {}, inline(para.join(' '))));
    }
  }
  return root;
}

const TOKEN = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*]+\*)|(\[[^\]]+\]\([^)\s]+\))/;

function inline(text) {
  const out = [];
  let rest = text;
  while (rest.length) {
    const m = rest.match(TOKEN);
    if (!m) { out.push(rest); break; }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    const t = m[0];
    if (t.startsWith('`')) out.push(el('code', {}, t.slice(1, -1)));
    else if (t.startsWith('**')) out.push(el('strong', {}, t.slice(2, -2)));
    else if (t.startsWith('*')) out.push(el('em', {}, t.slice(1, -1)));
    else {
      const [, label, href] = t.match(/^\[([^\]]+)\]\(([^)\s]+)\)$/);
      out.push(/^https?:\/\//i.test(href) ? el('a', { href, rel: 'noopener noreferrer nofollow' }, label) : t);
    }
    rest = rest.slice(m.index + t.length);
  }
  return out;
}
