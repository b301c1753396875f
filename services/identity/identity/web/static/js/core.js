// What every page script uses, from one place: messages, the API client, form helpers.
export * from "./api.js";
export * from "./forms.js";
export * from "./i18n.js";
