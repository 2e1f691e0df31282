// A namespace's repositories: search, server-side pages, sizes and pulls, storage chart, and a create form.
import { api, query, enc, repoHref } from '../api.js';
import { el, bytes, when, badge, field } from '../html.js';
import { pager, params, setParams, pageTitle, errorBox, navigate } from '../ui.js';
import { barChart } from '../chart.js';
import { usageBar } from './quotas.js';

const PAGE_SIZE = 25;

export async function repositoriesPage(session, ns) {
  const p = params();
  const page = Number(p.get('page')) || 1;
  const name = p.get('name') || '';
  const data = await api('GET', `/v2/namespaces/${enc(ns)}/repositories` + query({ page, page_size: PAGE_SIZE, name,
    ordering: p.get('ordering') || 'name' })).catch((e) => {
    if (e.status === 404 && page > 1) return { count: 0, results: [] };
    throw e;
  });
  const quota = await api('GET', `/v2/namespaces/${enc(ns)}/quota`).catch(() => null);
  const search = el('input', { type: 'search', name: 'name', value: name, 'aria-label': 'Search repositories',
    placeholder: 'Search by name' });
  const searchForm = el('form', { role: 'search', class: 'inline', onsubmit: (e) => {
    e.preventDefault();
    setParams({ name: search.value.trim(), page: null });
  } }, search, el('button', { type: 'submit' }, 'Search'));

  const rows = data.results.map((r) => el('tr', {},
    el('td', {}, nameCell(ns, r),
      r.description ? el('div', { class: 'muted small' }, r.description) : null,
      r.mirror ? el('div', { class: 'muted small' }, `mirror of ${r.mirror.upstream} (${r.mirror.upstream_repository}),`
        + ` ${Number(r.mirror.hits).toLocaleString()} hits, ${Number(r.mirror.misses).toLocaleString()} misses,`
        + ' last revalidated ', when(r.mirror.last_revalidated)) : null),
    el('td', {}, r.is_private ? badge('private', 'private') : badge('public', 'public'),
      r.mirror ? badge('mirror', 'mirror') : null),
    el('td', { class: 'num' }, bytes(r.storage_size)),
    el('td', { class: 'num' }, Number(r.tag_count).toLocaleString()),
    el('td', { class: 'num' }, Number(r.pull_count).toLocaleString()),
    el('td', {}, when(r.last_updated)),
    el('td', {}, when(r.last_pulled))));
  const table = data.results.length
    ? el('table', {}, el('caption', { class: 'sr-only' }, 'Repositories in ' + ns),
      el('thead', {}, el('tr', {}, ['Name', 'Visibility', 'Size', 'Tags', 'Pulls', 'Last pushed', 'Last pulled'].map((h) =>
        el('th', { scope: 'col' }, h)))), el('tbody', {}, rows))
    : el('p', { class: 'empty' }, name ? 'No repository matches “' + name + '”.' : 'No repositories yet.');

  const sized = data.results.filter((r) => r.storage_size > 0).sort((a, b) => b.storage_size - a.storage_size)
    .slice(0, 12);
  const chart = sized.length > 1 ? barChart({ title: 'Storage used (largest on this page)',
    data: sized.map((r) => ({ label: r.name, value: r.storage_size })), format: bytes }) : null;

  return el('div', {},
    pageTitle('Repositories', el('span', { class: 'muted' }, ns)),
    quota ? usageBar(quota) : null,
    el('div', { class: 'toolbar' }, searchForm, createForm(ns),
      el('a', { href: `/retention/${enc(ns)}`, class: 'small' }, 'Retention policy of ', ns)),
    el('div', { class: 'table-wrap' }, table),
    pager({ page, pageSize: PAGE_SIZE, count: data.count, onPage: (n) => setParams({ page: n }) }),
    chart);
}

// A name with a slash below the namespace (a mirror's hub/library/alpine is library/alpine here) links to its page
// like any other: the page's address keeps the segments, the API calls send the name URL-encoded.
function nameCell(ns, r) {
  return el('a', { href: repoHref(ns, r.name) }, r.name);
}

function createForm(ns) {
  const name = el('input', { name: 'name', required: true, pattern: '[a-z0-9]+(?:(?:\.|_|-)[a-z0-9]+)*',
    title: 'lower-case letters and digits, separated by . _ or -' });
  const description = el('input', { name: 'description', maxlength: 100 });
  const isPrivate = el('input', { type: 'checkbox', name: 'is_private' });
  const status = el('div', { 'aria-live': 'polite' });
  const form = el('form', { class: 'card stack', onsubmit: async (e) => {
    e.preventDefault();
    status.replaceChildren();
    try {
      await api('POST', `/v2/namespaces/${enc(ns)}/repositories`, { name: name.value.trim(), namespace: ns,
        description: description.value, is_private: isPrivate.checked });
      navigate(repoHref(ns, name.value.trim()));
    } catch (err) {
      status.append(errorBox(err));
    }
  } }, field('Name', name), field('Short description', description),
  el('label', { class: 'check' }, isPrivate, ' Private'), status,
  el('button', { type: 'submit', class: 'primary' }, 'Create repository'));
  return el('details', { class: 'create' }, el('summary', {}, 'New repository'), form);
}
