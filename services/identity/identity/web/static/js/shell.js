// Every page: the menu for a signed-in or anonymous visitor, logging out, the language switch.
import { api, revealers, session } from "./core.js";

const signedIn = Boolean(session.get());
for (const item of document.querySelectorAll("[data-auth]")) {
  item.hidden = (item.dataset.auth === "in") !== signedIn;
}

document.getElementById("logout")?.addEventListener("click", async (event) => {
  event.currentTarget.disabled = true;
  await api("DELETE", "/api/v1/sessions/current", { auth: true, redirect: false });
  session.clear();
  location.assign("/login?notice=logged_out");
});

// The switch goes back to the page as it is now (a landing page may have dropped its token from the URL).
const switcher = document.getElementById("lang-switch");
switcher?.addEventListener("click", () => {
  const url = new URL(switcher.href, location.href);
  url.searchParams.set("next", location.pathname + location.search);
  switcher.href = url.pathname + url.search;
});

revealers();
