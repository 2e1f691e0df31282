// An organization: members (roles, removal), teams (create, delete, members, repository permissions),
// organization access tokens (secret shown once) and settings (restricted images). Members read; owners change,
// and the API refuses anything else with a message shown here.
import { api, query, enc } from '../api.js';
import { el, when, badge, field, copyButton } from '../html.js';
import { pager, params, setParams, pageTitle, errorBox, toast, navigate } from '../ui.js';

const PAGE_SIZE = 25;
const ROLES = ['owner', 'editor', 'member'];

function reload() { navigate(location.pathname + location.search, true); }

/** Runs an action; on failure shows why next to `where` instead of throwing. */
async function attempt(where, action, done) {
  try {
    await action();
    if (done) toast(done);
    reload();
  } catch (err) {
    where.after(errorBox(err));
  }
}

export async function orgPage(session, org) {
  const tab = params().get('tab') || 'members';
  const tabs = [['members', 'Members'], ['teams', 'Teams'], ['tokens', 'Access tokens'], ['settings', 'Settings']];
  const nav = el('nav', { class: 'tabs', 'aria-label': 'Organization sections' }, tabs.map(([id, label]) =>
    el('a', { href: `?tab=${id}`, 'aria-current': tab === id ? 'page' : null }, label)));
  const body = await ({ members, teams, tokens, settings }[tab] || members)(org);
  return el('div', {}, pageTitle('Organization', el('span', { class: 'muted' }, org)), nav, body);
}

async function members(org) {
  const page = Number(params().get('page')) || 1;
  const search = params().get('search') || '';
  const data = await api('GET', `/v2/orgs/${enc(org)}/members` + query({ page, page_size: PAGE_SIZE, search }));
  const input = el('input', { type: 'search', value: search, 'aria-label': 'Search members', placeholder: 'Username' });
  return el('section', { 'aria-label': 'Members' },
    el('form', { role: 'search', class: 'inline toolbar', onsubmit: (e) => { e.preventDefault(); setParams({ search: input.value.trim(), page: null }); } },
      input, el('button', { type: 'submit' }, 'Search')),
    el('p', { class: 'muted small' }, 'People join an organization through the wharf org/user admin commands.'),
    el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['Member', 'Role', 'Teams', 'Joined', ''].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, data.results.map((m) => {
        const role = el('select', { 'aria-label': 'Role of ' + m.username }, ROLES.map((r) =>
          el('option', { value: r, selected: r === m.role.toLowerCase() }, r)));
        role.addEventListener('change', () => attempt(role, () => api('PUT',
          `/v2/orgs/${enc(org)}/members/${enc(m.username)}`, { role: role.value }), 'Role changed'));
        const remove = el('button', { type: 'button', class: 'small danger' }, 'Remove');
        remove.addEventListener('click', () => {
          if (confirm(`Remove ${m.username} from ${org}? They also leave every team.`)) {
            attempt(remove, () => api('DELETE', `/v2/orgs/${enc(org)}/members/${enc(m.username)}`), 'Member removed');
          }
        });
        return el('tr', {}, el('td', {}, m.username, el('div', { class: 'muted small' }, m.email || '')), el('td', {}, role),
          el('td', {}, (m.groups || []).map((g) => badge(g))), el('td', {}, when(m.date_joined)), el('td', {}, remove));
      })))),
    pager({ page, pageSize: PAGE_SIZE, count: data.count, onPage: (n) => setParams({ page: n }) }));
}

async function teams(org) {
  const page = Number(params().get('page')) || 1;
  const data = await api('GET', `/v2/orgs/${enc(org)}/groups` + query({ page, page_size: PAGE_SIZE }));
  const name = el('input', { required: true, maxlength: 100 });
  const description = el('input', { maxlength: 1000 });
  const create = el('form', { class: 'card stack', onsubmit: (e) => {
    e.preventDefault();
    attempt(create, () => api('POST', `/v2/orgs/${enc(org)}/groups`, { name: name.value.trim(), description: description.value }), 'Team created');
  } }, el('h2', {}, 'New team'), field('Name', name), field('Description', description),
  el('button', { type: 'submit', class: 'primary' }, 'Create team'));
  return el('section', { 'aria-label': 'Teams' },
    el('details', { class: 'create' }, el('summary', {}, 'New team'), create),
    data.results.length ? data.results.map((t) => team(org, t)) : el('p', { class: 'empty' }, 'No teams yet.'),
    pager({ page, pageSize: PAGE_SIZE, count: data.count, onPage: (n) => setParams({ page: n }) }));
}

function team(org, t) {
  const path = `/v2/orgs/${enc(org)}/groups/${enc(t.name)}`;
  const list = el('ul', { class: 'chips' }, el('li', { class: 'muted' }, 'Loading members…'));
  api('GET', path + '/members' + query({ page_size: 100 })).then((m) => list.replaceChildren(...(m.results.length
    ? m.results.map((u) => el('li', {}, u.username, ' ', el('button', { type: 'button', class: 'small link-button',
      'aria-label': `Remove ${u.username} from ${t.name}`, onclick: (e) => attempt(e.target,
        () => api('DELETE', `${path}/members/${enc(u.username)}`), 'Removed from the team') }, '×')))
    : [el('li', { class: 'muted' }, 'No members')])), (err) => list.replaceChildren(errorBox(err)));
  const member = el('input', { 'aria-label': `Username to add to ${t.name}`, placeholder: 'username' });
  const add = el('form', { class: 'inline', onsubmit: (e) => {
    e.preventDefault();
    attempt(add, () => api('POST', path + '/members', { member: member.value.trim() }), 'Added to the team');
  } }, member, el('button', { type: 'submit' }, 'Add member'));
  const repo = el('input', { 'aria-label': `Repository for ${t.name}`, placeholder: 'repository name' });
  const permission = el('select', { 'aria-label': 'Permission' }, [['read', 'read (pull)'], ['write', 'write (pull, push)'],
    ['admin', 'admin (everything)']].map(([v, l]) => el('option', { value: v }, l)));
  const grant = el('form', { class: 'inline', onsubmit: (e) => {
    e.preventDefault();
    attempt(grant, () => api('POST', `/v2/repositories/${enc(org)}/${enc(repo.value.trim())}/groups`,
      { group_id: t.id, permission: permission.value }), 'Permission set');
  } }, repo, permission, el('button', { type: 'submit' }, 'Grant'));
  const remove = el('button', { type: 'button', class: 'small danger' }, 'Delete team');
  remove.addEventListener('click', () => {
    if (confirm(`Delete the team ${t.name}? Its members and repository permissions go with it.`)) {
      attempt(remove, () => api('DELETE', path), 'Team deleted');
    }
  });
  return el('section', { class: 'card stack', 'aria-label': 'Team ' + t.name },
    el('div', { class: 'title-row' }, el('h2', {}, t.name), badge(`${t.member_count} member${t.member_count === 1 ? '' : 's'}`), remove),
    t.description ? el('p', {}, t.description) : null, list, add,
    el('div', {}, el('h3', {}, 'Repository permission'), grant));
}

async function tokens(org) {
  const page = Number(params().get('page')) || 1;
  const data = await api('GET', `/v2/orgs/${enc(org)}/access-tokens` + query({ page, page_size: PAGE_SIZE }));
  const label = el('input', { required: true, maxlength: 100 });
  const path = el('input', { value: `${org}/*`, required: true });
  const push = el('input', { type: 'checkbox' });
  const result = el('div');
  const form = el('form', { class: 'card stack', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const created = await api('POST', `/v2/orgs/${enc(org)}/access-tokens`, { label: label.value.trim(), resources: [{
        type: 'TYPE_REPO', path: path.value.trim(), scopes: push.checked ? ['scope-image-pull', 'scope-image-push'] : ['scope-image-pull'] }] });
      result.replaceChildren(el('div', { class: 'card secret', role: 'alert' }, el('h3', {}, 'Copy the new token now'),
        el('p', {}, 'This is the only time Wharf shows it. Log in with the organization name as the username.'),
        el('div', { class: 'command' }, el('code', { class: 'token-secret' }, created.token), copyButton(created.token)),
        el('button', { type: 'button', onclick: reload }, 'Done, I copied it')));
    } catch (err) { result.replaceChildren(errorBox(err)); }
  } }, el('h2', {}, 'New organization token'), field('Label', label),
  field('Repositories', path, `${org}/<name>, ${org}/* for all of them, or */*/public for every public repository`),
  el('label', { class: 'check' }, push, ' Push too (tokens always pull; they never delete)'),
  el('button', { type: 'submit', class: 'primary' }, 'Create token'));
  const rows = data.results.map((t) => {
    const toggle = el('button', { type: 'button', class: 'small' }, t.is_active ? 'Deactivate' : 'Activate');
    toggle.addEventListener('click', () => attempt(toggle, () => api('PATCH', `/v2/orgs/${enc(org)}/access-tokens/${enc(t.id)}`,
      { is_active: !t.is_active })));
    const remove = el('button', { type: 'button', class: 'small danger' }, 'Delete');
    remove.addEventListener('click', () => {
      if (confirm(`Delete the token “${t.label}”?`)) {
        attempt(remove, () => api('DELETE', `/v2/orgs/${enc(org)}/access-tokens/${enc(t.id)}`), 'Token deleted');
      }
    });
    return el('tr', {}, el('td', {}, t.label), el('td', { class: 'small' }, (t.resources || []).map((r) =>
      el('div', {}, `${r.path}: ${r.scopes.map((s) => s.replace('scope-image-', '')).join(', ')}`))),
    el('td', {}, t.is_active ? badge('active', 'active') : badge('inactive', 'inactive')), el('td', {}, when(t.created_at)),
    el('td', {}, when(t.last_used_at)), el('td', { class: 'actions' }, toggle, ' ', remove));
  });
  return el('section', { 'aria-label': 'Organization access tokens' }, form, result,
    rows.length ? el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {},
      ['Label', 'Access', 'Status', 'Created', 'Last used', ''].map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, rows)))
      : el('p', { class: 'empty' }, 'No organization tokens yet.'),
    pager({ page, pageSize: PAGE_SIZE, count: data.total, onPage: (n) => setParams({ page: n }) }));
}

async function settings(org) {
  const s = (await api('GET', `/v2/orgs/${enc(org)}/settings`)).restricted_images;
  const enabled = el('input', { type: 'checkbox', checked: s.enabled });
  const official = el('input', { type: 'checkbox', checked: s.allow_official_images });
  const verified = el('input', { type: 'checkbox', checked: s.allow_verified_publishers });
  const form = el('form', { class: 'card stack', onsubmit: (e) => {
    e.preventDefault();
    attempt(form, () => api('PUT', `/v2/orgs/${enc(org)}/settings`, { restricted_images: { enabled: enabled.checked,
      allow_official_images: official.checked, allow_verified_publishers: verified.checked } }), 'Settings saved');
  } }, el('h2', {}, 'Restricted images'),
  el('label', { class: 'check' }, enabled, ' Members may pull only this organization\'s images (and those allowed below)'),
  el('label', { class: 'check' }, official, ' Also allow official images'),
  el('label', { class: 'check' }, verified, ' Also allow images of verified publishers'),
  el('button', { type: 'submit', class: 'primary' }, 'Save'));
  return form;
}
