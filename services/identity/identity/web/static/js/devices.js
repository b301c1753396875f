// Where the subscriber is signed in: each live session, ending one, or every other one.
import { LANG, api, busy, problemText, t } from "./core.js";

const LOCALE = LANG === "ru" ? "ru-RU" : "en-GB";
const section = document.getElementById("sessions-section");
const list = document.getElementById("sessions");
const status = document.getElementById("sessions-status");
const endOthers = document.getElementById("sessions-end-others");

/** Show the list and wire its buttons (once the profile has loaded). */
export async function showSessions() {
  endOthers.addEventListener("click", async () => {
    const r = await busy(endOthers, () => api("DELETE", "/api/v1/sessions/others", { auth: true }));
    if (!r.ok) {
      status.textContent = problemText(r);
      return;
    }
    await load();
    status.textContent = t("profile.sessions_ended", { n: r.body.ended });
  });
  await load();
  section.hidden = false;
}

async function load() {
  const r = await api("GET", "/api/v1/sessions", { auth: true });
  if (!r.ok) {
    status.textContent = problemText(r);
    return;
  }
  list.replaceChildren(...r.body.sessions.map(item));
  const others = r.body.sessions.some((s) => !s.current);
  endOthers.hidden = !others;
  status.textContent = others ? "" : t("profile.sessions_only_this");
}

function item(s) {
  const li = document.createElement("li");
  li.dataset.session = s.session_id;
  const device = document.createElement("span");
  device.className = "what";
  device.textContent = deviceName(s.user_agent);
  const when = document.createElement("span");
  when.className = "when";
  const facts = [
    t("profile.session_opened", { at: moment(s.created_at) }),
    t("profile.session_active", { at: moment(s.last_active_at) }),
  ];
  if (s.ip) facts.push(t("profile.session_from", { ip: s.ip }));
  when.textContent = facts.join(" · ");
  li.append(device, " ");
  if (s.current) {
    const badge = document.createElement("span");
    badge.className = "badge current";
    badge.textContent = t("profile.session_current");
    li.append(badge, " ");
  }
  li.append(when);
  if (!s.current) {
    const end = document.createElement("button");
    end.type = "button";
    end.className = "secondary";
    end.textContent = t("profile.session_end");
    end.setAttribute("aria-label", `${t("profile.session_end")}: ${device.textContent}, ${when.textContent}`);
    end.addEventListener("click", async () => {
      const r = await busy(end, () => api("DELETE", `/api/v1/sessions/${s.session_id}`, { auth: true }));
      if (r.ok || r.status === 404) {
        await load(); // 404: it had ended meanwhile
        status.textContent = t("profile.session_ended");
      } else status.textContent = problemText(r);
    });
    li.append(end);
  }
  return li;
}

function moment(iso) {
  return new Date(iso).toLocaleString(LOCALE, { dateStyle: "medium", timeStyle: "short" });
}

/** "Firefox, Linux" from a user agent: the browser or app and the system, enough to recognise it. */
function deviceName(agent) {
  if (!agent) return t("profile.session_unknown_device");
  const browser =
    [
      [/Edg(e|A|iOS)?\//, "Edge"],
      [/OPR\/|Opera/, "Opera"],
      [/YaBrowser\//, "Yandex Browser"],
      [/Firefox\/|FxiOS\//, "Firefox"],
      [/Chrome\/|CriOS\//, "Chrome"],
      [/Safari\//, "Safari"],
    ].find(([re]) => re.test(agent))?.[1] ?? null;
  const system =
    [
      [/Android/, "Android"],
      [/iPhone|iPad|iOS/, "iOS"],
      [/Windows/, "Windows"],
      [/Mac OS X|Macintosh/, "macOS"],
      [/Linux/, "Linux"],
    ].find(([re]) => re.test(agent))?.[1] ?? null;
  const name = [browser, system].filter(Boolean).join(", ");
  return name || agent.slice(0, 60);
}
