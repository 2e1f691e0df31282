// The console's shell: who is signed in, the navigation bar, and a router from paths to pages.
import { api, setCsrf, whenSignedOut, ApiError } from './api.js';
import { el, clear } from './html.js';
import { navigate, errorBox } from './ui.js';
import { signInPage } from './pages/signin.js';
import { repositoriesPage } from './pages/repositories.js';
import { repositoryPage } from './pages/repository.js';
import { imagePage } from './pages/image.js';
import { tokensPage } from './pages/tokens.js';
import { sourcesPage } from './pages/sources.js';
import { jobsPage, jobPage } from './pages/jobs.js';
import { auditPage } from './pages/audit.js';
import { accountPage } from './pages/account.js';
import { orgPage } from './pages/org.js';
import { mirrorsPage } from './pages/mirrors.js';
import { namespaceRetentionPage } from './pages/retention.js';
import { quotasPage } from './pages/quotas.js';

const session = { current: null };
/** First path segments whose second segment is a namespace (the picker keeps the section when switching). */
const NAMESPACED = ['repositories', 'sources', 'jobs', 'audit', 'orgs', 'retention'];

const routes = [
  [/^\/signin$/, () => signInPage(session, onSignedIn)],
  [/^\/repositories\/([^/]+)$/, (ns) => repositoriesPage(session, ns)],
  // A repository's name may have several segments (a mirror's library/alpine); an image page's last segment is a
  // digest, whose ':' (sent as %3A) no repository name has, so the image route is tried first.
  [/^\/repositories\/([^/]+)\/(.+)\/images\/([^/]*(?::|%3[aA])[^/]*)$/,
    (ns, repo, d) => imagePage(session, ns, repo, d)],
  [/^\/repositories\/([^/]+)\/(.+)$/, (ns, repo) => repositoryPage(session, ns, repo)],
  [/^\/tokens$/, () => tokensPage(session)],
  [/^\/sources\/([^/]+)$/, (hub) => sourcesPage(session, hub)],
  [/^\/jobs\/([^/]+)$/, (hub) => jobsPage(session, hub)],
  [/^\/jobs\/([^/]+)\/([^/]+)$/, (hub, id) => jobPage(session, hub, id)],
  [/^\/audit\/([^/]+)$/, (account) => auditPage(session, account)],
  [/^\/account$/, () => accountPage(session)],
  [/^\/orgs\/([^/]+)$/, (org) => orgPage(session, org)],
  [/^\/mirrors$/, () => mirrorsPage(session)],
  [/^\/retention\/([^/]+)$/, (ns) => namespaceRetentionPage(session, ns)],
  [/^\/admin\/quotas$/, () => quotasPage(session)],
];

/** Each page render gets a token; a page that finished loading after the user moved on must not draw. */
let renderCount = 0;
export function isCurrent(token) { return token === renderCount; }

/** Path and query of the last render: a jump to #fragment (the skip link) also fires popstate, and must not re-render. */
let rendered = null;

async function render() {
  rendered = location.pathname + location.search;
  const token = ++renderCount;
  const main = document.getElementById('main');
  const path = location.pathname.replace(/\/+$/, '') || '/';
  if (!session.current && path !== '/signin') {
    navigate('/signin?next=' + encodeURIComponent(location.pathname + location.search), true);
    return;
  }
  drawHeader();
  if (path === '/' || path === '/signin' && session.current) {
    navigate('/repositories/' + encodeURIComponent(session.current.namespaces[0] || session.current.username), true);
    return;
  }
  for (const [pattern, page] of routes) {
    const m = path.match(pattern);
    if (!m) continue;
    try {
      const content = await page(...m.slice(1).map(decodeURIComponent));
      if (token !== renderCount) return;
      clear(main).append(content);
    } catch (e) {
      if (token !== renderCount) return;
      clear(main).append(errorBox(e));
    }
    if (renderCount > 1) focusMain(main); // a fresh page load starts at the top, where the skip link is
    return;
  }
  clear(main).append(el('h1', {}, 'Not found'), el('p', {}, 'Nothing in the console lives at this address.'));
}

/** Moves focus to the new content, so keyboard and screen-reader users start reading where the page changed. */
function focusMain(main) {
  const heading = main.querySelector('h1');
  (heading || main).setAttribute('tabindex', '-1');
  (heading || main).focus({ preventScroll: true });
}

function drawHeader() {
  const top = clear(document.getElementById('top'));
  const brand = el('a', { href: '/', class: 'brand' }, el('img', { src: '/assets/wharf.svg', alt: '', width: 24,
    height: 24 }), 'Wharf');
  if (!session.current) { top.append(brand); return; }
  const s = session.current;
  const ns = currentNamespace(s);
  const links = [
    ['Repositories', '/repositories/' + encodeURIComponent(ns)],
    ['Sources', '/sources/' + encodeURIComponent(ns)],
    ['Jobs', '/jobs/' + encodeURIComponent(ns)],
    ['Tokens', '/tokens'],
    ['Audit log', '/audit/' + encodeURIComponent(ns)],
  ];
  if (ns !== s.username && s.namespaces.includes(ns)) links.push(['Organization', '/orgs/' + encodeURIComponent(ns)]);
  if (s.admin) links.push(['Mirrors', '/mirrors']);
  if (s.admin) links.push(['Quotas', '/admin/quotas']);
  links.push(['Account', '/account']);
  const nav = el('nav', { 'aria-label': 'Main' }, el('ul', {}, links.map(([label, href]) =>
    el('li', {}, el('a', { href, 'aria-current': location.pathname.startsWith(href.split('/').slice(0, 2).join('/'))
      ? 'page' : null }, label)))));
  const picker = el('select', { 'aria-label': 'Namespace', id: 'namespace-picker' },
    s.namespaces.map((n) => el('option', { value: n, selected: n === ns }, n)));
  picker.addEventListener('change', () => {
    const section = location.pathname.split('/')[1];
    const scoped = NAMESPACED.includes(section) ? section : 'repositories';
    navigate('/' + scoped + '/' + encodeURIComponent(picker.value));
  });
  const signOut = el('button', { type: 'button', class: 'link', onclick: async () => {
    try { await api('DELETE', '/console/api/session'); } finally {
      session.current = null;
      setCsrf(null);
      navigate('/signin');
    }
  } }, 'Sign out');
  top.append(brand, nav, el('div', { class: 'who' }, picker, el('span', { class: 'muted' }, s.username), signOut));
}

/** The namespace the URL is about, else the user's own. */
export function currentNamespace(s) {
  const parts = location.pathname.split('/');
  if (NAMESPACED.includes(parts[1]) && parts[2]) {
    return decodeURIComponent(parts[2]);
  }
  return s.namespaces[0] || s.username;
}

function onSignedIn(current) {
  session.current = current;
  setCsrf(current.csrf_token);
  const next = new URLSearchParams(location.search).get('next');
  navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
}

// Links inside the console navigate without reloading the page.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
  if ((a.getAttribute('href') || '').startsWith('#')) return; // in-page jumps such as the skip link
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || /^\/(v1|v2|token|assets)\b/.test(url.pathname) || a.hasAttribute('download')) {
    return;
  }
  e.preventDefault();
  navigate(url.pathname + url.search);
});

whenSignedOut(() => {
  if (session.current) {
    session.current = null;
    navigate('/signin?next=' + encodeURIComponent(location.pathname + location.search), true);
  }
});

window.addEventListener('popstate', () => {
  if (location.pathname + location.search !== rendered) render();
});
window.addEventListener('wharf:navigate', render);

(async function start() {
  try {
    const current = await api('GET', '/console/api/session', undefined, { allowUnauthenticated: true });
    session.current = current;
    setCsrf(current.csrf_token);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) console.warn(e);
  }
  render();
}());
