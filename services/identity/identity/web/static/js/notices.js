// The messages Kabinet sent the subscriber: what, when, how and where (masked), and whether it left.
import { LANG, api, problemText, t } from "./core.js";

const LOCALE = LANG === "ru" ? "ru-RU" : "en-GB";

/** Show the newest messages (once the profile has loaded). */
export async function showNotices() {
  const section = document.getElementById("notices-section");
  const status = document.getElementById("notices-status");
  const r = await api("GET", "/api/v1/me/notifications", { auth: true });
  if (!r.ok) status.textContent = problemText(r);
  else {
    document.getElementById("notices").replaceChildren(...r.body.notifications.map(item));
    status.textContent = r.body.notifications.length ? "" : t("profile.notices_none");
  }
  section.hidden = false;
}

function item(n) {
  const li = document.createElement("li");
  li.dataset.template = n.template;
  const what = document.createElement("span");
  what.className = "what";
  const label = t(`msg.${n.template}`);
  what.textContent = label === `msg.${n.template}` ? n.template : label; // a template newer than this page
  const badge = document.createElement("span");
  badge.className = `badge ${n.state}`;
  badge.textContent = t(`msg.state.${n.state}`);
  const when = document.createElement("span");
  when.className = "when";
  const at = new Date(n.at).toLocaleString(LOCALE, { dateStyle: "medium", timeStyle: "short" });
  when.textContent = [at, t(`msg.channel.${n.channel}`), n.to].filter(Boolean).join(" · ");
  li.append(what, " ", badge, " ", when);
  return li;
}
