// The audit log of an account (a user's own, or an organization's for its owners), with the API's filters.
import { api, query, enc } from '../api.js';
import { el, when, field } from '../html.js';
import { pager, params, setParams, pageTitle } from '../ui.js';

const PAGE_SIZE = 25;

function toRfc3339(local) {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function auditPage(session, account) {
  const p = params();
  const page = Number(p.get('page')) || 1;
  const filters = { action: p.get('action') || '', actor: p.get('actor') || '', name: p.get('name') || '',
    from: p.get('from') || '', to: p.get('to') || '' };
  const [actions, data] = await Promise.all([
    api('GET', `/v2/auditlogs/${enc(account)}/actions`),
    api('GET', `/v2/auditlogs/${enc(account)}` + query({ ...filters, page, page_size: PAGE_SIZE })),
  ]);
  const action = el('select', { name: 'action' }, el('option', { value: '' }, 'Any action'),
    Object.values(actions.actions).map((group) => el('optgroup', { label: group.label },
      group.actions.map((a) => el('option', { value: a.name, selected: a.name === filters.action }, a.label || a.name)))));
  const actor = el('input', { name: 'actor', value: filters.actor });
  const name = el('input', { name: 'name', value: filters.name });
  const from = el('input', { type: 'datetime-local', name: 'from' });
  const to = el('input', { type: 'datetime-local', name: 'to' });
  const form = el('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    setParams({ action: action.value, actor: actor.value.trim(), name: name.value.trim(),
      from: from.value ? toRfc3339(from.value) : filters.from, to: to.value ? toRfc3339(to.value) : filters.to, page: null });
  } }, field('Action', action), field('Actor', actor), field('Name', name), field('From', from), field('To', to),
  el('button', { type: 'submit' }, 'Filter'),
  el('button', { type: 'button', onclick: () => setParams({ action: '', actor: '', name: '', from: '', to: '', page: '' }) }, 'Clear'));
  const logs = data.logs || [];
  return el('div', {}, pageTitle('Audit log', el('span', { class: 'muted' }, account)), form,
    filters.from || filters.to ? el('p', { class: 'muted' }, `Between ${filters.from || 'the start'} and ${filters.to || 'now'}`) : null,
    logs.length ? el('div', { class: 'table-wrap' }, el('table', { class: 'audit' },
      el('thead', {}, el('tr', {}, ['When', 'Action', 'Actor', 'Name', 'What happened'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, logs.map((l) => el('tr', {},
        el('td', {}, when(l.timestamp)), el('td', { class: 'mono small' }, l.action), el('td', {}, l.actor),
        el('td', {}, l.name), el('td', {}, l.action_description || '')))))) : el('p', { class: 'empty' }, 'No events match.'),
    pager({ page, pageSize: PAGE_SIZE, hasNext: logs.length === PAGE_SIZE, onPage: (n) => setParams({ page: n }) }));
}
