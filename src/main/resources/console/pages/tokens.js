// Personal access tokens: create (the secret is shown once, with a copy button), list, deactivate, delete.
import { api, query, enc } from '../api.js';
import { el, when, badge, field, copyButton } from '../html.js';
import { pager, params, setParams, pageTitle, errorBox, toast, navigate } from '../ui.js';

const PAGE_SIZE = 25;
const SCOPES = [
  ['repo:read', 'Read', 'pull the repositories you can pull'],
  ['repo:write', 'Read and write', 'pull and push'],
  ['repo:admin', 'Read, write and delete', 'pull, push, delete images and change repository settings'],
  ['repo:public_read', 'Public read only', 'pull public repositories only'],
];

export async function tokensPage(session) {
  const page = Number(params().get('page')) || 1;
  const data = await api('GET', '/v2/access-tokens' + query({ page, page_size: PAGE_SIZE }));
  const rows = data.results.map((t) => el('tr', {},
    el('td', {}, t.token_label || el('span', { class: 'muted' }, '(no label)')),
    el('td', {}, (t.scopes || []).join(', ')),
    el('td', {}, t.is_active ? badge('active', 'active') : badge('inactive', 'inactive')),
    el('td', {}, when(t.created_at)),
    el('td', {}, when(t.last_used)),
    el('td', {}, when(t.expires_at)),
    el('td', { class: 'actions' },
      el('button', { type: 'button', class: 'small', onclick: async () => {
        await api('PATCH', '/v2/access-tokens/' + enc(t.uuid), { is_active: !t.is_active });
        toast(t.is_active ? 'Token deactivated' : 'Token activated');
        navigate(location.pathname + location.search, true);
      } }, t.is_active ? 'Deactivate' : 'Activate'),
      el('button', { type: 'button', class: 'small danger', onclick: async () => {
        if (!confirm(`Delete the token “${t.token_label}”? Anything using it stops working.`)) return;
        await api('DELETE', '/v2/access-tokens/' + enc(t.uuid));
        toast('Token deleted');
        navigate(location.pathname + location.search, true);
      } }, 'Delete'))));
  return el('div', {},
    pageTitle('Access tokens'),
    el('p', {}, 'Use a token instead of your password with docker login, skopeo or the API. '
      + 'Tokens cannot create other tokens or change two-factor settings.'),
    createForm(),
    data.results.length ? el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['Label', 'Scopes', 'Status', 'Created', 'Last used', 'Expires', ''].map((h) =>
        el('th', { scope: 'col' }, h)))), el('tbody', {}, rows))) : el('p', { class: 'empty' }, 'No tokens yet.'),
    pager({ page, pageSize: PAGE_SIZE, count: data.count, onPage: (n) => setParams({ page: n }) }));
}

function createForm() {
  const label = el('input', { name: 'token_label', required: true, maxlength: 100 });
  const scopeInputs = SCOPES.map(([value, name, explain], i) => el('label', { class: 'check' },
    el('input', { type: 'radio', name: 'scope', value, checked: i === 0 }), ` ${name} — ${explain}`));
  const expires = el('input', { type: 'date', name: 'expires_at' });
  const status = el('div', { 'aria-live': 'polite' });
  const result = el('div');
  const form = el('form', { class: 'card stack', onsubmit: async (e) => {
    e.preventDefault();
    status.replaceChildren();
    const scope = form.querySelector('input[name=scope]:checked').value;
    const body = { token_label: label.value.trim(), scopes: [scope] };
    if (expires.value) body.expires_at = new Date(expires.value + 'T23:59:59Z').toISOString();
    try {
      const created = await api('POST', '/v2/access-tokens', body);
      result.replaceChildren(el('div', { class: 'card secret', role: 'alert', dataset: { testid: 'new-token' } },
        el('h3', {}, 'Copy your new token now'),
        el('p', {}, 'This is the only time Wharf shows it. Store it somewhere safe.'),
        el('div', { class: 'command' }, el('code', { class: 'token-secret' }, created.token), copyButton(created.token)),
        el('button', { type: 'button', onclick: () => navigate('/tokens', true) }, 'Done, I copied it')));
      result.querySelector('h3').setAttribute('tabindex', '-1');
      result.querySelector('h3').focus();
    } catch (err) { status.append(errorBox(err)); }
  } }, el('h2', {}, 'New token'), field('Label', label),
  el('fieldset', {}, el('legend', {}, 'Access'), scopeInputs),
  field('Expires (optional)', expires), status, el('button', { type: 'submit', class: 'primary' }, 'Create token'));
  return el('div', {}, form, result);
}
