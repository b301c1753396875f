// Log in; a soft lock (429) shows how long to wait and keeps the button off until then.
import { api, busy, checkRequired, clearErrors, countdown, duration, param, problemText, safeNext, session, showAlert, showErrors, t, values } from "./core.js";

const form = document.getElementById("login");
const alert = document.getElementById("login-alert");
const submit = form.querySelector('button[type="submit"]');
if (param("login")) form.elements.login.value = param("login");
(form.elements.login.value ? form.elements.password : form.elements.login).focus();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (submit.disabled) return;
  clearErrors(form);
  if (!checkRequired(form)) return;
  const body = values(form, ["login", "password"]);
  const r = await busy(submit, () => api("POST", "/api/v1/sessions", { body }));
  if (r.ok) {
    session.set(r.body);
    location.assign(safeNext(param("next")));
    return;
  }
  if (r.status === 401) {
    showAlert(alert, t("login.bad"));
    form.elements.password.value = "";
    form.elements.password.focus();
  } else if (r.status === 403) {
    unconfirmed(body.login);
  } else if (r.status === 429) {
    locked(r.retryAfter ?? 5);
  } else if (r.status === 422 && r.body?.errors) {
    showErrors(form, r.body.errors);
  } else {
    showAlert(alert, problemText(r));
    alert.focus();
  }
});

function unconfirmed(login) {
  showAlert(alert, t("login.unconfirmed"));
  let pending = null;
  try {
    pending = JSON.parse(sessionStorage.getItem("kabinet.pending"));
  } catch {
    pending = null;
  }
  if (pending?.login && pending.login.toLowerCase() === login.toLowerCase()) {
    const link = document.createElement("a");
    link.href = "/register/confirm";
    link.textContent = t("login.unconfirmed_link");
    alert.append(" ", link);
  }
  alert.focus();
}

function locked(seconds) {
  submit.disabled = true;
  alert.dataset.locked = "true";
  // The sentence is announced once; the ticking number inside it is not (aria-live="off").
  const [before, after = ""] = t("login.locked").split("{wait}");
  const clock = document.createElement("span");
  clock.setAttribute("aria-live", "off");
  clock.className = "clock";
  clock.textContent = duration(seconds);
  showAlert(alert, "");
  alert.append(before, clock, after);
  alert.focus();
  countdown(
    seconds,
    (left) => {
      clock.textContent = duration(left);
    },
    () => {
      delete alert.dataset.locked;
      submit.disabled = false;
      showAlert(alert, t("login.unlocked"), "info");
    },
  );
}
