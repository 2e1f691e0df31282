// A repository's webhooks (Docker Hub's webhook_pipeline endpoints): create one (its signing secret is shown
// once), see each pipeline's deliveries with every attempt, redeliver one, delete a pipeline.
import { api, query, enc } from '../api.js';
import { el, when, badge, field, copyButton } from '../html.js';
import { pager, errorBox, toast } from '../ui.js';

const PAGE_SIZE = 10;
const EVENTS = ['push', 'tag.deleted', 'image.deleted', 'import.completed', 'import.failed', 'build.completed',
  'build.failed'];

export function webhooksTab(ns, repo) {
  const base = `/v2/repositories/${enc(ns)}/${enc(repo)}/webhook_pipeline`;
  const list = el('div', { class: 'stack' }, el('p', { class: 'muted' }, 'Loading webhooks…'));
  const secretBox = el('div', {});

  async function load() {
    try {
      const data = await api('GET', base + '/' + query({ page_size: 100 }));
      list.replaceChildren(...(data.results.length ? data.results.map(pipelineCard)
        : [el('p', { class: 'empty' }, 'No webhooks yet.')]));
    } catch (err) { list.replaceChildren(errorBox(err)); }
  }

  function pipelineCard(p) {
    const deliveries = el('div', {}, el('p', { class: 'muted' }, 'Loading deliveries…'));
    async function loadDeliveries(page) {
      try {
        const data = await api('GET', `${base}/${enc(p.slug)}/deliveries/` + query({ page, page_size: PAGE_SIZE }));
        deliveries.replaceChildren(data.results.length ? el('div', { class: 'table-wrap' }, el('table', {},
          el('caption', {}, `Deliveries of ${p.name}`),
          el('thead', {}, el('tr', {}, ['Delivery', 'Event', 'State', 'Attempts', 'Last answer', 'Queued', '']
            .map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, data.results.map((d) => deliveryRow(p, d, () => loadDeliveries(page))))))
          : el('p', { class: 'empty' }, 'Nothing delivered yet: push a tag to see one here.'),
        pager({ page, pageSize: PAGE_SIZE, count: data.count, onPage: loadDeliveries, label: 'Delivery pages' }));
      } catch (err) { deliveries.replaceChildren(errorBox(err)); }
    }
    const remove = el('button', { type: 'button', class: 'small danger', 'aria-label': `Delete the webhook ${p.name}` },
      'Delete');
    remove.addEventListener('click', async () => {
      if (!confirm(`Delete the webhook ${p.name} and its delivery log?`)) return;
      try {
        await api('DELETE', `${base}/${enc(p.slug)}/`);
        toast('Webhook deleted');
        load();
      } catch (err) { remove.after(errorBox(err)); }
    });
    const refresh = el('button', { type: 'button', class: 'small' }, 'Refresh');
    refresh.addEventListener('click', () => loadDeliveries(1));
    loadDeliveries(1);
    return el('section', { class: 'card stack', 'aria-label': `Webhook ${p.name}`, 'data-webhook': p.slug },
      el('h3', {}, p.name, ' ', ...p.events.map((e) => badge(e))),
      el('p', { class: 'small' }, p.webhooks.map((w) => w.hook_url).join(', ')),
      el('div', { class: 'actions' }, refresh, remove), deliveries);
  }

  function deliveryRow(p, d, reload) {
    const last = d.log.length ? d.log[d.log.length - 1] : null;
    const answer = !last ? '—' : last.error ? `${last.status ?? ''} ${last.error}`.trim() : String(last.status);
    const again = el('button', { type: 'button', class: 'small', 'aria-label': `Redeliver ${d.id}` }, 'Redeliver');
    again.addEventListener('click', async () => {
      try {
        await api('POST', `${base}/${enc(p.slug)}/deliveries/${enc(d.id)}/redeliver`);
        toast('Queued again');
        reload();
      } catch (err) { again.after(errorBox(err)); }
    });
    return el('tr', { 'data-delivery': d.id },
      el('td', {}, el('code', { title: d.id }, d.id.slice(0, 8))), el('td', {}, d.event),
      el('td', {}, badge(d.state, { delivered: 'completed', failed: 'error', pending: 'queued' }[d.state])),
      el('td', {}, String(d.attempts)), el('td', {}, answer), el('td', {}, when(d.created)),
      el('td', { class: 'actions' }, again));
  }

  const name = el('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const url = el('input', { name: 'hook_url', type: 'url', required: true, placeholder: 'https://ci.example/hook' });
  const boxes = EVENTS.map((e) => el('input', { type: 'checkbox', value: e, checked: e === 'push' }));
  const form = el('form', { class: 'card stack', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const created = await api('POST', base + '/', { name: name.value, webhooks: [{ name: name.value, hook_url: url.value }],
        events: boxes.filter((b) => b.checked).map((b) => b.value) });
      secretBox.replaceChildren(el('div', { class: 'card stack', role: 'status' },
        el('h3', {}, 'Signing secret of ', created.name),
        el('p', {}, 'Copy it now: it is not shown again. Deliveries carry X-Wharf-Signature: sha256=<HMAC of the body>.'),
        el('code', { class: 'secret' }, created.secret), copyButton(created.secret, 'Copy secret')));
      form.reset();
      boxes.forEach((b) => { b.checked = b.value === 'push'; });
      load();
    } catch (err) { form.append(errorBox(err)); }
  } }, el('h2', {}, 'New webhook'), field('Webhook name', name), field('Receiver URL', url, 'Receives a POST for every event below.'),
  el('fieldset', {}, el('legend', {}, 'Events'),
    ...boxes.map((b) => el('label', { class: 'check' }, b, ' ', b.value))),
  el('button', { type: 'submit' }, 'Create webhook'));

  load();
  return el('div', { class: 'stack' }, form, secretBox, el('h2', {}, 'Webhooks'), list);
}
