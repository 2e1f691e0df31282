// Pull-through mirrors, for server administrators: each mirror's upstream, settings and cache totals, linking to
// the repositories it holds. Read-only here: mirrors are defined in the configuration or through /admin/mirrors
// (docs/operations.md, "Pull-through mirrors").
import { api, enc } from '../api.js';
import { el, badge, when } from '../html.js';
import { pageTitle } from '../ui.js';

export async function mirrorsPage(session) {
  if (!session.current.admin) {
    return el('div', {}, pageTitle('Mirrors'), el('p', { class: 'empty' }, 'Only server administrators see mirrors.'));
  }
  const data = await api('GET', '/admin/mirrors');
  if (!data.mirrors.length) {
    return el('div', {}, pageTitle('Mirrors'), el('p', { class: 'empty' },
      'No pull-through mirrors. Define one with mirrors.upstreams in the configuration or PUT /admin/mirrors/{name}.'));
  }
  const rows = data.mirrors.map((m) => el('tr', { 'data-mirror': m.name },
    el('td', {}, el('a', { href: `/repositories/${enc(m.name)}` }, m.name),
      m.hub_mirror ? badge('Docker Hub mirror', 'mirror') : null),
    el('td', { class: 'mono' }, m.upstream),
    el('td', { class: 'num' }, every(m.revalidate_seconds)),
    el('td', {}, m.anonymous_pulls ? 'yes' : 'no'),
    el('td', {}, m.credentials ? m.username : el('span', { class: 'muted' }, 'none')),
    el('td', { class: 'num' }, Number(m.repositories).toLocaleString()),
    el('td', { class: 'num' }, Number(m.hits).toLocaleString()),
    el('td', { class: 'num' }, Number(m.misses).toLocaleString()),
    el('td', {}, m.managed_by === 'config' ? 'configuration' : 'admin API', el('div', { class: 'muted small' },
      'changed ', when(m.updated_at)))));
  return el('div', {},
    pageTitle('Mirrors', el('span', { class: 'muted' }, 'pull-through caches of other registries')),
    el('div', { class: 'table-wrap' }, el('table', {}, el('caption', { class: 'sr-only' }, 'Pull-through mirrors'),
      el('thead', {}, el('tr', {}, ['Namespace', 'Upstream', 'Revalidate tags after', 'Anonymous pulls',
        'Upstream user', 'Repositories', 'Hits', 'Misses', 'Defined in'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows))),
    el('p', { class: 'muted small' }, 'Hits are requests served from the cache, misses those that needed the ' +
      'upstream; counted per repository, for all nodes.'));
}

/** Seconds as the largest whole unit: 600 → "10 min". */
export function every(seconds) {
  const s = Number(seconds);
  if (s % 86400 === 0) return `${s / 86400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}
