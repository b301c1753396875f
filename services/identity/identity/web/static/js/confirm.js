// Code entry after registration, with "send again" counting down from the API's Retry-After.
import { api, busy, clearErrors, codeProblem, fieldError, hideAlert, holdButton, problemText, showAlert, t } from "./core.js";

const form = document.getElementById("confirm");
const alert = document.getElementById("confirm-alert");
const resend = document.getElementById("resend");
const resendStatus = document.getElementById("resend-status");
let pending = null;
try {
  pending = JSON.parse(sessionStorage.getItem("kabinet.pending"));
} catch {
  pending = null;
}

if (!pending?.account_id) {
  document.getElementById("confirm-missing").hidden = false;
} else {
  form.hidden = false;
  const channel = pending.channel === "email" ? "email" : "sms";
  document.getElementById("confirm-sent").textContent = t(`confirm.sent_${channel}`, { destination: pending.destination });
  document.getElementById("confirm-link-hint").hidden = channel !== "email";
  form.elements.code.focus();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const code = form.elements.code.value.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(code)) {
      fieldError(form, "code", t("field.code_format"));
      form.elements.code.focus();
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    const body = { account_id: pending.account_id, channel, code };
    const r = await busy(button, () => api("POST", "/api/v1/confirmations", { body }));
    if (r.ok) {
      sessionStorage.removeItem("kabinet.pending");
      form.hidden = true;
      const done = document.getElementById("confirm-done");
      document.getElementById("confirm-login").href = `/login?login=${encodeURIComponent(pending.login || "")}`;
      done.hidden = false;
      done.querySelector("a").focus();
      return;
    }
    fieldError(form, "code", codeProblem(r));
    form.elements.code.focus();
  });

  resend.addEventListener("click", async () => {
    hideAlert(alert);
    const body = { account_id: pending.account_id, channel };
    const r = await busy(resend, () => api("POST", "/api/v1/confirmations/resend", { body }));
    if (r.ok) resendStatus.textContent = t("resend.sent");
    else if (r.status === 429) holdButton(resend, r.retryAfter ?? 60, resendStatus);
    else showAlert(alert, problemText(r));
  });
}
