// The searchable region list: a text input with a datalist of names; the hidden `region` holds the code.
import { LANG, api, t } from "./core.js";

let loading = null;

async function regions() {
  const cached = sessionStorage.getItem("kabinet.regions");
  if (cached) return JSON.parse(cached);
  loading ??= api("GET", "/api/v1/regions").then((r) => {
    if (!r.ok) return [];
    sessionStorage.setItem("kabinet.regions", JSON.stringify(r.body));
    return r.body;
  });
  return loading;
}

const nameOf = (region) => (LANG === "en" ? region.name_en : region.name);

/** The name of a region code in the page's language. */
export async function regionName(code) {
  const region = (await regions()).find((r) => r.code === code);
  return region ? nameOf(region) : code;
}

/** Fill the picker inside `form`; `initial` is a code to preselect. Resolves when the list is in. */
export async function attachRegions(form, initial) {
  const box = form.querySelector('[data-field="region"]');
  const input = box.querySelector("[data-region-input]");
  const hidden = box.querySelector('input[type="hidden"][name="region"]');
  const list = box.querySelector("datalist");
  const all = await regions();
  list.replaceChildren(
    ...all.map((region) => {
      const option = document.createElement("option");
      option.value = nameOf(region);
      return option;
    }),
  );
  const byName = new Map(all.map((r) => [nameOf(r).toLocaleLowerCase(), r.code]));
  const sync = () => {
    hidden.value = byName.get(input.value.trim().toLocaleLowerCase()) ?? "";
  };
  input.addEventListener("input", sync);
  input.addEventListener("change", sync);
  const code = initial || hidden.value;
  if (code) {
    const region = all.find((r) => r.code === code);
    if (region) input.value = nameOf(region);
  }
  sync();
  return {
    /** A field error when the text names no region. */
    problem: () => (input.value.trim() && !hidden.value ? t("field.region_pick") : null),
    set(code) {
      const region = all.find((r) => r.code === code);
      input.value = region ? nameOf(region) : "";
      sync();
    },
  };
}
