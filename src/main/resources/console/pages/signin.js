// Sign-in: password first; when the account has two-factor authentication the server answers 401 with a
// short-lived login_2fa_token, and the second step sends it with the code (or a recovery code).
import { api, ApiError } from '../api.js';
import { el, field } from '../html.js';
import { errorBox } from '../ui.js';

export function signInPage(session, onSignedIn) {
  document.title = 'Sign in · Wharf';
  const box = el('section', { class: 'signin card' });
  const status = el('div', { 'aria-live': 'assertive' });
  const username = el('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password',
    required: true });
  const form = el('form', { 'aria-labelledby': 'signin-title' },
    el('h1', { id: 'signin-title' }, 'Sign in to Wharf'),
    field('Username', username),
    field('Password or access token', password),
    status,
    el('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.replaceChildren();
    try {
      onSignedIn(await api('POST', '/console/api/session', { username: username.value, password: password.value },
        { allowUnauthenticated: true }));
    } catch (err) {
      if (err instanceof ApiError && err.body && err.body.login_2fa_token) {
        box.replaceChildren(secondFactorForm(err.body.login_2fa_token, onSignedIn));
        box.querySelector('input').focus();
      } else {
        status.append(errorBox(err));
        password.select();
      }
    }
  });
  box.append(form);
  return box;
}

function secondFactorForm(loginToken, onSignedIn) {
  const code = el('input', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', required: true });
  const status = el('div', { 'aria-live': 'assertive' });
  const form = el('form', { 'aria-labelledby': 'twofa-title' },
    el('h1', { id: 'twofa-title' }, 'Two-factor authentication'),
    el('p', {}, 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.'),
    field('Code', code),
    status,
    el('button', { type: 'submit', class: 'primary' }, 'Verify'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.replaceChildren();
    try {
      onSignedIn(await api('POST', '/console/api/session/2fa', { login_2fa_token: loginToken, code: code.value.trim() },
        { allowUnauthenticated: true }));
    } catch (err) {
      status.append(errorBox(err.status === 401 ? new Error('That code is not right, or it expired; try the next one.')
        : err));
      code.select();
    }
  });
  return form;
}
