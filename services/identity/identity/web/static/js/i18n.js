// The page's language and messages (the catalogue the server embeds as JSON).

const CATALOGUE = JSON.parse(document.getElementById("kabinet-i18n").textContent);
export const LANG = document.documentElement.lang || "ru";

/** The UI message `key` with `{name}` placeholders filled. */
export function t(key, values = {}) {
  const text = CATALOGUE[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
}

/** An API message (English) in the page's language, when the catalogue knows it. */
export function tr(message, field) {
  const api = CATALOGUE.api || {};
  return api[message] ?? api[`field_generic.${field}`] ?? message;
}

/** "45 s", "2 min 05 s", "1 h 05 min". */
export function duration(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return t("time.seconds", { s });
  if (s < 3600) return t("time.minutes", { m: Math.floor(s / 60), s: String(s % 60).padStart(2, "0") });
  return t("time.hours", { h: Math.floor(s / 3600), m: String(Math.floor((s % 3600) / 60)).padStart(2, "0") });
}
