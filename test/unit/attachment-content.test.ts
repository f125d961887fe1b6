import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { cleanFileName, contentDisposition, isPlainText, sniff, TextCheck } from "../../server/attachments/content-type.js";

const bytes = (s: string) => Buffer.from(s, "utf8");

describe("plain text detection", () => {
  it("when text is valid UTF-8 with tabs, line ends, form feeds and any script, then it is plain text", () => {
    for (const text of ["hello", "a\tb\r\nc\n", "page one\fpage two", "读书会 📚 Ελληνικά العربية", "\u{feff}with a byte order mark", "a > b < c"]) {
      expect(isPlainText(bytes(text)), JSON.stringify(text)).toBe(true);
    }
  });

  it("when text starts with <, even after white space or a byte order mark, then it is not plain text", () => {
    for (const text of ["<html>", "<!doctype html>", "   \n\t<svg/>", "\u{feff}<?xml version='1.0'?>", "<"]) {
      expect(isPlainText(bytes(text)), JSON.stringify(text)).toBe(false);
    }
  });

  it("when bytes hold control characters other than tab, CR, LF and FF, then it is not plain text", () => {
    for (const c of [0x00, 0x01, 0x07, 0x08, 0x0b, 0x0e, 0x1b, 0x1f, 0x7f]) {
      expect(isPlainText(Buffer.from([0x61, c, 0x62])), c.toString(16)).toBe(false);
    }
    // C1 controls, as UTF-8 (U+0085, U+009B).
    expect(isPlainText(bytes("a\u0085b"))).toBe(false);
    expect(isPlainText(bytes("a\u009bb"))).toBe(false);
  });

  it("when bytes are not valid UTF-8 (a lone continuation byte, an overlong form, a surrogate, a cut-off sequence), then it is not plain text", () => {
    for (const b of [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x61, 0xe4, 0xbd], [0xff, 0xfe, 0x61, 0x00]]) {
      expect(isPlainText(Buffer.from(b)), JSON.stringify(b)).toBe(false);
    }
  });

  it("when a multi-byte character is split across chunks, then the streamed check still accepts it; a < after the start is fine", () => {
    const text = bytes("  读书会 <b> not html");
    const check = new TextCheck();
    for (let i = 0; i < text.length; i += 1) expect(check.push(text.subarray(i, i + 1))).toBe(true);
    expect(check.end()).toBe(true);
    // The first non-blank character arrives in a later chunk.
    const late = new TextCheck();
    expect(late.push(bytes("   "))).toBe(true);
    expect(late.push(bytes("<script>"))).toBe(false);
  });
});

describe("type detection", () => {
  it("when the content is a PNG, JPEG, GIF, WebP or PDF, then its signature names it, whatever it is called", async () => {
    const base = () => sharp({ create: { width: 4, height: 4, channels: 3, background: "red" } });
    expect(await sniff(await base().png().toBuffer())).toEqual({ kind: "image", type: "image/png" });
    expect(await sniff(await base().jpeg().toBuffer())).toEqual({ kind: "image", type: "image/jpeg" });
    expect(await sniff(await base().gif().toBuffer())).toEqual({ kind: "image", type: "image/gif" });
    expect(await sniff(await base().webp().toBuffer())).toEqual({ kind: "image", type: "image/webp" });
    expect(await sniff(bytes("%PDF-1.7\n%âãÏÓ\n1 0 obj\n"))).toEqual({ kind: "document", type: "application/pdf" });
  });

  it("when the content is another known format (zip, executable, XML with a declaration), then it is refused", async () => {
    expect((await sniff(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0]))).kind).toBe("refused");
    expect((await sniff(Buffer.concat([bytes("MZ"), Buffer.alloc(200)]))).kind).toBe("refused");
    const xml = await sniff(bytes('<?xml version="1.0" encoding="UTF-8"?><svg xmlns="http://www.w3.org/2000/svg"/>'));
    // Either refused by its signature, or left to the text check, which refuses a leading "<".
    expect(xml.kind === "refused" || (xml.kind === "text" && !isPlainText(bytes("<?xml")))).toBe(true);
  });

  it("when the content has no signature, then it is left to the plain text check", async () => {
    expect(await sniff(bytes("just words"))).toEqual({ kind: "text" });
  });
});

describe("file names", () => {
  it("when a name carries a path, control characters or direction overrides, then only a clean base name is kept", () => {
    expect(cleanFileName("../../etc/passwd")).toBe("passwd");
    expect(cleanFileName("C:\\Users\\me\\photo.jpg")).toBe("photo.jpg");
    expect(cleanFileName("evil\u202egnp.exe")).toBe("evilgnp.exe");
    expect(cleanFileName("a\u0000b\nc.txt")).toBe("abc.txt");
    expect(cleanFileName("")).toBe("file");
    expect(cleanFileName(undefined)).toBe("file");
    expect(cleanFileName("..")).toBe("file");
    expect([...cleanFileName("长".repeat(500))].length).toBe(200);
  });

  it("when a Content-Disposition is built, then the ASCII name has no quote or backslash and the exact name is RFC 8187 encoded", () => {
    expect(contentDisposition("attachment", 'a"b\\c;d.txt')).toBe(`attachment; filename="a_b_c_d.txt"; filename*=UTF-8''a%22b%5Cc%3Bd.txt`);
    expect(contentDisposition("inline", "图片 1.png")).toBe(`inline; filename="__ 1.png"; filename*=UTF-8''%E5%9B%BE%E7%89%87%201.png`);
  });
});
