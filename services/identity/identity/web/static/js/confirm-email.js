// Landing page of the email link: hand the token to the API (`GET /confirm?token=…`) and say how it went.
import { api, param, t } from "./core.js";

const token = param("token");
history.replaceState(null, "", location.pathname); // the token is single-use: keep it out of history
const working = document.getElementById("link-working");

const show = (ok, text) => {
  working.hidden = true;
  if (ok) {
    document.getElementById("link-ok").hidden = false;
    sessionStorage.removeItem("kabinet.pending");
    document.querySelector("#link-ok a").focus();
  } else {
    document.getElementById("link-failed-text").textContent = text;
    document.getElementById("link-failed").hidden = false;
  }
};

if (!token) show(false, t("confirm_email.invalid"));
else {
  const r = await api("GET", `/confirm?token=${encodeURIComponent(token)}`);
  if (r.ok) show(true);
  else if (r.status === 410) show(false, t("confirm_email.gone"));
  else if (r.status === 404 || r.status === 422) show(false, t("confirm_email.invalid"));
  else show(false, r.status === 0 ? t("error.network") : t("error.generic", { status: r.status }));
}
