// Live password feedback from the gateway (`POST /api/v1/password-strength`) and a match check.
import { api, t, tr } from "./core.js";

/**
 * Show strength, problems and tips under `password` as the subscriber types (debounced);
 * `login` (a field name or a function) lets the policy warn about the login inside the password.
 */
export function attachStrength(form, password, { login, confirmation } = {}) {
  const input = form.elements[password];
  const box = form.querySelector(`[data-strength-for="${password}"]`);
  const meter = box.querySelector("meter");
  const verdict = box.querySelector(".verdict");
  const problems = box.querySelector(".problems");
  const tips = box.querySelector(".tips");
  let timer = null;
  let asked = 0;

  const loginValue = () => (typeof login === "function" ? login() : login ? form.elements[login]?.value.trim() : null);

  async function check() {
    const value = input.value;
    const mine = ++asked;
    if (!value) {
      box.hidden = true;
      return;
    }
    const r = await api("POST", "/api/v1/password-strength", { body: { password: value, login: loginValue() || null } });
    if (mine !== asked || !r.ok) return; // a newer keystroke is on its way, or the check is unavailable
    const s = r.body;
    box.hidden = false;
    meter.value = s.score;
    box.dataset.score = String(s.score);
    box.dataset.acceptable = String(s.acceptable);
    verdict.textContent = t("strength.verdict", { verdict: t(`strength.${s.verdict}`) });
    fill(problems, s.problems);
    fill(tips, s.acceptable ? s.suggestions : []);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
  if (login && typeof login === "string") form.elements[login]?.addEventListener("change", () => input.value && check());

  if (confirmation) {
    const other = form.elements[confirmation];
    const slot = form.querySelector(`[data-error-for="${confirmation}"]`);
    const compare = () => {
      const mismatch = other.value && input.value && other.value !== input.value;
      if (mismatch) {
        slot.textContent = t("strength.mismatch");
        slot.hidden = false;
        other.setAttribute("aria-invalid", "true");
      } else if (slot.textContent === t("strength.mismatch")) {
        slot.hidden = true;
        slot.textContent = "";
        other.removeAttribute("aria-invalid");
      }
    };
    other.addEventListener("blur", compare);
    other.addEventListener("input", () => other.getAttribute("aria-invalid") && compare());
    input.addEventListener("input", () => other.value && compare());
  }
}

function fill(list, items) {
  list.replaceChildren(
    ...items.map((text) => {
      const li = document.createElement("li");
      li.textContent = tr(text);
      return li;
    }),
  );
}
