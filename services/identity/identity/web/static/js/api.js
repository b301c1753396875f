// The public API client: tokens in sessionStorage, one refresh on a 401, the way back to login.

const TOKENS = "kabinet.tokens";

export const session = {
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(TOKENS));
    } catch {
      return null;
    }
  },
  set(tokens) {
    sessionStorage.setItem(TOKENS, JSON.stringify({ access_token: tokens.access_token, refresh_token: tokens.refresh_token }));
  },
  clear() {
    sessionStorage.removeItem(TOKENS);
  },
};

function retryAfter(header, body) {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return seconds;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(1, (at - Date.now()) / 1000);
  }
  return body && Number.isFinite(body.retry_after) ? body.retry_after : null;
}

async function send(method, path, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, status: 0, body: null, retryAfter: null };
  }
  const text = await resp.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  return { ok: resp.ok, status: resp.status, body: data, retryAfter: retryAfter(resp.headers.get("Retry-After"), data) };
}

let refreshing = null;

async function refresh() {
  const tokens = session.get();
  if (!tokens?.refresh_token) return false;
  refreshing ??= send("POST", "/api/v1/sessions/refresh", { refresh_token: tokens.refresh_token })
    .then((r) => {
      if (r.ok) session.set(r.body);
      else if (r.status === 401) session.clear();
      return r.ok;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** Go to the login page, coming back here afterwards. */
export function toLogin(notice) {
  const next = encodeURIComponent(location.pathname + location.search);
  location.assign(`/login?next=${next}${notice ? `&notice=${notice}` : ""}`);
}

/**
 * Call the public API: `{ok, status, body, retryAfter}`; status 0 when the server cannot be reached.
 * With `auth`, an expired access token is refreshed once; a dead session leads to the login page.
 */
export async function api(method, path, { body, auth = false, redirect = true } = {}) {
  if (!auth) return send(method, path, body);
  if (!session.get()) {
    if (redirect) toLogin();
    return { ok: false, status: 401, body: null, retryAfter: null };
  }
  let r = await send(method, path, body, session.get().access_token);
  if (r.status === 401 && (await refresh())) r = await send(method, path, body, session.get().access_token);
  if (r.status === 401) {
    session.clear();
    if (redirect) toLogin("session_expired");
  }
  return r;
}

/** Pages that need a session: send the visitor to log in first. */
export function requireSession() {
  if (session.get()) return true;
  toLogin();
  return false;
}

/** Read a query parameter of the current page. */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

/** A local path to go to after login (never another site). */
export function safeNext(target) {
  return target && target.startsWith("/") && !target.startsWith("//") && !target.startsWith("/\\") ? target : "/";
}
