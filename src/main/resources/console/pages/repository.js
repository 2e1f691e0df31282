// One repository: pull command, description, pulls per day, and tabs for tags, images (with cleanup),
// settings (description, privacy, immutable tags, the teams with a permission on an organization's repository),
// webhooks and retention.
// Every list is a server-side page.
import { api, query, enc, repoHref } from '../api.js';
import { el, bytes, when, badge, field, copyButton, shortDigest } from '../html.js';
import { pager, params, setParams, pageTitle, errorBox, toast, navigate } from '../ui.js';
import { renderMarkdown } from '../markdown.js';
import { barChart, splitBar } from '../chart.js';
import { webhooksTab } from './webhooks.js';
import { every } from './mirrors.js';
import { retentionPanel } from './retention.js';

const PAGE_SIZE = 25;

export async function repositoryPage(session, ns, repo) {
  const base = `/v2/namespaces/${enc(ns)}/repositories/${enc(repo)}`;
  const [info, pulls] = await Promise.all([api('GET', base), api('GET', base + '/pulls-per-day?days=30')]);
  const tab = params().get('tab') || 'tags';
  const tabs = [['tags', 'Tags'], ['images', 'Images and cleanup']];
  if (info.permissions && info.permissions.admin) {
    tabs.push(['settings', 'Settings'], ['webhooks', 'Webhooks'], ['retention', 'Retention']);
  }
  const tabBar = el('nav', { class: 'tabs', 'aria-label': 'Repository sections' }, tabs.map(([id, label]) =>
    el('a', { href: `?tab=${id}`, 'aria-current': tab === id ? 'page' : null }, label)));
  let body;
  if (tab === 'images') body = await imagesTab(ns, repo, base);
  else if (tab === 'settings') body = settingsTab(ns, repo, info, isOrganization(session, ns));
  else if (tab === 'webhooks') body = webhooksTab(ns, repo);
  else if (tab === 'retention') body = retentionPanel(ns, repo);
  else body = await tagsTab(ns, repo, base);

  const host = location.host;
  const pull = `docker pull ${host}/${ns}/${repo}`;
  const copy = `skopeo copy docker://${host}/${ns}/${repo}:latest oci:./${repo}:latest`;
  return el('div', {},
    pageTitle(`${ns}/${repo}`, info.is_private ? badge('private', 'private') : badge('public', 'public'),
      info.mirror ? badge('mirror', 'mirror') : null),
    info.description ? el('p', { class: 'lead' }, info.description) : null,
    info.mirror ? mirrorCard(info.mirror) : null,
    el('div', { class: 'grid2' },
      el('section', { class: 'card', 'aria-label': 'Copy commands' },
        el('h2', {}, 'Pull'),
        el('div', { class: 'command' }, el('code', {}, pull), copyButton(pull)),
        el('div', { class: 'command' }, el('code', {}, copy), copyButton(copy)),
        el('dl', { class: 'facts' },
          el('dt', {}, 'Size'), el('dd', {}, bytes(info.storage_size)),
          el('dt', {}, 'Pulls'), el('dd', {}, Number(info.pull_count).toLocaleString()),
          el('dt', {}, 'Last pushed'), el('dd', {}, when(info.last_updated)),
          el('dt', {}, 'Created'), el('dd', {}, when(info.date_registered)))),
      barChart({ title: `Pulls per day, last 30 days (${pulls.total} in all)`,
        data: pulls.days.map((d) => ({ label: d.date, short: d.date.slice(5), value: d.pulls })),
        format: (v) => String(Math.round(v)), integer: true })),
    info.full_description ? el('section', { class: 'card' }, el('h2', {}, 'Overview'),
      renderMarkdown(info.full_description)) : null,
    tabBar, body);
}

// A pull-through mirror's repository (docs/operations.md, "Pull-through mirrors"): where it comes from, when its
// tags were last checked upstream, and how often the cache answered.
function mirrorCard(m) {
  return el('section', { class: 'card', 'aria-label': 'Mirror', 'data-testid': 'mirror-card' },
    el('h2', {}, 'Pull-through mirror'),
    el('p', { class: 'muted' }, `Read-only: pulls of tags and digests the cache lacks are fetched from ${m.upstream}.`),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Upstream'), el('dd', { class: 'mono' }, `${m.upstream} (${m.upstream_repository})`),
      el('dt', {}, 'Last revalidated'), el('dd', {}, when(m.last_revalidated)),
      el('dt', {}, 'Revalidate tags after'), el('dd', {}, every(m.revalidate_seconds)),
      el('dt', {}, 'Cache hits'), el('dd', {}, Number(m.hits).toLocaleString()),
      el('dt', {}, 'Cache misses'), el('dd', {}, Number(m.misses).toLocaleString())));
}

async function tagsTab(ns, repo, base) {
  const page = Number(params().get('page')) || 1;
  const data = await api('GET', base + '/tags' + query({ page, page_size: PAGE_SIZE })).catch((e) => {
    if (e.status === 404) return { count: 0, results: [] };
    throw e;
  });
  if (!data.results.length && page === 1) return el('p', { class: 'empty' }, 'No tags yet. Push one with the command above.');
  return el('section', { 'aria-label': 'Tags' },
    el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['Tag', 'Digest', 'Size', 'Pushed', 'Pulled', 'Status'].map((h) =>
        el('th', { scope: 'col' }, h)))),
      el('tbody', {}, data.results.map((t) => el('tr', {},
        el('td', {}, t.name),
        el('td', {}, el('a', { href: repoHref(ns, repo, `/images/${enc(t.digest)}`), class: 'mono',
          title: t.digest }, shortDigest(t.digest))),
        el('td', { class: 'num' }, bytes(t.full_size)),
        el('td', {}, when(t.tag_last_pushed)),
        el('td', {}, when(t.tag_last_pulled)),
        el('td', {}, badge(t.status, t.status))))))),
    pager({ page, pageSize: PAGE_SIZE, count: data.count, onPage: (n) => setParams({ page: n }), label: 'Tag pages' }));
}

/** datetime-local value (local time) → RFC 3339 in UTC, as active_from wants it. */
function toRfc3339(local) {
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toLocalInput(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

async function imagesTab(ns, repo, base) {
  const p = params();
  const page = Number(p.get('page')) || 1;
  const status = p.get('status') || '';
  const activeFrom = p.get('active_from') || '';
  const [summary, list] = await Promise.all([
    api('GET', base + '/images-summary' + query({ active_from: activeFrom })),
    api('GET', base + '/images' + query({ status, active_from: activeFrom, page, page_size: PAGE_SIZE })),
  ]);
  const statusSelect = el('select', { name: 'status' }, [['', 'All'], ['active', 'Active'], ['inactive', 'Inactive']]
    .map(([v, l]) => el('option', { value: v, selected: v === status }, l)));
  const from = el('input', { type: 'datetime-local', name: 'active_from', value: toLocalInput(summary.active_from) });
  const filters = el('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    setParams({ status: statusSelect.value, active_from: from.value ? toRfc3339(from.value) : '', page: null });
  } }, field('Status', statusSelect), field('Active since', from, 'Pushed or pulled at or after this time'),
  el('button', { type: 'submit' }, 'Apply'));

  const selected = new Set();
  const report = el('div', { 'aria-live': 'polite' });
  const rows = list.results.map((img) => {
    const box = el('input', { type: 'checkbox', 'aria-label': 'Select ' + shortDigest(img.digest) });
    box.addEventListener('change', () => { if (box.checked) selected.add(img.digest); else selected.delete(img.digest); });
    return el('tr', {},
      el('td', {}, box),
      el('td', {}, el('a', { href: repoHref(ns, repo, `/images/${enc(img.digest)}`), class: 'mono',
        title: img.digest }, shortDigest(img.digest))),
      el('td', {}, img.tags.length ? img.tags.map((t) => badge(t.tag, t.is_current ? 'tag' : 'old-tag')) : '—'),
      el('td', {}, when(img.last_pushed)),
      el('td', {}, when(img.last_pulled)),
      el('td', {}, badge(img.status, img.status)));
  });
  const preview = el('button', { type: 'button', onclick: () => cleanup(true) }, 'Preview deletion (dry run)');
  async function cleanup(dryRun, ignore) {
    report.replaceChildren();
    if (!selected.size) { report.append(errorBox('Select at least one image first.')); return; }
    const body = { dry_run: dryRun, active_from: summary.active_from,
      manifests: [...selected].map((digest) => ({ repository: repo, digest })), ignore_warnings: ignore || [] };
    try {
      const result = await api('POST', `/v2/namespaces/${enc(ns)}/delete-images`, body);
      report.append(metrics(result, dryRun));
      if (dryRun) {
        report.append(el('button', { type: 'button', class: 'danger', onclick: () => cleanup(false, ignore) },
          `Delete ${selected.size} image${selected.size > 1 ? 's' : ''} now`));
      } else {
        toast(`Deleted ${result.metrics.manifest_deletes} image(s) and ${result.metrics.tag_deletes} tag(s)`);
        setParams({ refreshed: Date.now() });
      }
    } catch (err) {
      const details = err.body && err.body.errinfo && err.body.errinfo.details;
      if (err.status === 400 && details) {
        report.append(problems(details));
        if (!(details.errors || []).length) {
          const accepted = (details.warnings || []).map((w) => ({ repository: w.repository, digest: w.digest,
            warning: w.warning, tags: w.tags }));
          report.append(el('button', { type: 'button', onclick: () => cleanup(dryRun, accepted) },
            'Accept these warnings and preview again'));
        }
      } else {
        report.append(errorBox(err));
      }
    }
  }
  return el('section', { 'aria-label': 'Images' },
    splitBar({ title: `Images active since ${new Date(summary.active_from).toLocaleString()}`, parts: [
      { label: 'Active', value: summary.statistics.active }, { label: 'Inactive', value: summary.statistics.inactive }] }),
    filters,
    list.results.length ? el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['', 'Digest', 'Tags', 'Pushed', 'Pulled', 'Status'].map((h) =>
        el('th', { scope: 'col' }, h)))), el('tbody', {}, rows))) : el('p', { class: 'empty' }, 'No images match.'),
    pager({ page, pageSize: PAGE_SIZE, count: list.count, onPage: (n) => setParams({ page: n }), label: 'Image pages' }),
    el('div', { class: 'toolbar' }, preview), report);
}

function metrics(result, dryRun) {
  const m = result.metrics;
  return el('div', { class: 'card report', dataset: { testid: dryRun ? 'dry-run-report' : 'delete-report' } },
    el('h3', {}, dryRun ? 'Dry run: nothing was deleted' : 'Deleted'),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Images to delete'), el('dd', {}, String(m.manifest_deletes)),
      el('dt', {}, 'Tags to delete'), el('dd', {}, String(m.tag_deletes)),
      el('dt', {}, 'Image errors'), el('dd', {}, String(m.manifest_errors)),
      el('dt', {}, 'Tag errors'), el('dd', {}, String(m.tag_errors))));
}

function problems(details) {
  const item = (x, kind) => el('li', { class: kind }, `${kind === 'error' ? 'Error' : 'Warning'}: ${x.error || x.warning}`
    + ` — ${shortDigest(x.digest)}` + (x.tags && x.tags.length ? ` (tags ${x.tags.join(', ')})` : ''));
  return el('div', { class: 'card report', role: 'alert' }, el('h3', {}, 'The deletion needs your attention'),
    el('ul', {}, (details.errors || []).map((x) => item(x, 'error')), (details.warnings || []).map((x) => item(x, 'warning'))));
}

/** Whether the namespace is one of the signed-in user's organizations (only those have teams). */
function isOrganization(session, ns) {
  const s = session.current;
  return Boolean(s) && ns !== s.username && s.namespaces.includes(ns);
}

function settingsTab(ns, repo, info, organization) {
  const description = el('input', { name: 'description', maxlength: 100, value: info.description || '' });
  const full = el('textarea', { name: 'full_description', rows: 8, maxlength: 25000 }, info.full_description || '');
  const isPrivate = el('input', { type: 'checkbox', name: 'is_private', checked: info.is_private });
  const status = el('div', { 'aria-live': 'polite' });
  const preview = el('div', { class: 'card preview', 'aria-label': 'Preview' }, renderMarkdown(full.value));
  full.addEventListener('input', () => preview.replaceChildren(renderMarkdown(full.value)));
  const general = el('form', { class: 'card stack', onsubmit: async (e) => {
    e.preventDefault();
    status.replaceChildren();
    try {
      await api('PATCH', `/v2/repositories/${enc(ns)}/${enc(repo)}/`, { description: description.value,
        full_description: full.value, is_private: isPrivate.checked });
      toast('Saved');
      navigate(repoHref(ns, repo, '?tab=settings'), true);
    } catch (err) { status.append(errorBox(err)); }
  } }, el('h2', {}, 'Description and visibility'), field('Short description', description),
  field('Overview (Markdown)', full, 'Headings, lists, `code`, **bold**, *italic* and links; HTML is shown as text.'),
  el('h3', {}, 'Preview'), preview,
  el('label', { class: 'check' }, isPrivate, ' Private: only people with access can see and pull it'), status,
  el('button', { type: 'submit', class: 'primary' }, 'Save'));

  const settings = info.immutable_tags_settings || { enabled: false, rules: [] };
  const immutable = el('input', { type: 'checkbox', checked: settings.enabled });
  const rules = el('textarea', { rows: 3 }, (settings.rules || []).join('\n'));
  const istatus = el('div', { 'aria-live': 'polite' });
  const immutableForm = el('form', { class: 'card stack', onsubmit: async (e) => {
    e.preventDefault();
    istatus.replaceChildren();
    try {
      await api('PATCH', `/v2/namespaces/${enc(ns)}/repositories/${enc(repo)}/immutabletags`, {
        immutable_tags: immutable.checked, immutable_tags_rules: rules.value.split('\n').map((r) => r.trim()).filter(Boolean) });
      toast('Immutable tag rules saved');
    } catch (err) { istatus.append(errorBox(err)); }
  } }, el('h2', {}, 'Immutable tags'),
  el('label', { class: 'check' }, immutable, ' Tags matching a rule can be pushed once and never moved'),
  field('Rules (one regular expression per line, matched against the whole tag)', rules), istatus,
  el('button', { type: 'submit' }, 'Save rules'));
  return el('div', {}, el('div', { class: 'grid2' }, general, immutableForm),
    organization ? teamPermissions(ns, repo) : null);
}

/**
 * The teams with a permission on the repository, each with a revoke button. Granting stays on the
 * organization's Teams tab, where the teams are; listing and revoking use Wharf's additions to the Hub API.
 */
function teamPermissions(ns, repo) {
  const path = `/v2/repositories/${enc(ns)}/${enc(repo)}/groups`;
  const content = el('div', {}, el('p', { class: 'muted' }, 'Loading team permissions…'));
  async function load(page) {
    try {
      const data = await api('GET', path + query({ page, page_size: PAGE_SIZE }));
      if (!data.results.length && page > 1) { load(page - 1); return; }
      content.replaceChildren(data.results.length ? el('div', { class: 'table-wrap' }, el('table', {},
        el('thead', {}, el('tr', {}, ['Team', 'Permission', ''].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, data.results.map((g) => el('tr', {},
          el('td', {}, g.group_name), el('td', {}, badge(g.permission)),
          el('td', { class: 'actions' }, revokeButton(g, page)))))))
        : el('p', { class: 'empty' }, 'No team has a permission on this repository.'),
      pager({ page, pageSize: PAGE_SIZE, count: data.count, onPage: load, label: 'Team permission pages' }));
    } catch (err) { content.replaceChildren(errorBox(err)); }
  }
  function revokeButton(g, page) {
    const button = el('button', { type: 'button', class: 'small danger',
      'aria-label': `Revoke ${g.permission} for the team ${g.group_name}` }, 'Revoke');
    button.addEventListener('click', async () => {
      if (!confirm(`Take the ${g.permission} permission on ${ns}/${repo} away from the team ${g.group_name}?`)) return;
      try {
        await api('DELETE', `${path}/${enc(g.group_id)}`);
        toast('Permission revoked');
        await load(page);
        heading.focus(); // the button is gone with its row: keep keyboard users in this section
      } catch (err) { button.after(errorBox(err)); }
    });
    return button;
  }
  const heading = el('h2', { tabindex: -1 }, 'Team permissions');
  load(1);
  return el('section', { class: 'card stack', 'aria-label': 'Team permissions' }, heading,
    el('p', { class: 'muted small' }, 'Members of these teams may use the repository. Grant permissions on the ',
      el('a', { href: `/orgs/${enc(ns)}?tab=teams` }, 'organization\'s Teams tab'), '.'),
    content);
}
