/**
 * Looking strings up in the catalogue, and choosing a language for a request.
 * Shared by the server (first paint) and the browser bundle.
 *
 * @example
 * translate("zh-CN", "messages.newPill", { count: 3 }) // "3 条新消息"
 */
import { CATALOGUES, DEFAULT_LOCALE, LOCALES, type Entry, type Locale, type MessageKey } from "./catalogue.js";

export type Params = Readonly<Record<string, string | number>>;
export type Translate = (key: MessageKey, params?: Params) => string;

const pluralRules = new Map<Locale, Intl.PluralRules>();

/** The string for `key` in `locale`, with `{placeholders}` filled and plurals chosen by `params.count`. */
export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  const entry = CATALOGUES[locale][key] as Entry | undefined;
  let template: string;
  if (entry === undefined) {
    // A key from an outdated page or a typo: show the key rather than break the page.
    template = key;
  } else if (typeof entry === "string") {
    template = entry;
  } else {
    let rules = pluralRules.get(locale);
    if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
    const category = rules.select(Number(params.count ?? 0));
    template = (category === "one" ? entry.one : undefined) ?? entry.other;
  }
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** A `t(key, params)` bound to one locale. */
export function translator(locale: Locale): Translate {
  return (key, params) => translate(locale, key, params);
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * The locale for a first paint: the one the person chose before (cookie),
 * else the first supported language of `Accept-Language` by quality
 * (any `zh` variant means Chinese), else English.
 */
export function pickLocale(acceptLanguage: string | undefined, chosen: string | undefined): Locale {
  if (isLocale(chosen)) return chosen;
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...rest] = part.trim().split(";");
      const q = rest.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const quality = q ? Number(q.slice(2)) : 1;
      return { tag: tag.toLowerCase(), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((l) => l.tag && l.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === "zh" || tag.startsWith("zh-")) return "zh-CN";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return DEFAULT_LOCALE;
}

/** The cookie that remembers a person's choice of language (read by the server for the first paint). */
export const LOCALE_COOKIE = "lang";
