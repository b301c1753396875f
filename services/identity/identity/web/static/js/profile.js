// Profile: personal data, contacts with confirmed badges, contact change with a code, password change,
// where notices go (notify-settings.js), where the subscriber is signed in (devices.js) and the
// messages Kabinet sent them (notices.js).
import { LANG, api, busy, checkRequired, clearErrors, codeProblem, fieldError, holdButton, problemText, requireSession, session, showAlert, showErrors, t, values } from "./core.js";
import { regionName } from "./regions.js";
import { attachStrength } from "./strength.js";
import { showSessions } from "./devices.js";
import { showNotices } from "./notices.js";
import { showNotifySettings } from "./notify-settings.js";

const LOCALE = LANG === "ru" ? "ru-RU" : "en-GB";
const CHANNEL = { phone: "sms", email: "email" };
const status = document.getElementById("profile-status");
const contactsForm = document.getElementById("contacts-form");
const passwordForm = document.getElementById("password-form");
let me = null;

if (requireSession()) {
  attachStrength(passwordForm, "new_password", { confirmation: "new_password_confirmation" });
  me = await loadMe();
  if (me) {
    render(me);
    showNotifySettings();
    showSessions();
    showNotices();
  }
  contactsForm.addEventListener("submit", changeContacts);
  passwordForm.addEventListener("submit", changePassword);
}

/** `GET /me`; the read model may lag a moment behind a fresh registration or change. */
async function loadMe(until = () => true) {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const r = await api("GET", "/api/v1/me", { auth: true });
    if (r.ok && until(r.body)) return r.body;
    if (!r.ok && r.status !== 404) {
      status.textContent = problemText(r);
      return null;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  status.textContent = t("profile.not_ready");
  return null;
}

async function render(profile) {
  const name = [profile.last_name, profile.first_name, profile.middle_name].filter(Boolean).join(" ");
  const cell = (key) => document.querySelector(`[data-me="${key}"]`);
  cell("name").textContent = name;
  const born = new Date(`${profile.birth_date}T00:00:00Z`);
  cell("birth_date").textContent = born.toLocaleDateString(LOCALE, { dateStyle: "long", timeZone: "UTC" });
  cell("region").textContent = LANG === "ru" ? profile.region.name : await regionName(profile.region.code);
  cell("login").textContent = profile.login;
  renderContacts(profile.contacts);
  for (const id of ["personal", "contacts-section", "password-section"]) document.getElementById(id).hidden = false;
  status.textContent = "";
}

function renderContacts(contacts) {
  const items = contacts.map((contact) => {
    const li = document.createElement("li");
    li.dataset.kind = contact.kind;
    li.dataset.confirmed = String(contact.confirmed);
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = t(`profile.${contact.kind}`);
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = contact.value;
    const badge = document.createElement("span");
    const state = contact.confirmed ? "confirmed" : contact.pending ? "pending" : "unconfirmed";
    badge.className = `badge ${state}`;
    badge.textContent = t(`profile.${state}`);
    li.append(kind, " ", value, " ", badge);
    return li;
  });
  document.getElementById("contacts").replaceChildren(...items);
}

async function changeContacts(event) {
  event.preventDefault();
  clearErrors(contactsForm);
  const body = values(contactsForm, ["phone", "email"]);
  const alert = document.getElementById("contacts-form-alert");
  if (!body.phone && !body.email) {
    showAlert(alert, t("profile.give_contact"));
    contactsForm.elements.phone.focus();
    return;
  }
  const r = await busy(contactsForm.querySelector('button[type="submit"]'), () =>
    api("PATCH", "/api/v1/me/contacts", { body, auth: true }),
  );
  if (r.status === 202) {
    for (const request of r.body.requests) codeForm(request, body[request.kind]);
    contactsForm.reset();
  } else if (r.status === 422 && r.body?.errors) showErrors(contactsForm, r.body.errors);
  else if (r.status !== 401) showAlert(alert, problemText(r));
}

function codeForm(request, newValue) {
  const box = document.getElementById("contact-codes");
  box.querySelector(`[data-kind="${request.kind}"]`)?.remove(); // a newer request replaces the older one
  const form = document.getElementById("contact-code").content.firstElementChild.cloneNode(true);
  const id = `contact-code-${request.kind}`;
  form.dataset.kind = request.kind;
  form.querySelector(".sent").textContent = t("profile.code_sent", { destination: request.destination });
  const label = form.querySelector("label");
  const input = form.querySelector("input");
  const error = form.querySelector("[data-error-for]");
  label.htmlFor = input.id = id;
  label.textContent = t("field.code_for", { destination: request.destination });
  error.id = `${id}-error`;
  input.setAttribute("aria-describedby", error.id);
  box.append(form);
  input.focus();
  const channel = CHANNEL[request.kind];
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const code = input.value.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(code)) {
      fieldError(form, "code", t("field.code_format"));
      input.focus();
      return;
    }
    const body = { account_id: me.account_id, channel, code };
    const r = await busy(form.querySelector('button[type="submit"]'), () => api("POST", "/api/v1/confirmations", { body }));
    if (!r.ok) {
      fieldError(form, "code", codeProblem(r));
      input.focus();
      return;
    }
    form.remove();
    status.textContent = t("profile.contact_changed");
    const shown = (profile) => profile.contacts.some((c) => c.kind === request.kind && c.confirmed && !c.pending && same(c.value, newValue));
    const fresh = await loadMe(shown);
    if (fresh) {
      me = fresh;
      renderContacts(fresh.contacts);
      status.textContent = t("profile.contact_changed");
    }
  });
  const resend = form.querySelector("[data-resend]");
  const resendStatus = form.querySelector("[data-resend-status]");
  resend.addEventListener("click", async () => {
    const r = await busy(resend, () =>
      api("POST", "/api/v1/confirmations/resend", { body: { account_id: me.account_id, channel } }),
    );
    if (r.ok) resendStatus.textContent = t("resend.sent");
    else if (r.status === 429) holdButton(resend, r.retryAfter ?? 60, resendStatus);
    else resendStatus.textContent = problemText(r);
  });
}

/** The API normalises contacts (E.164, lower-case domain): compare loosely. */
function same(shown, typed) {
  if (!typed) return true;
  const digits = (s) => s.replace(/\D/g, "").replace(/^8(?=\d{10}$)/, "7");
  return typed.includes("@") ? shown.toLowerCase() === typed.toLowerCase() : digits(shown) === digits(typed);
}

async function changePassword(event) {
  event.preventDefault();
  clearErrors(passwordForm);
  if (!checkRequired(passwordForm)) return;
  const body = values(passwordForm, ["current_password", "new_password", "new_password_confirmation"]);
  const r = await busy(passwordForm.querySelector('button[type="submit"]'), () =>
    api("POST", "/api/v1/me/password", { body, auth: true }),
  );
  if (r.status === 204) {
    session.clear(); // every session ended on the server too
    location.assign("/login?notice=password_changed");
  } else if (r.status === 422 && r.body?.errors) showErrors(passwordForm, r.body.errors);
  else if (r.status !== 401) showAlert(document.getElementById("password-form-alert"), problemText(r));
}
