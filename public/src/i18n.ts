/**
 * The page's language: `t(key, params)` over the shared catalogue, the
 * switch between English and Chinese, and re-translation of the parts the
 * server rendered (marked `data-i18n="key"` for text, `data-i18n-attrs=
 * "attr:key,…"` for attributes, `data-i18n-<param>` for parameters).
 */
import type { MessageKey, Locale } from "../../server/i18n/catalogue";
import { isLocale, LOCALE_COOKIE, translate, type Params } from "../../server/i18n/translate";
import type { AckError } from "../../server/protocol";

let locale: Locale = isLocale(document.documentElement.lang) ? document.documentElement.lang : "en";
const listeners = new Set<() => void>();

export function t(key: MessageKey, params?: Params): string {
  return translate(locale, key, params);
}

export function currentLocale(): Locale {
  return locale;
}

/** Called after every switch of language, to redraw what scripts drew. */
export function onLocaleChange(listener: () => void): void {
  listeners.add(listener);
}

/** Switches the page's language and remembers it (a cookie, so the server's first paint matches). */
export function setLocale(next: Locale): void {
  if (next === locale) return;
  locale = next;
  document.documentElement.lang = next;
  document.cookie = `${LOCALE_COOKIE}=${next}; path=/; max-age=31536000; SameSite=Lax`;
  translateStatic(document);
  for (const listener of listeners) listener();
}

/** Re-translates the server-rendered strings under `root`. */
export function translateStatic(root: ParentNode): void {
  for (const node of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n as MessageKey, paramsOf(node));
  }
  for (const node of root.querySelectorAll<HTMLElement>("[data-i18n-attrs]")) {
    for (const pair of (node.dataset.i18nAttrs ?? "").split(",")) {
      const [attr, key] = pair.split(":");
      if (attr && key) node.setAttribute(attr, t(key as MessageKey, paramsOf(node)));
    }
  }
}

function paramsOf(node: HTMLElement): Params {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(node.dataset)) {
    if (name.startsWith("i18n") && name !== "i18n" && name !== "i18nAttrs" && value !== undefined) {
      params[name.charAt(4).toLowerCase() + name.slice(5)] = value;
    }
  }
  return params;
}

/** What to tell a person about a refused request: translated by its code, never the server's English. */
export function errorText(error: AckError): string {
  return t(`error.${error.code}`);
}
