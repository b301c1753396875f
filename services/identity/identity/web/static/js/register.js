// The three-step registration wizard. One form holds every step, so going back loses nothing;
// "Next" asks the API to check the step's fields (a partial body can never register anyone).
import { LANG, api, busy, checkRequired, clearErrors, fieldError, problemText, showAlert, showErrors, t, values } from "./core.js";
import { attachRegions } from "./regions.js";
import { attachStrength } from "./strength.js";

const STEPS = [
  ["login", "password", "password_confirmation"],
  ["last_name", "first_name", "middle_name", "birth_date", "region"],
  ["phone", "email", "confirm_via"],
];
const DRAFT = "kabinet.register.draft";
const form = document.getElementById("register");
const alert = document.getElementById("register-alert");
let step = 1;

const birth = form.elements.birth_date;
birth.max = new Date().toISOString().slice(0, 10);

attachStrength(form, "password", { login: "login", confirmation: "password_confirmation" });
const regions = await attachRegions(form);
restoreDraft();

function show(n, { focus = true } = {}) {
  step = n;
  for (const fieldset of form.querySelectorAll("[data-step]")) fieldset.hidden = Number(fieldset.dataset.step) !== n;
  for (const marker of document.querySelectorAll("[data-step-marker]")) {
    if (Number(marker.dataset.stepMarker) === n) marker.setAttribute("aria-current", "step");
    else marker.removeAttribute("aria-current");
    marker.classList.toggle("done", Number(marker.dataset.stepMarker) < n);
  }
  if (focus) form.querySelector(`[data-step="${n}"] input:not([type=hidden])`)?.focus();
}

function stepOf(field) {
  const index = STEPS.findIndex((names) => names.includes(field));
  return index < 0 ? 3 : index + 1;
}

function localProblems(n) {
  const problems = {};
  if (n === 1 && form.elements.password.value !== form.elements.password_confirmation.value) {
    problems.password_confirmation = [t("strength.mismatch")];
  }
  if (n === 2 && regions.problem()) problems.region = [regions.problem()];
  return problems;
}

async function validateStep(n) {
  clearErrors(form);
  if (!checkRequired(form, STEPS[n - 1])) return false;
  const local = localProblems(n);
  if (Object.keys(local).length) {
    showErrors(form, local);
    return false;
  }
  // Only this step's fields: the body misses required ones, so the API answers 422 and registers nobody.
  const r = await api("POST", "/api/v1/registrations", { body: values(form, STEPS[n - 1]) });
  if (r.status !== 422 || !r.body?.errors) return true; // cannot check now: the final submit will
  const mine = Object.fromEntries(Object.entries(r.body.errors).filter(([name]) => STEPS[n - 1].includes(name)));
  if (!Object.keys(mine).length) return true;
  showErrors(form, mine);
  return false;
}

for (const button of form.querySelectorAll("[data-next]")) {
  button.addEventListener("click", async () => {
    if (await busy(button, () => validateStep(step))) show(step + 1);
  });
}
for (const button of form.querySelectorAll("[data-back]")) {
  button.addEventListener("click", () => {
    clearErrors(form);
    show(step - 1);
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (step !== 3) {
    form.querySelector(`[data-step="${step}"] [data-next]`)?.click();
    return;
  }
  clearErrors(form);
  if (!checkRequired(form, STEPS[2])) return;
  const button = form.querySelector('button[type="submit"]');
  const r = await busy(button, () => api("POST", "/api/v1/registrations", { body: { ...values(form), locale: LANG } }));
  if (r.status === 201) {
    const { account_id, confirmation } = r.body;
    sessionStorage.setItem(
      "kabinet.pending",
      JSON.stringify({ account_id, ...confirmation, login: form.elements.login.value.trim() }),
    );
    sessionStorage.removeItem(DRAFT);
    location.assign("/register/confirm");
  } else if (r.status === 409) {
    show(1, { focus: false });
    fieldError(form, "login", t("register.login_taken"));
    showAlert(alert, t("register.login_taken"));
    form.elements.login.focus();
  } else if (r.status === 422 && r.body?.errors) {
    const first = Math.min(...Object.keys(r.body.errors).map(stepOf));
    show(first, { focus: false });
    showErrors(form, r.body.errors, { summary: t("form.fix_errors_step", { n: first }) });
  } else {
    showAlert(alert, problemText(r));
    alert.focus();
  }
});

// Keep what was typed (never the passwords) if the page is reloaded, e.g. to switch the language.
form.addEventListener("input", saveDraft);
form.addEventListener("change", saveDraft);

function saveDraft() {
  const kept = values(form);
  delete kept.password;
  delete kept.password_confirmation;
  sessionStorage.setItem(DRAFT, JSON.stringify(kept));
}

function restoreDraft() {
  let draft = null;
  try {
    draft = JSON.parse(sessionStorage.getItem(DRAFT));
  } catch {
    draft = null;
  }
  if (!draft) return;
  for (const [name, value] of Object.entries(draft)) {
    if (name === "region") regions.set(value);
    else if (name === "confirm_via") {
      const radio = form.querySelector(`input[name="confirm_via"][value="${CSS.escape(value)}"]`);
      if (radio) radio.checked = true;
    } else if (form.elements[name]) form.elements[name].value = value;
  }
}
