import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { linkify } from "../../public/src/linkify.js";

const links = (text: string) => linkify(text).filter((s) => s.href !== undefined);

describe("turning URLs in a message into links", () => {
  it("when text has http(s) or www. URLs, then they become links and sentence punctuation stays outside", () => {
    expect(links("see https://example.com/a?b=1, then.")).toEqual([{ text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" }]);
    expect(links("(www.example.org/x)")).toEqual([{ text: "www.example.org/x", href: "https://www.example.org/x" }]);
    expect(links("wiki https://en.wikipedia.org/wiki/Chat_(app).")).toEqual([
      { text: "https://en.wikipedia.org/wiki/Chat_(app)", href: "https://en.wikipedia.org/wiki/Chat_(app)" },
    ]);
    expect(links("中文：http://例子.测试/路径。好")).toEqual([{ text: "http://例子.测试/路径", href: "http://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84" }]);
  });

  it("when a scheme is not http(s), then nothing becomes a link", () => {
    for (const text of ["javascript:alert(1)", "JAVASCRIPT://x.com/%0aalert(1)", "data:text/html,<b>", "vbscript:x", "ftp://example.com/f", "file:///etc/passwd", "https://", "www."]) {
      expect(links(text), text).toEqual([]);
    }
  });

  it("when markup follows a URL, then it is not part of the link", () => {
    expect(links('https://example.com/"><img src=x onerror=alert(1)>')).toEqual([{ text: "https://example.com/", href: "https://example.com/" }]);
  });

  it("when any text is split, then the pieces put back together are the text, and every link is http(s)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), fc.constantFrom("", "https://a.example/", "www.b.example/x?y=(1)", "http://"), (s, url) => {
        const text = `${s}${url}${s}`;
        const segments = linkify(text);
        expect(segments.map((x) => x.text).join("")).toBe(text);
        for (const x of segments) if (x.href !== undefined) expect(x.href).toMatch(/^https?:\/\/[^/]/);
      }),
      { numRuns: 2000 },
    );
  });
});
