// The console talks only to Wharf's public APIs (Hub /v2/, Cycle /v1/) and its session endpoint. The session
// is an HttpOnly cookie; state-changing requests carry the CSRF token the session endpoint hands out.

let csrfToken = null;
let onSignedOut = () => {};

export function setCsrf(token) { csrfToken = token; }
export function whenSignedOut(callback) { onSignedOut = callback; }

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** The readable message of any of Wharf's error formats: Hub, Cycle or OCI. */
function messageOf(status, body) {
  if (body && typeof body === 'object') {
    if (body.error && (body.error.detail || body.error.title)) return body.error.detail || body.error.title;
    if (body.detail) return body.detail;
    if (body.message) return body.message;
    if (Array.isArray(body.errors) && body.errors[0]) return body.errors[0].message || body.errors[0].code;
  }
  return 'The server answered ' + status;
}

export async function api(method, path, body, options = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (!['GET', 'HEAD'].includes(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (options.hub) headers['X-Hub-Id'] = options.hub;
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'Wharf cannot be reached: ' + e.message, null);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    if (response.status === 401 && !options.allowUnauthenticated) onSignedOut();
    throw new ApiError(response.status, messageOf(response.status, data), data);
  }
  return data;
}

/** Query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

export const enc = encodeURIComponent;

/**
 * The console page of a repository (plus {@code rest}, e.g. '/images/<digest>'): a name with a slash below the
 * namespace (a mirror's library/alpine) keeps its segments, so the address reads like the repository's name.
 */
export function repoHref(ns, repo, rest = '') {
  return `/repositories/${enc(ns)}/${repo.split('/').map(enc).join('/')}${rest}`;
}
