// Linked services as cards: type, masked number, plan, status, balance (debt highlighted).
// Refreshed by the button and every 30 s while the page is visible.
import { LANG, api, problemText, requireSession, t } from "./core.js";

const LOCALE = LANG === "ru" ? "ru-RU" : "en-GB";
const list = document.getElementById("services");
const status = document.getElementById("services-status");
const alert = document.getElementById("services-alert");
const empty = document.getElementById("services-empty");
const template = document.getElementById("service-card");
const refreshButton = document.getElementById("refresh");
const plans = new Map(); // link_id → plan: the list does not carry it, details do

if (requireSession()) {
  greet();
  await load({ announce: false });
  refreshButton.addEventListener("click", () => load({ announce: true }));
  setInterval(() => document.visibilityState === "visible" && load({ announce: false }), 30000);
}

async function greet() {
  const r = await api("GET", "/api/v1/me", { auth: true });
  if (!r.ok) return;
  const greeting = document.getElementById("greeting");
  greeting.textContent = t("dashboard.hello", { name: r.body.first_name });
  greeting.hidden = false;
}

async function load({ announce }) {
  refreshButton.disabled = true;
  const r = await api("GET", "/api/v1/services", { auth: true });
  refreshButton.disabled = false;
  if (!r.ok) {
    if (r.status !== 401) {
      alert.textContent = problemText(r);
      alert.hidden = false;
    }
    return;
  }
  alert.hidden = true;
  const services = r.body;
  await Promise.all(services.filter((s) => s.status === "linked" && !s.plan).map(plan)); // asked on every load
  list.replaceChildren(...services.map(card));
  empty.hidden = services.length > 0;
  const time = new Date().toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  status.textContent = t("dashboard.updated", { time });
  status.setAttribute("aria-live", announce ? "polite" : "off");
}

async function plan(service) {
  const r = await api("GET", `/api/v1/services/${encodeURIComponent(service.link_id)}`, { auth: true });
  if (r.ok) plans.set(service.link_id, r.body.plan);
}

function money(balance) {
  const amount = Number(balance.amount);
  const text = new Intl.NumberFormat(LOCALE, { style: "currency", currency: balance.currency || "RUB" }).format(amount);
  return { text, negative: amount < 0 };
}

function card(service) {
  const node = template.content.firstElementChild.cloneNode(true);
  const id = `service-${service.link_id}`;
  node.dataset.linkId = service.link_id;
  node.dataset.status = service.status;
  const heading = node.querySelector(".service-type");
  heading.id = id;
  heading.textContent = t(`type.${service.type}`);
  node.querySelector("article").setAttribute("aria-labelledby", id);
  node.querySelector(".service-identifier").textContent = service.identifier;
  node.querySelector(".service-plan").textContent = service.plan || plans.get(service.link_id) || t("service.none");
  const statusText = t(`status.${service.status}`);
  const state = service.service_status ? ` (${t(`status.${service.service_status}`)})` : "";
  const statusCell = node.querySelector(".service-status");
  statusCell.textContent = statusText + state;
  statusCell.classList.add(`status-${service.status}`);
  const balanceCell = node.querySelector(".service-balance");
  if (service.balance) {
    const { text, negative } = money(service.balance);
    balanceCell.textContent = text;
    if (negative) {
      balanceCell.classList.add("negative");
      const debt = document.createElement("span");
      debt.className = "debt";
      debt.textContent = t("service.debt");
      balanceCell.append(" ", debt);
    }
  } else balanceCell.textContent = t("service.none");
  if (service.updated_at) {
    const at = new Date(service.updated_at).toLocaleString(LOCALE, { dateStyle: "short", timeStyle: "short" });
    node.querySelector(".service-updated").textContent = t("service.updated", { time: at });
  }
  if (service.status === "pending_proof") {
    const link = document.createElement("a");
    link.href = `/services/add?link=${encodeURIComponent(service.link_id)}`;
    link.textContent = t("service.enter_code");
    node.querySelector(".service-action").append(link);
  }
  return node;
}
