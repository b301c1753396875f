// "Add service": region + type + identifier → linked at once, or the code sent to the contract phone.
import { api, busy, checkRequired, clearErrors, codeProblem, fieldError, problemText, param, requireSession, showAlert, showErrors, t, values } from "./core.js";
import { attachRegions } from "./regions.js";

const form = document.getElementById("add-service");
const codeForm = document.getElementById("add-service-code");
const done = document.getElementById("add-service-done");
const type = form.elements.type;
const PHONE_TYPES = ["mobile", "home_phone"];
let linkId = param("link");

if (requireSession()) {
  const me = await api("GET", "/api/v1/me", { auth: true });
  const regions = await attachRegions(form, me.ok ? me.body.region?.code : null);
  labelIdentifier();
  type.addEventListener("change", labelIdentifier);
  if (linkId) showCode();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!checkRequired(form)) return;
    if (regions.problem()) {
      showErrors(form, { region: [regions.problem()] });
      return;
    }
    const body = values(form, ["region", "type", "identifier"]);
    const r = await busy(form.querySelector('button[type="submit"]'), () =>
      api("POST", "/api/v1/services", { body, auth: true }),
    );
    if (r.status === 202 || r.status === 200) {
      linkId = r.body.link_id;
      if (r.body.status === "linked") linked();
      else showCode();
    } else if (r.status === 422 && r.body?.errors) {
      showErrors(form, r.body.errors);
    } else if (r.status !== 401) {
      showAlert(document.getElementById("add-service-alert"), problemText(r));
    }
  });

  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(codeForm);
    const code = codeForm.elements.code.value.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(code)) {
      fieldError(codeForm, "code", t("field.code_format"));
      codeForm.elements.code.focus();
      return;
    }
    const path = `/api/v1/services/${encodeURIComponent(linkId)}/confirm`;
    const r = await busy(codeForm.querySelector('button[type="submit"]'), () =>
      api("POST", path, { body: { code }, auth: true }),
    );
    if (r.ok && r.body?.status === "linked") linked();
    else if (r.ok) linked(t("add.still_pending"));
    else if (r.status !== 401) {
      fieldError(codeForm, "code", codeProblem(r, { gone: t("add.gone") }));
      codeForm.elements.code.focus();
    }
  });

  document.getElementById("add-service-edit").addEventListener("click", () => {
    codeForm.hidden = true;
    form.hidden = false;
    form.elements.identifier.focus();
  });
}

function labelIdentifier() {
  const phone = PHONE_TYPES.includes(type.value);
  document.getElementById("add-service-identifier-label").textContent = t(phone ? "field.identifier_phone" : "field.identifier_account");
  document.getElementById("add-service-identifier-hint").textContent = t(
    phone ? "field.identifier_phone_hint" : "field.identifier_account_hint",
  );
  const input = form.elements.identifier;
  input.inputMode = phone ? "tel" : "numeric";
  input.type = phone ? "tel" : "text";
}

function showCode() {
  form.hidden = true;
  codeForm.hidden = false;
  codeForm.elements.code.value = "";
  codeForm.elements.code.focus();
}

function linked(text = t("add.linked")) {
  form.hidden = true;
  codeForm.hidden = true;
  document.getElementById("add-service-done-text").textContent = text;
  done.hidden = false;
  done.querySelector("a").focus();
}
