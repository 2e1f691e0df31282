// The signed-in user's account: two-factor authentication (enroll with a QR code, the secret or its link, confirm
// with a code, download the recovery codes once; turn off with a code), and the user's sessions and docker login
// refresh tokens (list, revoke one, sign out everywhere else).
import { api, enc } from '../api.js';
import { el, append, field, copyButton, when, badge } from '../html.js';
import { pageTitle, errorBox, toast, navigate } from '../ui.js';
import { qrSvg } from '../qr.js';

export async function accountPage(session) {
  const s = await api('GET', '/console/api/session');
  session.current = { ...session.current, ...s };
  const body = el('section', { class: 'card stack' }, el('h2', {}, 'Two-factor authentication'));
  if (s.kind !== 'user') {
    body.append(el('p', {}, 'This session was made with an access token; sign in with your password to change '
      + 'two-factor settings.'));
  } else if (s.two_factor_enabled) {
    body.append(el('p', {}, 'On. Signing in asks for a code from your authenticator app.'), disableForm());
  } else {
    const start = el('button', { type: 'button', class: 'primary', onclick: async () => {
      try {
        const enrollment = await api('POST', '/v2/auth/2fa/enroll');
        body.replaceChildren(el('h2', {}, 'Two-factor authentication'), enrollForm(enrollment));
        body.querySelector('input').focus();
      } catch (err) { body.append(errorBox(err)); }
    } }, 'Turn on two-factor authentication');
    body.append(el('p', {}, 'Off. Turn it on so a stolen password alone cannot sign in.'), start);
  }
  const sessions = s.kind === 'user' ? await sessionsCard() : null;
  return el('div', {}, pageTitle('Account', el('span', { class: 'muted' }, s.username)), body, sessions);
}

/** Every live session and refresh token of the user (GET /v2/auth/sessions), each revocable. */
async function sessionsCard() {
  const card = el('section', { class: 'card stack', dataset: { testid: 'sessions' } },
    el('h2', {}, 'Sessions and docker logins'));
  let data;
  try {
    data = await api('GET', '/v2/auth/sessions');
  } catch (err) {
    card.append(errorBox(err));
    return card;
  }
  const refresh = () => navigate('/account', true);
  const rows = data.results.map((x) => el('tr', {},
    el('td', {}, x.type === 'refresh_token' ? 'docker login (refresh token)' : 'session',
      x.current ? [' ', badge('this session', 'active')] : null),
    el('td', {}, x.via === 'password' ? 'password' : 'access token'),
    el('td', { class: 'mono' }, x.client_ip || '—'),
    el('td', {}, x.user_agent || '—'),
    el('td', {}, when(x.created_at)),
    el('td', {}, when(x.expires_at)),
    el('td', { class: 'actions' }, x.current ? null : el('button', { type: 'button', class: 'small danger',
      onclick: async () => {
        try {
          await api('DELETE', '/v2/auth/sessions/' + enc(x.id));
          toast('Revoked');
          refresh();
        } catch (err) { card.append(errorBox(err)); }
      } }, 'Revoke'))));
  const others = data.results.filter((x) => !x.current).length;
  append(card, [
    el('p', {}, 'Sessions last 8 hours; the refresh tokens docker login keeps last 60 days. Changing your password '
      + 'or two-factor settings revokes them; revoking one here stops it at once (a registry token already '
      + 'issued from it lasts at most its few minutes).'),
    data.results.length ? el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['Kind', 'Signed in with', 'Address', 'Client', 'Since', 'Expires', '']
        .map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, rows)))
      : el('p', { class: 'empty' }, 'No sessions recorded.'),
    others ? el('button', { type: 'button', class: 'danger', onclick: async () => {
      if (!confirm('Sign out every other session and docker login?')) return;
      try {
        await api('DELETE', '/v2/auth/sessions');
        toast('Signed out everywhere else');
        refresh();
      } catch (err) { card.append(errorBox(err)); }
    } }, 'Sign out everywhere else') : null]);
  return card;
}

function enrollForm(enrollment) {
  const code = el('input', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', required: true,
    pattern: '[0-9]{6}' });
  const status = el('div', { 'aria-live': 'polite' });
  const form = el('form', { class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    status.replaceChildren();
    try {
      const r = await api('POST', '/v2/auth/2fa/confirm', { code: code.value.trim() });
      form.replaceWith(recoveryCodes(r.recovery_codes));
    } catch (err) { status.append(errorBox(err)); code.select(); }
  } },
  el('ol', {},
    el('li', {}, 'Scan this code with your authenticator app:',
      el('div', { class: 'qr-box' }, qrSvg(enrollment.otpauth_uri, 'QR code of the two-factor setup link'))),
    el('li', {}, 'Or enter this secret in the app by hand: ',
      el('code', { class: 'secret-text', dataset: { testid: 'totp-secret' } }, enrollment.secret), ' ', copyButton(enrollment.secret),
      el('div', { class: 'small' }, 'or open the setup link on a phone: ',
        el('a', { href: enrollment.otpauth_uri, class: 'mono', dataset: { testid: 'otpauth-link' } }, 'otpauth link'))),
    el('li', {}, 'Enter the 6-digit code the app shows.')),
  field('Code', code), status, el('button', { type: 'submit', class: 'primary' }, 'Confirm'));
  return form;
}

function recoveryCodes(codes) {
  const text = 'Wharf recovery codes (each works once)\n\n' + codes.join('\n') + '\n';
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  return el('div', { class: 'secret stack', role: 'alert', dataset: { testid: 'recovery-codes' } },
    el('h3', {}, 'Two-factor authentication is on'),
    el('p', {}, 'Save these recovery codes now; Wharf shows them only this once. Each signs you in once if you lose your phone.'),
    el('ul', { class: 'codes mono' }, codes.map((c) => el('li', {}, c))),
    el('div', { class: 'toolbar' }, el('a', { href: url, download: 'wharf-recovery-codes.txt', class: 'button' }, 'Download codes'),
      copyButton(codes.join('\n'), 'Copy codes'),
      el('button', { type: 'button', onclick: () => navigate('/account', true) }, 'Done')));
}

function disableForm() {
  const code = el('input', { name: 'code', required: true, autocomplete: 'one-time-code' });
  const status = el('div', { 'aria-live': 'polite' });
  return el('form', { class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    status.replaceChildren();
    try {
      await api('POST', '/v2/auth/2fa/disable', { code: code.value.trim() });
      toast('Two-factor authentication is off');
      navigate('/account', true);
    } catch (err) { status.append(errorBox(err)); }
  } }, field('Code or recovery code, to turn it off', code), status,
  el('button', { type: 'submit', class: 'danger' }, 'Turn off'));
}
