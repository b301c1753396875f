// Form helpers: values, errors next to fields, alerts, busy buttons, countdowns.
import { duration, t, tr } from "./i18n.js";

/** The form's values as an object: text trimmed (passwords as typed), empty fields left out. */
export function values(form, names) {
  const out = {};
  for (const [name, value] of new FormData(form)) {
    if (names && !names.includes(name)) continue;
    const input = form.elements[name];
    const raw = String(value);
    const v = input?.type === "password" ? raw : raw.trim();
    if (v !== "") out[name] = v;
  }
  return out;
}

function control(form, name) {
  const box = form.querySelector(`[data-field="${name}"]`);
  if (!box) return null;
  return box.querySelector("input:not([type=hidden]), select, textarea");
}

/** Remove every error shown in the form. */
export function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const alert = form.querySelector(".alert[role=alert]");
  if (alert) hideAlert(alert);
}

/** Show a field's error next to it. */
export function fieldError(form, name, messages) {
  const slot = form.querySelector(`[data-error-for="${name}"]`);
  if (!slot) return false;
  const list = Array.isArray(messages) ? messages : [messages];
  slot.textContent = list.map((m) => tr(m, name)).join(" ");
  slot.hidden = false;
  control(form, name)?.setAttribute("aria-invalid", "true");
  return true;
}

/**
 * Show the API's `errors` next to their fields; whatever has no field goes to the form's alert.
 * Returns the names shown; focuses the first invalid field (in document order).
 */
export function showErrors(form, errors, { summary = t("form.fix_errors") } = {}) {
  const shown = [];
  const loose = [];
  for (const [name, messages] of Object.entries(errors || {})) {
    if (fieldError(form, name, messages)) shown.push(name);
    else loose.push(...(Array.isArray(messages) ? messages : [messages]).map((m) => tr(m, name)));
  }
  const alert = form.querySelector(".alert[role=alert]");
  if (alert && (shown.length || loose.length)) showAlert(alert, [shown.length ? summary : "", ...loose].filter(Boolean).join(" "));
  const first = form.querySelector("[aria-invalid=true]");
  if (first) first.focus();
  else if (alert && !alert.hidden) alert.focus();
  return shown;
}

/** Check required fields (among `names`, or all) before asking the API; returns true when all are filled. */
export function checkRequired(form, names) {
  const missing = {};
  for (const input of form.querySelectorAll("[required]")) {
    const name = input.name || input.closest("[data-field]")?.dataset.field;
    if (!name || (names && !names.includes(name)) || input.closest("[hidden]")) continue;
    if (!input.value.trim()) missing[name] = [t("form.required")];
  }
  if (Object.keys(missing).length) showErrors(form, missing);
  return Object.keys(missing).length === 0;
}

export function showAlert(el, text, kind = "error") {
  el.textContent = text;
  el.classList.remove("error", "ok", "info");
  el.classList.add(kind);
  el.hidden = false;
}

export function hideAlert(el) {
  el.hidden = true;
  el.textContent = "";
}

/** The message for a reply that is not a field error: network, 429, 503, anything else. */
export function problemText(r) {
  if (r.status === 0) return t("error.network");
  if (r.status === 429) return t("error.too_many", { wait: duration(r.retryAfter ?? 5) });
  if (r.status === 503) return t("error.unavailable", { wait: duration(r.retryAfter ?? 5) });
  return t("error.generic", { status: r.status });
}

/** Disable a submit button while a request runs (no double submits), then restore it. */
export async function busy(button, work) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = t("form.sending");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  }
}

/** Count down `seconds`: `tick(left)` every second, then `done()`. Returns a cancel function. */
export function countdown(seconds, tick, done) {
  let left = Math.max(1, Math.ceil(seconds));
  tick(left);
  const id = setInterval(() => {
    left -= 1;
    if (left <= 0) {
      clearInterval(id);
      done();
    } else tick(left);
  }, 1000);
  return () => clearInterval(id);
}

/** Wire "show password" buttons inside `root`. */
export function revealers(root = document) {
  for (const button of root.querySelectorAll("[data-reveal]")) {
    button.addEventListener("click", () => {
      const input = document.getElementById(button.dataset.reveal);
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", String(show));
      button.textContent = t(show ? "form.hide_password" : "form.show_password");
    });
  }
}

/** Why a code was refused: wrong (attempts left), dead, not found, or a general problem. */
export function codeProblem(r, { gone = t("confirm.gone") } = {}) {
  if (r.status === 422 && r.body?.errors) return Object.values(r.body.errors).flat();
  if (r.status === 422 && Number.isInteger(r.body?.attempts_left)) return t("confirm.wrong", { n: r.body.attempts_left });
  if (r.status === 410) return gone;
  if (r.status === 404) return t("confirm.not_found");
  return problemText(r);
}

/** Keep "send again" disabled for `seconds`, counting down on the button and in `status`. */
export function holdButton(button, seconds, status) {
  const label = button.textContent;
  button.disabled = true;
  if (status) status.textContent = t("resend.too_soon", { wait: duration(seconds) });
  return countdown(
    seconds,
    (left) => {
      button.textContent = t("resend.wait_button", { wait: duration(left) });
    },
    () => {
      button.disabled = false;
      button.textContent = label;
      if (status) status.textContent = "";
    },
  );
}
