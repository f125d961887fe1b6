import { describe, expect, it } from "vitest";
import { CATALOGUES, LOCALES, type Entry, type MessageKey } from "../../server/i18n/catalogue.js";
import { pickLocale, translate } from "../../server/i18n/translate.js";
import { ERROR_CODES } from "../../server/protocol.js";

const placeholders = (entry: Entry) =>
  [...new Set((typeof entry === "string" ? [entry] : [entry.one ?? "", entry.other]).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();

describe("the message catalogue", () => {
  it("when a key exists in English, then Chinese has it with the same placeholders", () => {
    for (const key of Object.keys(CATALOGUES.en) as MessageKey[]) {
      expect(placeholders(CATALOGUES["zh-CN"][key]), key).toEqual(placeholders(CATALOGUES.en[key]));
    }
    expect(Object.keys(CATALOGUES["zh-CN"]).sort()).toEqual(Object.keys(CATALOGUES.en).sort());
  });

  it("when the server answers with any error code, then there is a translated message for it", () => {
    for (const locale of LOCALES) {
      for (const code of ERROR_CODES) expect(translate(locale, `error.${code}`)).not.toBe(`error.${code}`);
    }
  });

  it("when a count is given, then the plural form of the language is chosen", () => {
    expect(translate("en", "messages.newPill", { count: 1 })).toBe("1 new message");
    expect(translate("en", "messages.newPill", { count: 2 })).toBe("2 new messages");
    expect(translate("zh-CN", "messages.newPill", { count: 1 })).toBe("1 条新消息");
    expect(translate("zh-CN", "messages.newPill", { count: 5 })).toBe("5 条新消息");
  });

  it("when a parameter is missing or a key unknown, then the text shows it instead of failing", () => {
    expect(translate("en", "notice.joined")).toBe("{name} joined");
    expect(translate("en", "no.such.key" as MessageKey)).toBe("no.such.key");
  });
});

describe("choosing the language of the first paint", () => {
  it("when the person chose a language before, then that choice wins over the browser's", () => {
    expect(pickLocale("zh-CN,zh;q=0.9", "en")).toBe("en");
    expect(pickLocale("en-US", "zh-CN")).toBe("zh-CN");
  });

  it("when only Accept-Language is known, then the best supported language by quality is used", () => {
    expect(pickLocale("zh-CN,zh;q=0.9,en;q=0.8", undefined)).toBe("zh-CN");
    expect(pickLocale("zh-TW", undefined)).toBe("zh-CN");
    expect(pickLocale("fr-FR, en;q=0.5, zh;q=0.7", undefined)).toBe("zh-CN");
    expect(pickLocale("en;q=0.9, zh;q=0.1", undefined)).toBe("en");
    expect(pickLocale("zh;q=0, en", undefined)).toBe("en");
  });

  it("when nothing usable is sent, then English is used", () => {
    expect(pickLocale(undefined, undefined)).toBe("en");
    expect(pickLocale("de, fr;q=0.5", "klingon")).toBe("en");
    expect(pickLocale(";;;,q=,", undefined)).toBe("en");
  });
});
