import { Router, type Request, type Response } from "express";
import { LOCALE_LABELS, LOCALES, type Locale } from "../i18n/catalogue.js";
import { LOCALE_COOKIE, pickLocale, translator, type Translate } from "../i18n/translate.js";
import { cookieOf } from "../http/request.js";
import { LIMITS } from "../protocol.js";

/**
 * Chooses the request's locale and sets the locals every view needs to speak
 * it (`locale`, `t`); the response varies on what chose it.
 */
export function localeOf(req: Request, res: Response): { locale: Locale; t: Translate } {
  const locale = pickLocale(req.headers["accept-language"], cookieOf(req, LOCALE_COOKIE));
  const t = translator(locale);
  res.vary("Accept-Language").vary("Cookie");
  res.setHeader("Content-Language", locale);
  res.locals.locale = locale;
  res.locals.t = t;
  return { locale, t };
}

export function pagesRouter(options: { maxTextLength: number; maxUploadBytes: number }): Router {
  const router = Router();
  router.get("/", (req, res) => {
    const { t } = localeOf(req, res);
    // Revalidated on every load, so a new release's asset names are picked up at once.
    res.setHeader("Cache-Control", "no-cache");
    res.render("index", {
      title: t("app.title"),
      limits: { ...LIMITS, textMax: options.maxTextLength, uploadMax: options.maxUploadBytes },
      locales: LOCALES.map((code) => ({ code, label: LOCALE_LABELS[code] })),
    });
  });
  return router;
}
