// Pull-through mirrors, for server administrators: each mirror's upstream, settings and cache totals, linking to
// the repositories it holds; a form that creates a mirror, and edit and delete buttons for those made here (all
// through /admin/mirrors, which audits them). Mirrors of the configuration (mirrors.upstreams) change only there
// (docs/operations.md, "Pull-through mirrors").
import { api, enc } from '../api.js';
import { el, badge, when, field } from '../html.js';
import { pageTitle, errorBox, toast, navigate } from '../ui.js';

export async function mirrorsPage(session) {
  if (!session.current.admin) {
    return el('div', {}, pageTitle('Mirrors'), el('p', { class: 'empty' }, 'Only server administrators see mirrors.'));
  }
  const data = await api('GET', '/admin/mirrors');
  const status = el('div', { 'aria-live': 'polite' });
  const editing = el('div', {});
  const rows = data.mirrors.map((m) => el('tr', { 'data-mirror': m.name },
    el('td', {}, el('a', { href: `/repositories/${enc(m.name)}` }, m.name),
      m.hub_mirror ? badge('Docker Hub mirror', 'mirror') : null),
    el('td', {}, el('span', { class: 'mono' }, m.upstream), m.upstream_down ? el('div', { class: 'small' },
      badge('down', 'error'), ' since ', when(m.upstream_down.since),
      el('div', { class: 'muted small' }, m.upstream_down.last_failure)) : null),
    el('td', { class: 'num' }, every(m.revalidate_seconds)),
    el('td', {}, eviction(m)),
    el('td', {}, m.anonymous_pulls ? 'yes' : 'no'),
    el('td', {}, m.credentials ? m.username : el('span', { class: 'muted' }, 'none')),
    el('td', { class: 'num' }, Number(m.repositories).toLocaleString()),
    el('td', { class: 'num' }, Number(m.hits).toLocaleString()),
    el('td', { class: 'num' }, Number(m.misses).toLocaleString()),
    el('td', {}, budget(m.upstream_rate_limit)),
    el('td', {}, m.managed_by === 'config' ? 'configuration' : 'admin API', el('div', { class: 'muted small' },
      'changed ', when(m.updated_at))),
    el('td', {}, m.managed_by === 'config' ? el('span', { class: 'muted small' }, 'change it in mirrors.upstreams')
      : el('div', { class: 'toolbar' }, el('button', { type: 'button', 'aria-label': `Edit mirror ${m.name}`, onclick: () => {
        editing.replaceChildren(mirrorForm(m));
        editing.querySelector('input:not([readonly])').focus();
      } }, 'Edit'), el('button', { type: 'button', class: 'danger', 'aria-label': `Delete mirror ${m.name}`, onclick: async () => {
        if (!confirm(`Delete the mirror ${m.name}? Its cached repositories stay, as ordinary repositories without an `
          + 'owner; the name becomes free.')) return;
        status.replaceChildren();
        try {
          await api('DELETE', `/admin/mirrors/${enc(m.name)}`);
          toast(`Mirror ${m.name} deleted`);
          navigate('/mirrors', true);
        } catch (err) {
          status.append(errorBox(err));
        }
      } }, 'Delete')))));
  const table = data.mirrors.length
    ? el('div', { class: 'table-wrap' }, el('table', {}, el('caption', { class: 'sr-only' }, 'Pull-through mirrors'),
      el('thead', {}, el('tr', {}, ['Namespace', 'Upstream', 'Revalidate tags after', 'Evict unused after',
        'Anonymous pulls', 'Upstream user', 'Repositories', 'Hits', 'Misses', 'Upstream pulls left', 'Defined in', '']
        .map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)))
    : el('p', { class: 'empty' }, 'No pull-through mirrors yet. Create one below, or define it with mirrors.upstreams '
      + 'in the configuration.');
  return el('div', {},
    pageTitle('Mirrors', el('span', { class: 'muted' }, 'pull-through caches of other registries')),
    table, status, editing,
    el('p', { class: 'muted small' }, 'Hits are requests served from the cache, misses those that needed the ' +
      'upstream; counted per repository, for all nodes. Upstream pulls left is the pull budget the upstream last ' +
      'stated to this node (Docker Hub does, per account or address); an upstream marked down failed this node ' +
      'moments ago (cached tags are served meanwhile).'),
    el('details', { class: 'create' }, el('summary', {}, 'New mirror'), mirrorForm(null)));
}

/**
 * PUT /admin/mirrors/{name}: a new mirror (`existing` null), or the changes to an API mirror. Fields left empty on an
 * edit keep their value, except the eviction days, whose empty field means the server's setting; the password is
 * never shown, so credentials change only when a password is given, and go with "Remove upstream credentials".
 */
function mirrorForm(existing) {
  const editing = existing !== null;
  // '-' is escaped in the class: browsers compile a pattern attribute with the v flag, which requires it.
  const name = el('input', { name: 'name', required: true, pattern: '[a-z0-9][a-z0-9_\\-]{1,62}',
    title: '2 to 63 lower-case letters, digits, _ or -, starting with a letter or digit' });
  const upstream = el('input', { name: 'upstream', type: 'url', required: true, placeholder: 'https://registry-1.docker.io' });
  const username = el('input', { name: 'username', autocomplete: 'off' });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'new-password' });
  const removeCredentials = el('input', { type: 'checkbox', name: 'remove_credentials' });
  const revalidate = el('input', { name: 'revalidate_seconds', type: 'number', min: 1, placeholder: '600' });
  const evict = el('input', { name: 'evict_unused_days', type: 'number', min: 0, step: 1 });
  const anonymous = el('input', { type: 'checkbox', name: 'anonymous_pulls', checked: true });
  if (editing) {
    name.value = existing.name;
    name.readOnly = true;
    upstream.value = existing.upstream;
    username.value = existing.username || '';
    revalidate.value = existing.revalidate_seconds;
    if (existing.evict_unused_seconds !== null) evict.value = Math.round(existing.evict_unused_seconds / 86400);
    anonymous.checked = existing.anonymous_pulls;
  }
  const status = el('div', { 'aria-live': 'polite' });
  const label = editing ? `Edit mirror ${existing.name}` : 'New mirror';
  const form = el('form', { class: 'card stack', 'aria-label': label, onsubmit: async (e) => {
    e.preventDefault();
    status.replaceChildren();
    const body = { upstream: upstream.value.trim(), anonymous_pulls: anonymous.checked };
    if (removeCredentials.checked) {
      body.username = '';
      body.password = '';
    } else if (password.value) {
      body.username = username.value.trim();
      body.password = password.value;
    } else if (username.value.trim() && username.value.trim() !== ((existing && existing.username) || '')) {
      status.append(errorBox(new Error('A new upstream user needs its password or token.')));
      return;
    }
    if (revalidate.value) body.revalidate_seconds = Number(revalidate.value);
    if (evict.value) body.evict_unused_seconds = Number(evict.value) * 86400;
    else if (editing) body.evict_unused_seconds = null; // empty: back to mirrors.evict_unused_after
    try {
      await api('PUT', `/admin/mirrors/${enc(name.value.trim())}`, body);
      toast(`Mirror ${name.value.trim()} saved`);
      navigate('/mirrors', true);
    } catch (err) {
      status.append(errorBox(err));
    }
  } },
  editing ? el('h2', {}, label) : null,
  field('Namespace', name, editing ? 'A mirror keeps its name; delete it and make another to rename it.'
    : 'Pulls of <namespace>/<upstream repository> go to the upstream; the name may not be a user’s or organization’s.'),
  field('Upstream', upstream),
  field('Upstream user', username, 'Only when the upstream needs credentials; they are stored sealed and never shown again.'),
  field('Upstream password or token', password, editing ? 'Empty: the credentials stay as they are.' : undefined),
  editing && existing.credentials ? el('label', { class: 'check' }, removeCredentials, ' Remove upstream credentials')
    : null,
  field('Revalidate tags after (seconds)', revalidate, 'Empty: mirrors.revalidate_after.'),
  field('Evict tags unused for (days)', evict, 'Empty: mirrors.evict_unused_after; 0: never evict this mirror’s tags.'),
  el('label', { class: 'check' }, anonymous, ' Anonymous pulls'),
  status,
  el('div', { class: 'toolbar' }, el('button', { type: 'submit', class: 'primary' }, 'Save mirror'),
    editing ? el('button', { type: 'button', onclick: () => form.remove() }, 'Cancel') : null));
  return form;
}

/** An upstream's pull budget as it last stated it ("76 of 100 per 6 h"), or a dash when it states none. */
function budget(limit) {
  if (!limit) return el('span', { class: 'muted' }, '—');
  const per = Number(limit.window_seconds) > 0 ? ` per ${every(limit.window_seconds)}` : '';
  return el('span', {}, `${Number(limit.remaining).toLocaleString()} of ${Number(limit.limit).toLocaleString()}${per}`,
    el('div', { class: 'muted small' }, 'stated ', when(limit.stated_at)));
}

/** When unused tags go: "30 d", "never", and whether that is the mirror's own setting or the server's. */
function eviction(m) {
  const after = Number(m.evicts_unused_after_seconds);
  return el('span', {}, after > 0 ? every(after) : 'never',
    m.evict_unused_seconds === null ? el('div', { class: 'muted small' }, 'server default') : null);
}

/** Seconds as the largest whole unit: 600 → "10 min". */
export function every(seconds) {
  const s = Number(seconds);
  if (s % 86400 === 0) return `${s / 86400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}
