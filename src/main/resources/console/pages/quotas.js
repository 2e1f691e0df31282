// Storage quotas (docs/hub-api.md, "Quotas"): a namespace's usage bar, and the server administrators' page of
// namespaces by usage (GET /v2/admin/quotas) with a form to set or remove a namespace's quota.
import { api, query, enc } from '../api.js';
import { el, bytes, when, field } from '../html.js';
import { pager, params, setParams, pageTitle, errorBox, toast, navigate } from '../ui.js';

const PAGE_SIZE = 25;
const MIB = 1024 * 1024;

/** A namespace's storage against its quota: distinct blobs, each counted once. */
export function usageBar(q) {
  const text = q.limit_bytes == null
    ? `Storage used: ${bytes(q.used_bytes)} (no quota)`
    : `Storage used: ${bytes(q.used_bytes)} of ${bytes(q.limit_bytes)} (${q.used_percent} %)`;
  const repos = q.limit_repositories == null ? null
    : el('div', { class: 'muted small' }, `${q.repositories} of ${q.limit_repositories} repositories`);
  if (q.limit_bytes == null) return el('p', { class: 'muted', 'data-testid': 'quota-usage' }, text, repos);
  return el('div', { class: 'card', 'data-testid': 'quota-usage' }, el('div', {}, text), meter(q), repos);
}

function meter(q) {
  return el('meter', { min: 0, max: q.limit_bytes, value: Math.min(q.used_bytes, q.limit_bytes),
    low: Math.round(q.limit_bytes * q.warn_percent / 100), high: Math.round(q.limit_bytes * 0.99),
    optimum: 0, 'aria-label': `Storage used of the quota of ${q.namespace}` });
}

export async function quotasPage(session) {
  if (!session.current.admin) {
    return el('div', {}, pageTitle('Quotas'), errorBox('Only server administrators see every namespace\'s usage.'));
  }
  const page = Number(params().get('page')) || 1;
  const data = await api('GET', '/v2/admin/quotas' + query({ page, page_size: PAGE_SIZE }));
  const rows = data.results.map((q) => el('tr', { 'data-namespace': q.namespace },
    el('td', {}, el('a', { href: `/repositories/${enc(q.namespace)}` }, q.namespace)),
    el('td', { class: 'num' }, bytes(q.used_bytes)),
    el('td', { class: 'num' }, q.limit_bytes == null ? 'none' : bytes(q.limit_bytes)),
    el('td', { class: 'usage' }, q.limit_bytes == null ? '—' : [meter(q), ` ${q.used_percent} %`]),
    el('td', { class: 'num' }, q.limit_repositories == null ? String(q.repositories)
      : `${q.repositories} of ${q.limit_repositories}`),
    el('td', {}, when(q.warned_at))));
  return el('div', {}, pageTitle('Quotas', el('span', { class: 'muted' }, 'namespaces by storage used')),
    el('p', { class: 'muted' }, 'Usage counts each distinct blob a namespace links once; a layer shared with another '
      + 'namespace counts in each. Deleted images free their bytes when garbage collection unlinks their blobs.'),
    rows.length ? el('div', { class: 'table-wrap' }, el('table', {},
      el('caption', { class: 'sr-only' }, 'Namespaces by storage used, largest first'),
      el('thead', {}, el('tr', {}, ['Namespace', 'Used', 'Quota', 'Usage', 'Repositories', 'Warned'].map((h) =>
        el('th', { scope: 'col' }, h)))), el('tbody', {}, rows)))
      : el('p', { class: 'empty' }, 'No namespace stores anything yet.'),
    pager({ page, pageSize: PAGE_SIZE, count: data.count, onPage: (n) => setParams({ page: n }),
      label: 'Namespace pages' }),
    quotaForm());
}

function quotaForm() {
  const namespace = el('input', { name: 'namespace', required: true, autocomplete: 'off' });
  const limit = el('input', { type: 'number', name: 'limit_mib', min: 0, step: 'any' });
  const repositories = el('input', { type: 'number', name: 'limit_repositories', min: 0, step: 1 });
  const warn = el('input', { type: 'number', name: 'warn_percent', min: 1, max: 100, step: 1, value: 80 });
  const status = el('div', { 'aria-live': 'polite' });
  const path = () => `/v2/namespaces/${enc(namespace.value.trim())}/quota`;
  const number = (input, scale = 1) => (input.value.trim() === '' ? null : Math.round(Number(input.value) * scale));
  const remove = el('button', { type: 'button', class: 'danger' }, 'Remove quota');
  remove.addEventListener('click', async () => {
    status.replaceChildren();
    try {
      await api('DELETE', path());
      toast('Quota removed');
      navigate(location.pathname + location.search, true);
    } catch (err) { status.append(errorBox(err)); }
  });
  const form = el('form', { class: 'card stack', 'aria-label': 'Set a quota', onsubmit: async (e) => {
    e.preventDefault();
    status.replaceChildren();
    try {
      await api('PUT', path(), { limit_bytes: number(limit, MIB), limit_repositories: number(repositories),
        warn_percent: number(warn) });
      toast('Quota saved');
      navigate(location.pathname + location.search, true);
    } catch (err) { status.append(errorBox(err)); }
  } }, el('h2', {}, 'Set a namespace\'s quota'),
  el('div', { class: 'grid2' }, field('Namespace name', namespace),
    field('Storage limit (MiB)', limit, 'Empty: no storage limit.'),
    field('Repository limit', repositories, 'Empty: no limit.'),
    field('Warn at (% of the storage limit)', warn)),
  status, el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Save quota'), remove));
  return form;
}
