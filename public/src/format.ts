/** Dates and times in the page's language, through `Intl`. */
import { currentLocale } from "./i18n";
import { t } from "./i18n";

const cache = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat>();

function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${currentLocale()}|${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (!format) cache.set(key, (format = new Intl.DateTimeFormat(currentLocale(), options)));
  return format as Intl.DateTimeFormat;
}

function relativeFormat(): Intl.RelativeTimeFormat {
  const key = `${currentLocale()}|relative`;
  let format = cache.get(key);
  if (!format) cache.set(key, (format = new Intl.RelativeTimeFormat(currentLocale(), { numeric: "auto" })));
  return format as Intl.RelativeTimeFormat;
}

/** The local calendar day of a date, for grouping messages by day. */
export function dayKey(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** "Today", "Yesterday", or the date in full. */
export function dayLabel(date: Date, now = new Date()): string {
  if (dayKey(date) === dayKey(now)) return t("day.today");
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (dayKey(date) === dayKey(yesterday)) return t("day.yesterday");
  return dateFormat({
    weekday: "long",
    month: "long",
    day: "numeric",
    ...(date.getFullYear() !== now.getFullYear() ? { year: "numeric" } : {}),
  }).format(date);
}

/** "just now", "5 minutes ago" within the hour, else the time of day. */
export function shortTime(date: Date, now = new Date()): string {
  const minutes = Math.floor((now.getTime() - date.getTime()) / 60_000);
  if (minutes < 1) return t("time.justNow");
  if (minutes < 60) return relativeFormat().format(-minutes, "minute");
  return dateFormat({ hour: "2-digit", minute: "2-digit" }).format(date);
}

/** The exact date and time, shown on hover. */
export function exactTime(date: Date): string {
  return dateFormat({ dateStyle: "full", timeStyle: "medium" }).format(date);
}
