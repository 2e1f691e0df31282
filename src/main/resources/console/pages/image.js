// One image (manifest) of a repository: what it is (media type, size, activity), its platforms (an index) or
// layers (an image), its referrers (signatures, SBOMs), its tag history as a timeline, the raw manifest, and the
// commands to fetch exactly it. Read through the Hub API, so looking is not a pull.
import { api, enc, repoHref } from '../api.js';
import { el, bytes, when, badge, copyButton, shortDigest } from '../html.js';
import { pageTitle } from '../ui.js';

export async function imagePage(session, ns, repo, digest) {
  const base = `/v2/namespaces/${enc(ns)}/repositories/${enc(repo)}`;
  const d = await api('GET', `${base}/images/${enc(digest)}/details`);
  const imageLink = (dg, text) => el('a', { href: repoHref(ns, repo, `/images/${enc(dg)}`), class: 'mono',
    title: dg }, text || shortDigest(dg));
  const ref = `${location.host}/${ns}/${repo}@${digest}`;
  const m = d.manifest || {};
  return el('div', {},
    pageTitle('Image', d.artifact_type ? badge(kindOf(d.artifact_type)) : null),
    el('p', {}, el('a', { href: repoHref(ns, repo, '?tab=images') }, `← ${ns}/${repo}`)),
    el('div', { class: 'grid2' },
      el('section', { class: 'card' }, el('h2', {}, 'Digest'), el('p', { class: 'mono wrap' }, d.digest),
        el('dl', { class: 'facts' },
          el('dt', {}, 'Media type'), el('dd', { class: 'mono small wrap' }, d.media_type),
          d.artifact_type ? [el('dt', {}, 'Artifact type'), el('dd', { class: 'mono small wrap' }, d.artifact_type)] : null,
          el('dt', {}, 'Size'), el('dd', {}, bytes(d.size)),
          el('dt', {}, 'Pushed'), el('dd', {}, when(d.pushed_at)),
          el('dt', {}, 'Last pulled'), el('dd', {}, when(d.last_pulled)),
          el('dt', {}, 'Pulls'), el('dd', {}, String(d.pull_count)))),
      el('section', { class: 'card' }, el('h2', {}, 'Copy'),
        el('div', { class: 'command' }, el('code', {}, `docker pull ${ref}`), copyButton(`docker pull ${ref}`)),
        el('div', { class: 'command' }, el('code', {}, `skopeo copy docker://${ref} oci:./${repo}`),
          copyButton(`skopeo copy docker://${ref} oci:./${repo}`)))),
    Array.isArray(m.manifests) ? el('section', { class: 'card' }, el('h2', {}, 'Platforms'),
      el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {}, ['Platform', 'Digest', 'Size'].map((h) =>
        el('th', { scope: 'col' }, h)))), el('tbody', {}, m.manifests.map((c) => el('tr', {},
        el('td', {}, platform(c.platform)),
        // A sparse index (a mirror of some platforms) lists children this registry does not hold: no link to a 404.
        el('td', {}, (d.missing_children || []).includes(c.digest)
          ? [el('span', { class: 'mono', title: c.digest }, shortDigest(c.digest)), ' ', badge('not stored here')]
          : imageLink(c.digest)),
        el('td', { class: 'num' }, bytes(c.size)))))))) : null,
    Array.isArray(m.layers) ? el('section', { class: 'card' }, el('h2', {}, `Layers (${m.layers.length})`),
      m.config ? el('p', { class: 'small' }, 'Config ', el('span', { class: 'mono', title: m.config.digest }, shortDigest(m.config.digest)),
        ' · ', bytes(m.config.size), ' · ', el('span', { class: 'mono' }, m.config.mediaType)) : null,
      el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {}, ['#', 'Digest', 'Media type', 'Size'].map((h) =>
        el('th', { scope: 'col' }, h)))), el('tbody', {}, m.layers.map((l, i) => el('tr', {},
        el('td', {}, String(i + 1)), el('td', { class: 'mono', title: l.digest }, shortDigest(l.digest)),
        el('td', { class: 'mono small' }, l.mediaType), el('td', { class: 'num' }, bytes(l.size)))))))) : null,
    el('section', { class: 'card' }, el('h2', {}, 'Referrers'),
      d.referrers.length ? el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {},
        ['Kind', 'Artifact type', 'Digest', 'Size', 'Pushed'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, d.referrers.map((r) => el('tr', {}, el('td', {}, badge(kindOf(r.artifact_type))),
        el('td', { class: 'mono small' }, r.artifact_type || '—'), el('td', {}, imageLink(r.digest)),
        el('td', { class: 'num' }, bytes(r.size)), el('td', {}, when(r.pushed_at)))))))
        : el('p', { class: 'empty' }, 'No signatures, SBOMs or other artifacts refer to this image.')),
    el('section', { class: 'card' }, el('h2', {}, 'Tag history'),
      d.tag_history.length ? el('ol', { class: 'timeline' }, d.tag_history.map((e) => el('li', { class: e.digest === d.digest && e.action !== 'delete' ? 'current' : 'past' },
        when(e.at), ' ', el('strong', {}, e.tag), ' ', describe(e, d.digest, imageLink))))
        : el('p', { class: 'empty' }, 'No tag ever pointed at this image.')),
    el('details', { class: 'card' }, el('summary', {}, 'Manifest'), el('pre', { class: 'manifest' }, JSON.stringify(m, null, 2))));
}

function platform(p) {
  if (!p) return '—';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/') + (p['os.version'] ? ` (${p['os.version']})` : '');
}

/** A person's word for an artifact type. */
function kindOf(type) {
  const t = (type || '').toLowerCase();
  if (!t || /image\.config|container\.image/.test(t)) return 'image'; // an image's config type, not an artifact
  if (/signature|cosign|notary|sigstore/.test(t)) return 'signature';
  if (/spdx|cyclonedx|sbom|syft/.test(t)) return 'SBOM';
  if (/attestation|in-toto|provenance/.test(t)) return 'attestation';
  return 'artifact';
}

function describe(e, self, imageLink) {
  if (e.action === 'push') return 'pushed here';
  if (e.action === 'delete') return 'deleted';
  if (e.digest === self) return ['moved here', e.previous ? [' from ', imageLink(e.previous)] : ''];
  return ['moved away to ', imageLink(e.digest)];
}
