// Retention (docs/hub-api.md, "Retention"): the policy of a repository or of a namespace, a paged dry run with
// delete-images' warnings, a run now (a persistent job, followed until it ends) and the last run's result.
// The same panel serves a repository's Retention tab and the namespace page /retention/{namespace}.
import { api, query, enc, repoHref } from '../api.js';
import { el, bytes, when, badge, field, shortDigest } from '../html.js';
import { pager, pageTitle, errorBox, toast } from '../ui.js';

const PREVIEW_PAGE_SIZE = 25;
const WARNING_HELP = {
  current_tag: 'its tags go with it',
  is_active: 'pushed or pulled within the last month',
};

/** The namespace page: the policy every repository of the namespace without its own follows. */
export async function namespaceRetentionPage(session, ns) {
  return el('div', {}, pageTitle('Retention', el('span', { class: 'muted' }, ns)),
    el('p', { class: 'muted' }, 'This policy applies to every repository of ', el('strong', {}, ns),
      ' that has no policy of its own. Only the organization\'s owners (or the user) may see and change it.'),
    retentionPanel(ns, ''));
}

/** `repo` = '' for the namespace's policy. */
export function retentionPanel(ns, repo) {
  const base = repo ? `/v2/namespaces/${enc(ns)}/repositories/${enc(repo)}/retention`
    : `/v2/namespaces/${enc(ns)}/retention`;
  const policyBox = el('div', {}, el('p', { class: 'muted' }, 'Loading the policy…'));
  const previewBox = el('div', { 'aria-live': 'polite' });
  const runBox = el('div', { 'aria-live': 'polite', 'data-testid': 'retention-last-run' });

  async function loadPolicy() {
    let policy = null;
    try {
      policy = await api('GET', base);
    } catch (err) {
      // 404 is also the answer for a scope the caller may not administer: only "no policy" is an empty form.
      if (err.status !== 404 || !/No retention policy/.test(`${err.message} ${JSON.stringify(err.body)}`)) {
        policyBox.replaceChildren(errorBox(err));
        return false;
      }
    }
    policyBox.replaceChildren(policyForm(policy));
    return true;
  }

  function numberInput(name, value, min) {
    return el('input', { type: 'number', name, min, step: 1, value: value ?? '', inputmode: 'numeric' });
  }

  function policyForm(policy) {
    const p = policy || {};
    const keepLast = numberInput('keep_last', p.keep_last, 0);
    const keepDays = numberInput('keep_pulled_days', p.keep_pulled_days, 0);
    const keepTags = el('input', { name: 'keep_tags', value: p.keep_tags || '', placeholder: 'release-*,latest',
      maxlength: 512, autocomplete: 'off' });
    const hours = numberInput('interval_hours', p.interval_seconds ? p.interval_seconds / 3600 : '', 0);
    hours.step = 'any';
    const status = el('div', { 'aria-live': 'polite' });
    const value = (input) => (input.value.trim() === '' ? null : Number(input.value));
    const form = el('form', { class: 'card stack', 'aria-label': 'Retention policy', onsubmit: async (e) => {
      e.preventDefault();
      status.replaceChildren();
      const interval = value(hours);
      try {
        await api('PUT', base, { keep_last: value(keepLast), keep_pulled_days: value(keepDays),
          keep_tags: keepTags.value.trim() || null,
          interval_seconds: interval === null || interval === 0 ? null : Math.round(interval * 3600) });
        toast('Retention policy saved');
        await loadPolicy();
      } catch (err) { status.append(errorBox(err)); }
    } },
    el('h2', {}, 'Retention policy'),
    el('p', { class: 'muted small' }, policy ? 'Tagged images that no rule keeps are deleted by a run; untagged images '
      + 'go to garbage collection. Immutable tags, images an index lists and signatures of kept images are always kept.'
      : repo ? 'No policy of its own: the namespace\'s policy applies, if it has one.' : 'No policy yet.'),
    el('div', { class: 'grid2' },
      field('Keep the most recently pushed', keepLast, 'Number of tagged images, newest push first.'),
      field('Keep images pushed or pulled within (days)', keepDays),
      field('Keep tags matching', keepTags, 'Globs over the whole tag: * any characters, ? one; separate with commas.'),
      field('Run every (hours)', hours, 'Empty: only when run by hand. At least 5 minutes.')),
    status,
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Save policy'),
      policy ? removeButton() : null));
    return form;
  }

  function removeButton() {
    const b = el('button', { type: 'button', class: 'danger' }, 'Remove policy');
    b.addEventListener('click', async () => {
      if (!confirm('Remove this retention policy? Scheduled runs stop; nothing is deleted.')) return;
      try {
        await api('DELETE', base);
        toast('Retention policy removed');
        await loadPolicy();
      } catch (err) { b.after(errorBox(err)); }
    });
    return b;
  }

  async function preview(page) {
    previewBox.replaceChildren(el('p', { class: 'muted' }, 'Working out what a run would delete…'));
    try {
      const data = await api('POST', base + '/preview' + query({ page, page_size: PREVIEW_PAGE_SIZE }));
      previewBox.replaceChildren(previewReport(data, page));
    } catch (err) { previewBox.replaceChildren(errorBox(err)); }
  }

  function previewReport(data, page) {
    const images = data.repositories.reduce((n, r) => n + r.images, 0);
    const summary = `${Number(data.count).toLocaleString()} of ${images.toLocaleString()} images would be deleted `
      + `from ${data.repositories.length} repositor${data.repositories.length === 1 ? 'y' : 'ies'}; `
      + `${bytes(data.bytes_freed)} of blobs would be left to garbage collection.`;
    const rows = data.results.map((c) => el('tr', { 'data-digest': c.digest },
      repo ? null : el('td', {}, c.repository),
      el('td', {}, el('a', { href: repoHref(ns, c.repository.slice(ns.length + 1), '/images/' + enc(c.digest)), class: 'mono', title: c.digest }, shortDigest(c.digest))),
      el('td', {}, c.tags.map((t) => badge(t, 'tag'))),
      el('td', {}, when(c.pushed_at)), el('td', {}, when(c.last_pulled)),
      el('td', {}, c.warnings.map((w) => el('span', { class: 'badge warning', title: WARNING_HELP[w] || w }, w)))));
    const headers = [...(repo ? [] : ['Repository']), 'Digest', 'Tags', 'Pushed', 'Pulled', 'Warnings'];
    return el('div', { class: 'card report stack', 'data-testid': 'retention-preview' },
      el('h3', {}, 'Dry run: nothing was deleted'), el('p', {}, summary),
      rows.length ? el('div', { class: 'table-wrap' }, el('table', {},
        el('caption', { class: 'sr-only' }, 'Images a run would delete'),
        el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, rows)))
        : el('p', { class: 'empty' }, 'Nothing would be deleted.'),
      pager({ page, pageSize: PREVIEW_PAGE_SIZE, count: data.count, onPage: preview, label: 'Preview pages' }),
      el('p', { class: 'muted small' }, 'Warnings are delete-images\' own: current_tag (',
        WARNING_HELP.current_tag, '), is_active (', WARNING_HELP.is_active, '). A run accepts them; an image pushed, '
        + 'pulled or tagged anew after the run plans it is kept.'));
  }

  function runView(run) {
    const r = run.result || {};
    const finished = run.state === 'completed' || run.state === 'error';
    return el('div', { class: 'card report', 'data-run': run.run_id },
      el('h3', {}, 'Last run ', badge(run.state, run.state)),
      el('dl', { class: 'facts' },
        el('dt', {}, 'Started'), el('dd', {}, when(run.created_at)),
        el('dt', {}, 'Finished'), el('dd', {}, finished ? when(run.completed_at) : '—'),
        el('dt', {}, 'Images deleted'), el('dd', {}, r.images_deleted ?? '—'),
        el('dt', {}, 'Tags deleted'), el('dd', {}, r.tags_deleted ?? '—'),
        el('dt', {}, 'Kept after a change'), el('dd', {}, r.images_kept_after_change ?? '—'),
        el('dt', {}, 'Bytes freed'), el('dd', {}, r.bytes_freed == null ? '—' : bytes(r.bytes_freed))),
      run.error ? errorBox(run.error) : null);
  }

  async function loadLastRun() {
    try {
      const data = await api('GET', base + '/runs' + query({ page_size: 1 }));
      runBox.replaceChildren(data.results.length ? runView(data.results[0])
        : el('p', { class: 'empty' }, 'No run yet.'));
    } catch (err) { runBox.replaceChildren(errorBox(err)); }
  }

  /** Follows a run once a second until it ends (the job may wait for a worker). */
  async function follow(id) {
    for (;;) {
      const run = await api('GET', `${base}/runs/${enc(id)}`);
      runBox.replaceChildren(runView(run));
      if (run.state === 'completed' || run.state === 'error' || !runBox.isConnected) return run;
      await new Promise((resolve) => { setTimeout(resolve, 1000); });
    }
  }

  const previewButton = el('button', { type: 'button', onclick: () => preview(1) }, 'Preview (dry run)');
  const runButton = el('button', { type: 'button', class: 'danger' }, 'Run now');
  runButton.addEventListener('click', async () => {
    if (!confirm('Delete every image the policy does not keep, now?')) return;
    runButton.disabled = true;
    try {
      const started = await api('POST', base + '/runs');
      const run = await follow(started.run_id);
      if (run.state === 'completed') toast(`Retention run: ${run.result.images_deleted} image(s) deleted`);
      previewBox.replaceChildren();
    } catch (err) { runBox.replaceChildren(errorBox(err)); } finally { runButton.disabled = false; }
  });

  loadPolicy().then((ok) => { if (ok) loadLastRun(); });
  return el('section', { class: 'stack', 'aria-label': 'Retention' }, policyBox,
    el('div', { class: 'toolbar' }, previewButton, runButton), previewBox, runBox);
}
