// One image (manifest) of a repository: its digest, the commands to fetch exactly it, and its tags as a
// timeline — current tags first, then tags that pointed at it before.
import { api, query, enc } from '../api.js';
import { el, copyButton } from '../html.js';
import { pager, params, setParams, pageTitle } from '../ui.js';

export async function imagePage(session, ns, repo, digest) {
  const page = Number(params().get('page')) || 1;
  const base = `/v2/namespaces/${enc(ns)}/repositories/${enc(repo)}`;
  const tags = await api('GET', `${base}/images/${enc(digest)}/tags` + query({ page, page_size: 50 }));
  const ref = `${location.host}/${ns}/${repo}@${digest}`;
  const timeline = el('ol', { class: 'timeline' }, tags.results.map((t) => el('li', { class: t.is_current ? 'current' : 'past' },
    el('strong', {}, t.tag), ' ', t.is_current ? 'points here now' : 'pointed here before')));
  return el('div', {},
    pageTitle('Image'),
    el('p', {}, el('a', { href: `/repositories/${enc(ns)}/${enc(repo)}?tab=images` }, `← ${ns}/${repo}`)),
    el('section', { class: 'card' },
      el('h2', {}, 'Digest'), el('p', { class: 'mono wrap' }, digest),
      el('div', { class: 'command' }, el('code', {}, `docker pull ${ref}`), copyButton(`docker pull ${ref}`)),
      el('div', { class: 'command' }, el('code', {}, `skopeo inspect --raw docker://${ref}`),
        copyButton(`skopeo inspect --raw docker://${ref}`))),
    el('section', { class: 'card' }, el('h2', {}, 'Tag history'),
      tags.results.length ? timeline : el('p', { class: 'empty' }, 'No tag ever pointed at this image.'),
      pager({ page, pageSize: 50, count: tags.count, onPage: (n) => setParams({ page: n }), label: 'Tag history pages' })));
}
