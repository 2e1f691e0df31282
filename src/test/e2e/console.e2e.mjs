// End-to-end test of the Wharf web console in headless Chromium (Debian's /usr/bin/chromium), driven by
// playwright-core. Run by dev.wharf.it.ConsoleE2EIT, which starts Wharf and a Distribution upstream, pushes the
// images with skopeo and passes everything in environment variables. Each step prints "ok"/"not ok"; the last
// line is "N passed, N failed" and the exit code is non-zero when any step failed.
import { chromium } from 'playwright-core';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
};
const BASE = env('WHARF_URL');
const USER = env('WHARF_USER');
const PASSWORD = env('WHARF_PASSWORD');
const UPSTREAM = env('UPSTREAM_URL');
const SHOTS = env('SCREENSHOT_DIR');
const BIG_REPO = process.env.BIG_REPOSITORY || '';
const HOOK_URL = env('HOOK_URL');
const PUSH_TOKEN = env('PUSH_TOKEN');

/** Tags an existing manifest again over the registry API, as a CI job's push would: one push event. */
async function pushTag(repository, from, to) {
  const basic = 'Basic ' + Buffer.from(`${USER}:${PUSH_TOKEN}`).toString('base64');
  const grant = await fetch(`${BASE}/token?service=wharf&scope=repository:${repository}:pull,push`,
    { headers: { Authorization: basic } });
  check(grant.ok, 'token: ' + grant.status);
  const auth = { Authorization: 'Bearer ' + (await grant.json()).token };
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json,'
    + ' application/vnd.docker.distribution.manifest.v2+json';
  const got = await fetch(`${BASE}/v2/${repository}/manifests/${from}`, { headers: { ...auth, Accept: accept } });
  check(got.ok, 'manifest GET: ' + got.status);
  const put = await fetch(`${BASE}/v2/${repository}/manifests/${to}`, { method: 'PUT',
    headers: { ...auth, 'Content-Type': got.headers.get('content-type') }, body: Buffer.from(await got.arrayBuffer()) });
  check(put.status === 201, 'manifest PUT: ' + put.status);
}
/** Pushes a small image of its own (a random layer and config) over the registry API: a distinct manifest. */
async function pushDistinctImage(repository, tag) {
  const basic = 'Basic ' + Buffer.from(`${USER}:${PUSH_TOKEN}`).toString('base64');
  const grant = await fetch(`${BASE}/token?service=wharf&scope=repository:${repository}:pull,push`,
    { headers: { Authorization: basic } });
  check(grant.ok, 'token: ' + grant.status);
  const auth = { Authorization: 'Bearer ' + (await grant.json()).token };
  const blob = async (bytes) => {
    const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    const put = await fetch(`${BASE}/v2/${repository}/blobs/uploads/?digest=${digest}`, { method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: bytes });
    check(put.status === 201, 'blob upload: ' + put.status);
    return { digest, size: bytes.length };
  };
  const layer = await blob(randomBytes(4096));
  const config = await blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', tag,
    rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }] });
  const put = await fetch(`${BASE}/v2/${repository}/manifests/${tag}`, { method: 'PUT',
    headers: { ...auth, 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest });
  check(put.status === 201, 'manifest PUT: ' + put.status);
}
mkdirSync(SHOTS, { recursive: true });

let passed = 0;
let failed = 0;
const timings = {};

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// RFC 6238 TOTP (SHA-1, 30 s, 6 digits), as an authenticator app computes it.
function base32(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
function totp(secret, step = Math.floor(Date.now() / 30000)) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

// A persistent context over a fresh, empty profile directory: the user-data-dir is ours and starts clean.
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'wharf-e2e-')), {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
  viewport: { width: 1280, height: 860 },
  baseURL: BASE,
});
const page = await context.newPage();
const dialogs = [];
let acceptDialogs = 0; // confirms a step means to answer OK; every other dialog is dismissed
page.on('dialog', async (d) => {
  dialogs.push(d.message());
  if (acceptDialogs > 0) { acceptDialogs--; await d.accept(); } else await d.dismiss();
});
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
const shot = (name) => page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
let totpSecret = null;
let enrolledStep = null;
let signedOutToken = null;

async function signIn() {
  await page.goto('/signin');
  await page.getByLabel('Username').fill(USER);
  await page.getByLabel('Password or access token').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to Wharf' }).waitFor();
}

try {
  await step('anonymous visit goes to sign-in; security headers are set', async () => {
    const response = await page.goto('/repositories/' + USER);
    const csp = response.headers()['content-security-policy'];
    check(csp && csp.includes("default-src 'self'") && !csp.includes('unsafe-inline'), 'strict CSP: ' + csp);
    await page.getByRole('heading', { name: 'Sign in to Wharf' }).waitFor();
    await shot('signin');
  });

  await step('wrong password is refused in words', async () => {
    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password or access token').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Incorrect authentication credentials' }).waitFor();
  });

  await step('sign in with password, session cookie is HttpOnly and SameSite=Strict', async () => {
    await signIn();
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'wharf_session');
    check(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', 'cookie flags: ' + JSON.stringify(cookie));
    check(await page.evaluate(() => !document.cookie.includes('wharf_session')), 'script can read the session');
  });

  await step('enroll two-factor authentication and see recovery codes once', async () => {
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    totpSecret = (await page.getByTestId('totp-secret').textContent()).trim();
    // The QR code must carry exactly the otpauth link: decoded from a screenshot by zbarimg (Debian zbar-tools).
    const link = await page.getByTestId('otpauth-link').getAttribute('href');
    check(link.startsWith('otpauth://totp/') && link.includes('secret=' + totpSecret), 'otpauth link: ' + link);
    const qrPng = join(SHOTS, 'qr-code.png');
    await page.getByRole('img', { name: 'QR code of the two-factor setup link' }).screenshot({ path: qrPng });
    check(existsSync('/usr/bin/zbarimg'), 'zbarimg is missing: apt-get install zbar-tools');
    const decoded = execFileSync('/usr/bin/zbarimg', ['-q', '--raw', qrPng], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString().trim();
    check(decoded === link, 'QR code decodes to ' + decoded);
    await shot('account-2fa-enroll');
    enrolledStep = Math.floor(Date.now() / 30000);
    await page.getByLabel('Code', { exact: true }).fill(totp(totpSecret, enrolledStep));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const codes = page.getByTestId('recovery-codes');
    await codes.waitFor();
    check((await codes.locator('li').count()) === 10, 'ten recovery codes');
    check(await page.getByRole('link', { name: 'Download codes' }).getAttribute('download'), 'download link');
    await shot('account-2fa');
  });

  await step('sign out and sign in again with the second factor', async () => {
    signedOutToken = ((await context.cookies()).find((c) => c.name === 'wharf_session') || {}).value;
    await signOut();
    check(!(await context.cookies()).some((c) => c.name === 'wharf_session' && c.value), 'cookie cleared');
    // A code is accepted once per 30-second step: wait for the step after the one used to enroll.
    while (Math.floor(Date.now() / 30000) <= enrolledStep) await page.waitForTimeout(500);
    await signIn();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
    await page.getByLabel('Code', { exact: true }).fill('000000' === totp(totpSecret) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Code', { exact: true }).fill(totp(totpSecret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
  });

  await step('sign-out revoked the old session; the account page lists this one', async () => {
    check(signedOutToken, 'the first session was captured');
    const r = await fetch(BASE + '/v2/access-tokens', { headers: { Authorization: 'Bearer ' + signedOutToken } });
    check(r.status === 401, 'the signed-out session still works: ' + r.status);
    await page.goto('/account');
    const card = page.getByTestId('sessions');
    await card.getByText('this session').waitFor();
    check((await card.getByRole('row').count()) >= 2, 'a header row and the session');
    check(!(await card.textContent()).includes('null'), 'a stray "null" on the card: ' + await card.textContent());
    await shot('account-sessions');
    await page.goto('/repositories/' + USER);
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
  });

  await step('repositories list shows the repository skopeo pushed', async () => {
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'demo', exact: true }) });
    await row.waitFor();
    check((await row.textContent()).includes('public') || (await row.textContent()).includes('private'), 'badge');
    await shot('repositories');
  });

  await step('repository page lists tags with digest and size, and the pull command', async () => {
    await page.getByRole('link', { name: 'demo', exact: true }).click();
    await page.getByRole('heading', { name: `${USER}/demo` }).waitFor();
    await page.getByRole('cell', { name: '1.0', exact: true }).waitFor();
    await page.getByRole('cell', { name: '2.0', exact: true }).waitFor();
    check(await page.getByText(`docker pull ${new URL(BASE).host}/${USER}/demo`).count() === 1, 'pull command');
    const chart = page.getByRole('figure').filter({ hasText: 'Pulls per day' });
    await chart.waitFor();
    check((await chart.textContent()).includes('(3 in all)'), 'the three skopeo pulls: ' + await chart.textContent());
    await shot('repository');
  });

  await step('image page shows layers and tag history, and looking at it is not a pull', async () => {
    const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: '1.0', exact: true }) });
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: 'Layers (1)' }).waitFor();
    await page.getByRole('heading', { name: 'Referrers' }).waitFor();
    const referrer = page.getByRole('row').filter({ hasText: 'application/vnd.dev.cosign.simplesigning.v1+json' });
    check((await referrer.textContent()).includes('signature'), 'the signature referrer: ' + await referrer.textContent());
    const timeline = await page.locator('.timeline').textContent();
    check(timeline.includes('1.0 pushed here'), 'tag history: ' + timeline);
    const digest = decodeURIComponent(page.url().split('/').pop());
    const pulls = () => page.evaluate(async ([u, d]) => (await (await fetch(
      `/v2/namespaces/${u}/repositories/demo/images/${d}/details`)).json()).pull_count, [USER, digest]);
    const before = await pulls();
    await page.reload();
    await page.getByRole('heading', { name: 'Layers (1)' }).waitFor();
    await page.waitForTimeout(1500); // pull counts are written every second
    check(before === 3 && await pulls() === 3, `pull count ${before} -> ${await pulls()}, expected the IT's 3`);
    await shot('image');
    await page.goBack();
    await page.getByRole('heading', { name: `${USER}/demo` }).waitFor();
  });

  await step('a description with a <script> payload is shown as text and never runs', async () => {
    const payload = '# Demo\n\n<script>window.__xss = 1; alert("xss")</script>\n\n'
      + '<img src=x onerror="window.__xss = 2; alert(\'xss\')"> **bold** [link](javascript:alert(\'xss\'))';
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Short description').fill('<b onmouseover=alert("xss")>short</b>');
    await page.getByLabel('Overview (Markdown)').fill(payload);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForTimeout(300);
    await page.goto(`/repositories/${USER}/demo`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('<script>window.__xss = 1;', { exact: false }).first().waitFor();
    check(await page.evaluate(() => window.__xss === undefined), 'payload ran: window.__xss is set');
    check(dialogs.length === 0, 'a dialog opened: ' + dialogs.join(' | '));
    check(await page.locator('.markdown img, .markdown script, a[href^="javascript"]').count() === 0,
      'payload became markup');
    check(await page.locator('.markdown strong').count() === 1, 'the safe subset still renders');
  });

  await step('create an access token and see its secret exactly once', async () => {
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Label').fill('ci-pipeline');
    await page.getByLabel(/Read and write/).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.locator('.token-secret').textContent()).trim();
    check(secret.startsWith('dckr_pat_'), 'secret shown: ' + secret.slice(0, 12));
    await page.getByRole('button', { name: /^Copy/ }).first().waitFor();
    await shot('token-created');
    await page.getByRole('button', { name: 'Done, I copied it' }).click();
    await page.getByRole('cell', { name: 'ci-pipeline' }).waitFor();
    check(!(await page.content()).includes(secret), 'secret still on the page after Done');
    await page.reload();
    await page.getByRole('cell', { name: 'ci-pipeline' }).waitFor();
    check(!(await page.content()).includes(secret), 'secret shown again');
    await shot('tokens');
  });

  await step('cleanup: dry run shows warnings and metrics, then the real delete removes the image', async () => {
    await page.goto(`/repositories/${USER}/demo?tab=images`);
    await page.getByRole('figure').filter({ hasText: 'Images active since' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: '2.0' });
    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Preview deletion (dry run)' }).click();
    await page.getByText('Warning: current_tag').waitFor();
    await page.getByRole('button', { name: 'Accept these warnings and preview again' }).click();
    const report = page.getByTestId('dry-run-report');
    await report.waitFor();
    check((await report.textContent()).includes('Images to delete1'), 'dry run metrics: ' + await report.textContent());
    await shot('cleanup-dry-run');
    const stillThere = await page.evaluate(async (u) => (await fetch(`/v2/namespaces/${u}/repositories/demo/tags/2.0`)).status, USER);
    check(stillThere === 200, 'dry run deleted something: ' + stillThere);
    await page.getByRole('button', { name: 'Delete 1 image now' }).click();
    await page.getByText(/Deleted 1 image/).waitFor();
    const gone = await page.evaluate(async (u) => (await fetch(`/v2/namespaces/${u}/repositories/demo/tags/2.0`)).status, USER);
    check(gone === 404, 'tag 2.0 after delete: ' + gone);
  });

  await step('create a source from the local Distribution, import it and watch the job complete live', async () => {
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByText('New image source').click();
    await page.getByRole('button', { name: 'Create source' }).click();
    await page.getByRole('alert').filter({ hasText: 'Name: enter a name' }).waitFor(); // checked before sending
    await page.getByLabel('Name', { exact: true }).fill('Upstream app');
    await page.getByLabel('Origin').selectOption('docker-registry');
    await page.getByLabel('Registry URL').fill('not a url');
    await page.getByLabel('Image').fill('team/app:1.0');
    await page.getByRole('button', { name: 'Create source' }).click();
    await page.getByRole('alert').filter({ hasText: 'Registry URL' }).waitFor();
    await page.getByLabel('Registry URL').fill(UPSTREAM);
    await page.getByRole('button', { name: 'Create source' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Upstream app' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Job' }).waitFor();
    const url = page.url();
    await page.locator('[data-state="completed"], [data-state="error"]').waitFor({ timeout: 90_000 });
    check(page.url() === url, 'the page reloaded or moved');
    const state = await page.locator('[data-state]').getAttribute('data-state');
    check(state === 'completed', 'job ended ' + state + ': ' + await page.locator('main').textContent());
    check(await page.locator('progress').getAttribute('value') === '100', 'progress at 100');
    await shot('job-completed');
    await page.getByRole('link', { name: /\/upstream-app/ }).click();
    await page.getByRole('heading', { name: `${USER}/upstream-app` }).waitFor();
    await page.getByRole('cell', { name: '1.0', exact: true }).waitFor();
  });

  await step('audit log filters by action', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByLabel('Action').selectOption('repo.change_description');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=repo.change_description/);
    // The address changes first, the table when the answer arrives: wait until every row is of that action.
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('table.audit tbody td:nth-child(2)')];
      return cells.length > 0 && cells.every((c) => c.textContent === 'repo.change_description');
    });
    const actions = await page.locator('table.audit tbody td:nth-child(2)').allTextContents();
    await page.getByLabel('Action').selectOption('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => !u.search.includes('action='));
    await page.waitForFunction((n) => document.querySelectorAll('table.audit tbody tr').length > n, actions.length);
    await page.getByLabel('Action').selectOption('repo.change_description');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() => [...document.querySelectorAll('table.audit tbody td:nth-child(2)')]
      .every((c) => c.textContent === 'repo.change_description'));
    await shot('audit-log');
  });

  await step('organization: members, a team with a member and a repository permission, settings, a token', async () => {
    await page.goto('/repositories/' + USER);
    await page.getByLabel('Namespace').selectOption('acme');
    await page.getByRole('link', { name: 'Organization' }).click();
    await page.getByRole('heading', { name: 'Organization' }).waitFor();
    await page.getByRole('cell', { name: /bob/ }).waitFor();
    await page.getByRole('link', { name: 'Teams' }).click();
    await page.locator('summary', { hasText: 'New team' }).click();
    await page.getByLabel('Name', { exact: true }).fill('builders');
    await page.getByRole('button', { name: 'Create team' }).click();
    const team = page.getByRole('region', { name: 'Team builders' });
    await team.getByLabel('Username to add to builders').fill('bob');
    await team.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('region', { name: 'Team builders' }).getByText('1 member').waitFor();
    await page.getByRole('region', { name: 'Team builders' }).getByLabel('Repository for builders').fill('tool');
    await page.getByRole('region', { name: 'Team builders' }).getByRole('button', { name: 'Grant' }).click();
    await page.getByText('Permission set').waitFor();
    await shot('organization-teams');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel(/Members may pull only/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved').waitFor();
    const saved = await page.evaluate(async () => (await (await fetch('/v2/orgs/acme/settings')).json()));
    check(saved.restricted_images.enabled === true, 'setting not saved: ' + JSON.stringify(saved));
    await page.getByRole('link', { name: 'Access tokens' }).click();
    await page.getByLabel('Label').fill('ci-acme');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.locator('.token-secret').textContent()).trim();
    check(secret.startsWith('dckr_oat_'), 'organization token shown: ' + secret.slice(0, 12));
    await page.getByRole('button', { name: 'Done, I copied it' }).click();
    await page.getByRole('cell', { name: 'ci-acme' }).waitFor();
    check(!(await page.content()).includes(secret), 'organization token secret shown again');
  });

  await step('repository settings list the team permission; revoking asks first and works from the keyboard', async () => {
    await page.goto('/repositories/acme/tool?tab=settings');
    const section = page.getByRole('region', { name: 'Team permissions' });
    const row = section.getByRole('row').filter({ hasText: 'builders' });
    await row.getByText('read', { exact: true }).waitFor();
    await shot('repository-team-permissions');
    const revoke = row.getByRole('button', { name: 'Revoke read for the team builders' });
    const seen = dialogs.length;
    await revoke.focus();
    await page.keyboard.press('Enter'); // the confirm is dismissed: nothing may change
    for (let i = 0; i < 50 && dialogs.length === seen; i++) await page.waitForTimeout(100);
    check(dialogs.length === seen + 1 && dialogs[seen].includes('builders'), 'no confirm: ' + dialogs.slice(seen));
    const kept = await page.evaluate(async () => (await (await fetch('/v2/repositories/acme/tool/groups')).json()));
    check(kept.count === 1, 'cancelled revoke still revoked: ' + JSON.stringify(kept));
    acceptDialogs = 1;
    await revoke.focus();
    await page.keyboard.press('Enter');
    await page.getByText('Permission revoked').waitFor();
    await section.getByText('No team has a permission on this repository.').waitFor();
    check(await page.evaluate(() => document.activeElement.textContent) === 'Team permissions',
      'focus left the section after revoking');
    const left = await page.evaluate(async () => (await (await fetch('/v2/repositories/acme/tool/groups')).json()));
    check(left.count === 0, 'permission not revoked: ' + JSON.stringify(left));
  });

  await step('webhooks: create one, see the push delivered, redeliver it', async () => {
    await page.goto('/repositories/acme/tool?tab=webhooks');
    await page.getByLabel('Webhook name', { exact: true }).fill('ci');
    await page.getByLabel('Receiver URL', { exact: true }).fill(HOOK_URL);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('Copy it now: it is not shown again.').waitFor();
    await pushTag('acme/tool', '1.0', 'hooked');
    const card = page.locator('[data-webhook="ci"]');
    for (let i = 0; i < 50 && !(await card.getByText('delivered', { exact: true }).count()); i++) {
      await card.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(200);
    }
    await card.getByText('delivered', { exact: true }).waitFor();
    await shot('webhook-delivered');
    await card.getByRole('button', { name: /^Redeliver / }).first().click();
    await page.getByText('Queued again').waitFor();
    for (let i = 0; i < 50 && (await card.getByText('delivered', { exact: true }).count()) < 2; i++) {
      await card.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(200);
    }
    check((await card.getByText('delivered', { exact: true }).count()) === 2, 'redelivery not delivered');
  });

  // ---- Retention and quotas (issue 18): a policy set, previewed and run in the browser; quota usage seen. ----
  // Self-contained: pushes its own images into ${USER}/retained over the registry API.
  const retained = `${USER}/retained`;
  await step('retention: push three images, set keep-last 1 on the Retention tab', async () => {
    for (const tag of ['r1', 'r2', 'r3']) await pushDistinctImage(retained, tag);
    await page.goto(`/repositories/${retained}?tab=retention`);
    await page.getByRole('heading', { name: 'Retention policy' }).waitFor();
    await page.getByLabel('Keep the most recently pushed').fill('1');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Retention policy saved').waitFor();
    const policy = await page.evaluate(async (r) => (await fetch(`/v2/namespaces/${r.replace('/', '/repositories/')}`
      + '/retention')).json(), retained);
    check(policy.keep_last === 1, 'policy: ' + JSON.stringify(policy));
  });

  await step('retention: the dry run lists the two older images with their warnings and deletes nothing', async () => {
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const report = page.getByTestId('retention-preview');
    await report.getByText(/2 of 3 images would be deleted/).waitFor();
    for (const tag of ['r1', 'r2']) check(await report.getByText(tag, { exact: true }).count() === 1, 'row of ' + tag);
    check(await report.getByText('r3', { exact: true }).count() === 0, 'the kept image is listed');
    check(await report.getByText('current_tag', { exact: true }).count() >= 2, 'current_tag warnings');
    check(await report.getByText('is_active', { exact: true }).count() >= 2, 'is_active warnings (just pushed)');
    await shot('retention-preview');
    const status = await page.evaluate(async (r) => (await fetch(`/v2/namespaces/${r.replace('/', '/repositories/')}`
      + '/tags/r1')).status, retained);
    check(status === 200, 'the dry run deleted r1: ' + status);
  });

  await step('retention: run now, follow the run to its result, the older tags are gone', async () => {
    acceptDialogs = 1;
    await page.getByRole('button', { name: 'Run now' }).click();
    const last = page.getByTestId('retention-last-run');
    await last.getByText('completed', { exact: true }).waitFor({ timeout: 30000 });
    const text = await last.textContent();
    check(/Images deleted2/.test(text) && /Tags deleted2/.test(text), 'run result: ' + text);
    await shot('retention-run');
    const statuses = await page.evaluate(async (r) => Promise.all(['r1', 'r2', 'r3'].map(async (t) =>
      (await fetch(`/v2/namespaces/${r.replace('/', '/repositories/')}/tags/${t}`)).status)), retained);
    check(JSON.stringify(statuses) === '[404,404,200]', 'tags after the run: ' + statuses);
    await page.reload();
    await page.getByTestId('retention-last-run').getByText('completed', { exact: true }).waitFor();
  });

  await step('quotas: the admin page lists namespaces by usage; a quota set there shows as a bar', async () => {
    await page.getByRole('link', { name: 'Quotas' }).click();
    await page.getByRole('heading', { name: 'Quotas' }).waitFor();
    check(await page.locator(`tr[data-namespace="${USER}"]`).count() === 1, USER + ' not listed by usage');
    await page.getByLabel('Namespace name', { exact: true }).fill(USER);
    await page.getByLabel('Storage limit (MiB)').fill('1024');
    await page.getByRole('button', { name: 'Save quota' }).click();
    await page.getByText('Quota saved').waitFor();
    await page.locator(`tr[data-namespace="${USER}"] meter`).waitFor();
    await shot('admin-quotas');
    await page.goto(`/repositories/${USER}`);
    const usage = page.getByTestId('quota-usage');
    await usage.getByText(/of 1\.0 GiB/).waitFor();
    check(await usage.locator('meter').count() === 1, 'no usage bar');
    await shot('quota-usage');
  });
  // ---- end of retention and quotas ----

  await step('keyboard: the first Tab reaches the skip link, and it moves focus to the content', async () => {
    await page.goto(`/repositories/${USER}`);
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.className) === 'skip', 'skip link first');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'main');
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.getElementById('main').contains(document.activeElement)),
      'Tab after the skip link stays in the content');
  });

  await step('narrow screen: no horizontal scrolling of the page', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`/repositories/${USER}/demo`);
    await page.getByRole('heading', { name: `${USER}/demo` }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, 'page wider than the screen by ' + overflow + ' px');
    await shot('repository-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  if (BIG_REPO) {
    await step(`large namespace: ${BIG_REPO} tag pages load without freezing`, async () => {
      for (const [label, path] of [['first tag page', `/repositories/${BIG_REPO}`],
        ['last tag page', `/repositories/${BIG_REPO}?page=4000`], ['namespace list', `/repositories/${BIG_REPO.split('/')[0]}`]]) {
        const t0 = Date.now();
        await page.goto(path);
        await page.locator('main table tbody tr').first().waitFor();
        timings[label] = Date.now() - t0;
      }
      const text = await page.goto(`/repositories/${BIG_REPO}`).then(() => page.locator('.pager').first().textContent());
      check(/of 4,000/.test(text), 'pager: ' + text);
      console.log('# page load times (navigation to first table row), ms: ' + JSON.stringify(timings));
      const api = await page.evaluate(async (repo) => {
        const [ns, name] = repo.split('/');
        const out = {};
        for (const p of [1, 2000, 4000]) {
          const t0 = performance.now();
          await (await fetch(`/v2/namespaces/${ns}/repositories/${name}/tags?page=${p}&page_size=25`)).json();
          out['tags page ' + p] = Math.round(performance.now() - t0);
        }
        return out;
      }, BIG_REPO);
      console.log('# tag list API times (fetch to parsed JSON, after warm-up), ms: ' + JSON.stringify(api));
      await shot('large-repository');
    });
  }

  // --- Pull-through mirrors (issue 16): MIRROR_NAMESPACE mirrors UPSTREAM; ConsoleE2EIT pulled MIRROR_REPOSITORY
  // through it twice (a cold pull, then one served from the cache). Kept apart from the blocks above and below.
  const MIRROR = process.env.MIRROR_NAMESPACE || '';
  const MIRRORED = process.env.MIRROR_REPOSITORY || '';
  if (MIRROR) {
    await step('mirrors: the admin page lists the mirror with its upstream, repositories, hits and misses', async () => {
      await page.goto(`/repositories/${USER}`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mirrors' }).click();
      await page.getByRole('heading', { name: 'Mirrors' }).waitFor();
      const row = page.locator(`tr[data-mirror="${MIRROR}"]`);
      await row.waitFor();
      const cells = await row.getByRole('cell').allTextContents();
      check(cells[1] === UPSTREAM, 'upstream: ' + cells.join(' | '));
      check(cells[3] === 'neverserver default', 'eviction (the server evicts nothing by default): ' + cells[3]);
      check(cells[9] === '—', 'upstream pulls left (Distribution states no budget): ' + cells[9]);
      check(cells[10].startsWith('configuration'), 'defined in: ' + cells[10]);
      check(Number(cells[6]) >= 1 && Number(cells[7].replace(/\D/g, '')) >= 1
        && Number(cells[8].replace(/\D/g, '')) >= 1, 'repositories, hits, misses: ' + cells.join(' | '));
      await shot('mirrors');
    });

    await step('mirrors: a mirrored repository is badged and shows upstream, last revalidation and its hits', async () => {
      await page.locator(`tr[data-mirror="${MIRROR}"]`).getByRole('link', { name: MIRROR, exact: true }).click();
      const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: MIRRORED, exact: true }) });
      await row.waitFor();
      check((await row.textContent()).includes('mirror'), 'mirror badge in the list');
      await row.getByRole('link', { name: MIRRORED, exact: true }).click();
      await page.getByRole('heading', { name: `${MIRROR}/${MIRRORED}` }).waitFor();
      // A name with a slash keeps its segments in the address.
      check(new URL(page.url()).pathname === `/repositories/${MIRROR}/${MIRRORED}`, 'address: ' + page.url());
      const card = page.getByTestId('mirror-card');
      await card.waitFor();
      const facts = {};
      const terms = await card.locator('dt').allTextContents();
      const values = await card.locator('dd').allTextContents();
      terms.forEach((t, i) => { facts[t] = values[i]; });
      check(facts.Upstream === `${UPSTREAM} (${MIRRORED})`, 'upstream: ' + JSON.stringify(facts));
      check(facts['Last revalidated'] && facts['Last revalidated'] !== '—', 'revalidated: ' + JSON.stringify(facts));
      check(Number(facts['Cache hits'].replace(/\D/g, '')) >= 1, 'hits: ' + JSON.stringify(facts));
      check(Number(facts['Cache misses'].replace(/\D/g, '')) >= 1, 'misses: ' + JSON.stringify(facts));
      // The cached tag is ordinary content: listed on the tags tab like a pushed one, its image page one click away.
      await page.getByRole('cell', { name: '1.0', exact: true }).waitFor();
      await shot('mirror-repository');
      await page.getByRole('row').filter({ has: page.getByRole('cell', { name: '1.0', exact: true }) })
        .getByRole('link').first().click();
      await page.getByRole('heading', { name: 'Image' }).waitFor();
      await page.getByRole('link', { name: `← ${MIRROR}/${MIRRORED}` }).waitFor();
    });

    await step('mirrors: a nested repository page opens from its address, plain or URL-encoded', async () => {
      for (const address of [`/repositories/${MIRROR}/${MIRRORED}`,
        `/repositories/${MIRROR}/${encodeURIComponent(MIRRORED)}`]) {
        await page.goto(address);
        await page.getByRole('heading', { name: `${MIRROR}/${MIRRORED}` }).waitFor();
        await page.getByTestId('mirror-card').waitFor();
      }
    });

    await step('mirrors: an administrator creates a mirror on the Mirrors page, edits it and deletes it again', async () => {
      await page.goto('/mirrors');
      await page.getByRole('heading', { name: 'Mirrors' }).waitFor();
      await page.getByText('New mirror', { exact: true }).click();
      const form = page.getByRole('form', { name: 'New mirror' });
      await form.getByLabel('Namespace').fill('e2e-mirror');
      await form.getByLabel('Upstream', { exact: true }).fill(UPSTREAM);
      await form.getByLabel('Revalidate tags after (seconds)').fill('120');
      await form.getByLabel('Evict tags unused for (days)').fill('30');
      await form.getByRole('button', { name: 'Save mirror' }).click();
      const row = page.locator('tr[data-mirror="e2e-mirror"]');
      await row.waitFor();
      const cells = await row.getByRole('cell').allTextContents();
      check(cells[1] === UPSTREAM && cells[2] === '2 min' && cells[3] === '30 d' && cells[10].startsWith('admin API'),
        'new mirror: ' + cells.join(' | '));
      // The server knows it: the admin API lists it, and its namespace now answers on the Hub API.
      const listed = await page.evaluate(async () => (await fetch('/admin/mirrors')).json());
      check(listed.mirrors.some((m) => m.name === 'e2e-mirror' && m.managed_by === 'api'
        && m.evict_unused_seconds === 30 * 86400), 'listed by the API, with its own eviction setting');
      // A configuration mirror cannot be deleted here; the new one can.
      check(await page.locator(`tr[data-mirror="${MIRROR}"]`).getByRole('button').count() === 0,
        'no edit or delete button for a configuration mirror');
      // Edited: another revalidation interval, and the eviction back to the server's setting.
      await row.getByRole('button', { name: 'Edit mirror e2e-mirror' }).click();
      const edit = page.getByRole('form', { name: 'Edit mirror e2e-mirror' });
      check(await edit.getByLabel('Namespace').inputValue() === 'e2e-mirror'
        && await edit.getByLabel('Evict tags unused for (days)').inputValue() === '30', 'the edit form is filled in');
      await edit.getByLabel('Revalidate tags after (seconds)').fill('300');
      await edit.getByLabel('Evict tags unused for (days)').fill('');
      await shot('mirrors-edit');
      await edit.getByRole('button', { name: 'Save mirror' }).click();
      await page.waitForFunction(() => {
        const cells = document.querySelectorAll('tr[data-mirror="e2e-mirror"] td');
        return cells.length > 3 && cells[2].textContent === '5 min';
      });
      const edited = await page.locator('tr[data-mirror="e2e-mirror"]').getByRole('cell').allTextContents();
      check(edited[3] === 'neverserver default' && edited[1] === UPSTREAM, 'edited mirror: ' + edited.join(' | '));
      const editedRow = page.locator('tr[data-mirror="e2e-mirror"]');
      acceptDialogs = 1; // the confirm is answered OK
      await editedRow.getByRole('button', { name: 'Delete mirror e2e-mirror' }).click();
      await editedRow.waitFor({ state: 'detached' });
      const after = await page.evaluate(async () => (await fetch('/admin/mirrors')).json());
      check(!after.mirrors.some((m) => m.name === 'e2e-mirror'), 'gone from the API');
      await shot('mirrors-after-delete');
    });
  }
  // --- end of the mirrors block

  await step('no script errors on any page', async () => {
    const real = consoleErrors.filter((e) => !/status of (401|403|404|400)/.test(e));
    check(real.length === 0, real.join('\n'));
  });
} finally {
  await context.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
