// Forgotten password: ask for a code (by login, email or phone), then set a new password with the
// code + login, or with the token of the email link (`/password-recovery?token=…`).
import { api, busy, checkRequired, clearErrors, codeProblem, fieldError, param, problemText, showAlert, showErrors, t, values } from "./core.js";
import { attachStrength } from "./strength.js";

const ask = document.getElementById("recovery-request");
const finish = document.getElementById("recovery-complete");
const token = param("token");
if (token) history.replaceState(null, "", location.pathname); // single-use: keep it out of history

attachStrength(finish, "new_password", { login: "login", confirmation: "new_password_confirmation" });

/** `{login}`, `{email}` or `{phone}` from what was typed. */
function who(text) {
  if (text.includes("@")) return { email: text };
  const digits = text.replace(/\D/g, "");
  if (/^\+?[\d\s()-]+$/.test(text) && digits.length >= 10) return { phone: text };
  return { login: text };
}

function showFinish({ sent = false, byLink = false } = {}) {
  finish.hidden = false;
  document.getElementById("recovery-sent").hidden = !sent;
  finish.querySelector('[data-proof="code"]').hidden = byLink;
  finish.querySelector('[data-proof="token"]').hidden = !byLink;
  for (const name of ["login", "code"]) finish.elements[name].required = !byLink;
  (byLink || finish.elements.login.value ? finish.elements[byLink ? "new_password" : "code"] : finish.elements.login).focus();
}

if (token) {
  ask.hidden = true;
  showFinish({ byLink: true });
}

document.getElementById("have-code").addEventListener("click", () => showFinish());

ask.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(ask);
  if (!checkRequired(ask)) return;
  const text = ask.elements.who.value.trim();
  const body = who(text);
  const r = await busy(ask.querySelector('button[type="submit"]'), () => api("POST", "/api/v1/password-recovery", { body }));
  if (r.status === 202) {
    if (body.login) finish.elements.login.value = body.login;
    showFinish({ sent: true });
  } else if (r.status === 422 && r.body?.errors) {
    fieldError(ask, "who", Object.values(r.body.errors).flat());
    ask.elements.who.focus();
  } else {
    showAlert(document.getElementById("recovery-request-alert"), problemText(r));
  }
});

finish.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(finish);
  const fields = token ? ["new_password", "new_password_confirmation"] : ["login", "code", "new_password", "new_password_confirmation"];
  if (!checkRequired(finish, fields)) return;
  const body = values(finish, fields);
  if (token) body.token = token;
  else if (!/^\d{6}$/.test(body.code)) {
    fieldError(finish, "code", t("field.code_format"));
    finish.elements.code.focus();
    return;
  }
  const r = await busy(finish.querySelector('button[type="submit"]'), () =>
    api("POST", "/api/v1/password-recovery/complete", { body }),
  );
  const alert = document.getElementById("recovery-complete-alert");
  if (r.status === 204) {
    finish.hidden = true;
    ask.hidden = true;
    const done = document.getElementById("recovery-done");
    done.hidden = false;
    done.querySelector("a").focus();
  } else if (r.status === 422 && r.body?.errors) {
    showErrors(finish, r.body.errors);
  } else if (r.status === 422 || r.status === 410) {
    const text = codeProblem(r, { gone: t("recovery.gone") });
    if (token || !fieldError(finish, "code", text)) showAlert(alert, text);
    if (!token) finish.elements.code.focus();
    else alert.focus();
  } else {
    showAlert(alert, problemText(r));
    alert.focus();
  }
});
