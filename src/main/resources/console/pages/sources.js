// Image sources of a hub (Cycle /v1/ API): list, create with a form that checks its input before sending, and
// start an import, which opens the job's live page.
import { api, query, enc } from '../api.js';
import { el, when, badge, field } from '../html.js';
import { pager, params, setParams, pageTitle, errorBox, navigate } from '../ui.js';

const PAGE_SIZE = 20;

/** What each origin needs; `check` returns an error message or null. */
const ORIGINS = {
  'docker-registry': { label: 'Docker registry (any Distribution-compatible registry)', fields: [
    { name: 'url', label: 'Registry URL', required: true, help: 'https://registry.example.com, or host:port (https)',
      check: urlCheck },
    { name: 'target', label: 'Image', required: true, help: 'repository:tag or repository@sha256:…', check: targetCheck },
    { name: 'username', label: 'Username' }, { name: 'password', label: 'Password', type: 'password' }] },
  'oci-registry': { label: 'OCI registry', fields: [
    { name: 'url', label: 'Registry URL', required: true, check: urlCheck },
    { name: 'target', label: 'Image', required: true, check: targetCheck }] },
  'docker-hub': { label: 'Docker Hub', fields: [
    { name: 'target', label: 'Image', required: true, help: 'e.g. alpine:3.20 or library/alpine:3.20', check: targetCheck },
    { name: 'username', label: 'Username' }, { name: 'token', label: 'Access token', type: 'password' }] },
};

function urlCheck(v) {
  if (/^https?:\/\/[^\s/]+(\/[^\s]*)?$/i.test(v) || /^[a-z0-9.-]+(:\d+)?$/i.test(v)) return null;
  return 'Enter a URL such as https://registry.example.com or a host:port';
}

function targetCheck(v) {
  if (/^[a-z0-9]+([._\/-][a-z0-9]+)*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})?$/.test(v)) return null;
  return 'Enter repository:tag (lower-case repository), or repository@sha256:digest';
}

export async function sourcesPage(session, hub) {
  const page = Number(params().get('page')) || 1;
  const data = await api('GET', '/v1/images/sources' + query({ 'page[size]': PAGE_SIZE, 'page[number]': page,
    'meta': 'images_count' }), undefined, { hub });
  const rows = (data.data || []).map((s) => el('tr', {},
    el('td', {}, s.name, el('div', { class: 'muted small' }, s.identifier)),
    el('td', {}, s.origin && s.origin.type),
    el('td', { class: 'mono small' }, originTarget(s)),
    el('td', {}, badge(s.state && s.state.current, s.state && s.state.current)),
    el('td', {}, when(s.events && s.events.created)),
    el('td', {}, el('button', { type: 'button', class: 'small', onclick: (e) => importFrom(hub, s, e.target) }, 'Import'))));
  const total = data.meta && data.meta.total;
  return el('div', {},
    pageTitle('Image sources', el('span', { class: 'muted' }, hub)),
    createForm(hub),
    rows.length ? el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['Name', 'Origin', 'Target', 'State', 'Created', ''].map((h) =>
        el('th', { scope: 'col' }, h)))), el('tbody', {}, rows))) : el('p', { class: 'empty' }, 'No sources yet.'),
    pager({ page, pageSize: PAGE_SIZE, count: total, hasNext: rows.length === PAGE_SIZE,
      onPage: (n) => setParams({ page: n }) }));
}

function originTarget(s) {
  const d = (s.origin && s.origin.details) || {};
  return [d.url, d.target].filter(Boolean).join(' → ');
}

async function importFrom(hub, source, button) {
  button.disabled = true;
  try {
    const image = await api('POST', '/v1/images', { source_id: source.id }, { hub });
    const job = await api('POST', `/v1/images/${enc(image.data.id)}/tasks`, { action: 'import' }, { hub });
    navigate(`/jobs/${enc(hub)}/${enc(job.data.job.id)}`);
  } catch (err) {
    button.disabled = false;
    button.after(errorBox(err));
  }
}

function createForm(hub) {
  const name = el('input', { name: 'name', required: true, maxlength: 100 });
  const type = el('select', { name: 'origin' }, Object.entries(ORIGINS).map(([v, o]) => el('option', { value: v }, o.label)));
  const details = el('div', { class: 'stack' });
  const status = el('div', { 'aria-live': 'polite' });
  let inputs = {};
  function drawFields() {
    inputs = {};
    details.replaceChildren(...ORIGINS[type.value].fields.map((f) => {
      const input = el('input', { name: f.name, type: f.type || 'text', required: f.required,
        autocomplete: f.type === 'password' ? 'new-password' : 'off' });
      inputs[f.name] = { input, spec: f };
      return field(f.label + (f.required ? '' : ' (optional)'), input, f.help);
    }));
  }
  type.addEventListener('change', drawFields);
  drawFields();
  const form = el('form', { class: 'card stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    status.replaceChildren();
    const problems = [];
    form.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
    if (!name.value.trim()) problems.push([name, 'Name: enter a name']);
    const d = {};
    for (const [key, { input, spec }] of Object.entries(inputs)) {
      const v = input.value.trim();
      if (!v) { if (spec.required) problems.push([input, `${spec.label}: required`]); continue; }
      const msg = spec.check && spec.check(v);
      if (msg) problems.push([input, `${spec.label}: ${msg}`]);
      d[key] = v;
    }
    if (problems.length) {
      problems.forEach(([n]) => n.setAttribute('aria-invalid', 'true'));
      status.append(el('div', { class: 'error', role: 'alert' }, el('ul', {}, problems.map(([, m]) => el('li', {}, m)))));
      problems[0][0].focus();
      return;
    }
    try {
      await api('POST', '/v1/images/sources', { name: name.value.trim(), type: 'direct',
        origin: { type: type.value, details: d } }, { hub });
      navigate(location.pathname, true);
    } catch (err) { status.append(errorBox(err)); }
  } }, el('h2', {}, 'New source'), field('Name', name), field('Origin', type), details, status,
  el('button', { type: 'submit', class: 'primary' }, 'Create source'));
  return el('details', { class: 'create' }, el('summary', {}, 'New image source'), form);
}
