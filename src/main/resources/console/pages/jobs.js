// Jobs of a hub, and one job watched live: state, bytes and layers, steps as a log, and failures in words.
import { api, query, enc } from '../api.js';
import { el, when, badge, bytes } from '../html.js';
import { pager, params, setParams, pageTitle } from '../ui.js';

const PAGE_SIZE = 20;
const FINISHED = ['completed', 'error'];

export async function jobsPage(session, hub) {
  const page = Number(params().get('page')) || 1;
  const data = await api('GET', '/v1/jobs' + query({ 'page[size]': PAGE_SIZE, 'page[number]': page }), undefined, { hub });
  const rows = (data.data || []).map((j) => el('tr', {},
    el('td', {}, el('a', { href: `/jobs/${enc(hub)}/${enc(j.id)}` }, j.caption || j.id)),
    el('td', {}, badge(j.state.current, j.state.current)),
    el('td', {}, when(j.events && j.events.queued)),
    el('td', {}, when(j.events && j.events.completed))));
  return el('div', {}, pageTitle('Jobs', el('span', { class: 'muted' }, hub)),
    rows.length ? el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['Job', 'State', 'Queued', 'Finished'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows))) : el('p', { class: 'empty' }, 'No jobs yet.'),
    pager({ page, pageSize: PAGE_SIZE, count: data.meta && data.meta.total, hasNext: rows.length === PAGE_SIZE,
      onPage: (n) => setParams({ page: n }) }));
}

export async function jobPage(session, hub, id) {
  const view = el('div', { 'aria-live': 'polite', 'aria-busy': 'true' });
  const root = el('div', {}, pageTitle('Job'), el('p', {}, el('a', { href: `/jobs/${enc(hub)}` }, '← all jobs')), view);
  const path = location.pathname;
  async function poll() {
    if (location.pathname !== path || !root.isConnected && view.dataset.drawn) return; // the user moved on
    let job;
    try {
      job = (await api('GET', `/v1/jobs/${enc(id)}`, undefined, { hub })).data;
    } catch (err) {
      view.replaceChildren(el('div', { class: 'error', role: 'alert' }, err.message));
      return;
    }
    view.dataset.drawn = '1';
    view.replaceChildren(draw(job));
    if (FINISHED.includes(job.state.current)) view.setAttribute('aria-busy', 'false');
    else setTimeout(poll, 1000);
  }
  await poll();
  return root;
}

function draw(job) {
  const task = (job.tasks && job.tasks[0]) || {};
  const out = task.output || {};
  const state = job.state.current;
  const pct = out.bytes_total ? Math.round((100 * (out.bytes_done || 0)) / out.bytes_total) : (state === 'completed' ? 100 : 0);
  return el('div', { class: 'stack', dataset: { state } },
    el('section', { class: 'card' },
      el('h2', {}, job.caption || task.caption || 'Job'),
      el('p', {}, 'State: ', badge(state, state), job.meta ? ` · attempt ${job.meta.attempts} of ${job.meta.max_attempts}` : ''),
      el('label', { for: 'job-progress' }, `Downloaded ${bytes(out.bytes_done || 0)} of ${bytes(out.bytes_total || 0)}`
        + ` · layers ${out.layers_done || 0} of ${out.layers_total || 0}`),
      el('progress', { id: 'job-progress', max: 100, value: pct }, pct + '%'),
      job.state.error ? el('div', { class: 'error', role: 'alert' }, 'Failed: ' + job.state.error.message) : null,
      out.repository ? el('p', {}, 'Result: ', el('a', { href: repositoryLink(out.repository) }, out.repository),
        out.digest ? el('span', { class: 'mono small' }, ' @ ' + out.digest) : '') : null),
    el('section', { class: 'card' }, el('h2', {}, 'Log'),
      el('ol', { class: 'log' }, (task.steps || []).map((s) => el('li', {},
        el('strong', {}, s.caption), s.description ? ' — ' + s.description : '',
        s.completed ? el('span', { class: 'muted small' }, ' (done)') : el('span', { class: 'muted small' }, ' (running)'))))));
}

/** "ns/name:tag" (or "@digest") as the console path of the repository. */
function repositoryLink(reference) {
  const name = reference.replace(/@.*$/, '').replace(/:[^/]*$/, '');
  return '/repositories/' + name.split('/').map(enc).join('/');
}
