// Notification settings: which confirmed contact gets notices about the account, low balance on/off,
// and the language of every SMS and email.
import { api, busy, clearErrors, problemText, showAlert, showErrors, t } from "./core.js";

const section = document.getElementById("notify-section");
const form = document.getElementById("notify-form");
const status = document.getElementById("notify-status");
const alert = document.getElementById("notify-form-alert");

/** Show the current settings and save changes (once the profile has loaded). */
export async function showNotifySettings() {
  const r = await api("GET", "/api/v1/me/notification-settings", { auth: true });
  if (!r.ok) {
    status.textContent = problemText(r);
    section.hidden = false;
    return;
  }
  fill(r.body);
  form.addEventListener("submit", save);
  section.hidden = false;
}

function fill(settings) {
  for (const radio of form.elements.channel) {
    radio.checked = radio.value === settings.channel;
    radio.disabled = !settings.channels.includes(radio.value); // only a confirmed contact
  }
  form.elements.low_balance.checked = settings.low_balance;
  for (const radio of form.elements.locale) radio.checked = radio.value === settings.locale;
}

async function save(event) {
  event.preventDefault();
  clearErrors(form);
  status.textContent = "";
  const body = {
    channel: form.elements.channel.value,
    low_balance: form.elements.low_balance.checked,
    locale: form.elements.locale.value,
  };
  const r = await busy(form.querySelector('button[type="submit"]'), () =>
    api("PUT", "/api/v1/me/notification-settings", { body, auth: true }),
  );
  if (r.ok) {
    fill(r.body);
    status.textContent = t("profile.notify_saved");
  } else if (r.status === 422 && r.body?.errors) showErrors(form, r.body.errors);
  else if (r.status !== 401) showAlert(alert, problemText(r));
}
