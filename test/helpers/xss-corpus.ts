/**
 * XSS payloads for the browser tests. Every payload that would run reports
 * itself: it sets `top.__xss` to its own number (and some also open a dialog
 * or change the title), so a test can tell which one executed.
 *
 * Sources of inspiration: the OWASP XSS filter evasion cheat sheet and the
 * PortSwigger XSS cheat sheet (event handlers, javascript: URLs, SVG/MathML,
 * mutation XSS, encodings, template injection).
 */

export type XssPayload = { id: number; label: string; payload: string };

/** The JavaScript a payload runs: marks which payload executed. */
export const js = (id: number): string => `top.__xss=${id}`;

const decimalEntities = (s: string) => [...s].map((c) => `&#${c.codePointAt(0)};`).join("");
const hexEntities = (s: string) => [...s].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join("");
const percent = (s: string) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`).join("");
const base64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unicodeEscapes = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");

const templates: [label: string, make: (j: string, id: number) => string][] = [
  ["script tag", (j) => `<script>${j}</script>`],
  ["script tag, mixed case", (j) => `<ScRiPt>${j}</sCrIpT>`],
  ["script with data: src", (j) => `<script src="data:text/javascript,${j}"></script>`],
  ["script, alert", (j, id) => `<script>${j};alert(${id})</script>`],
  ["img onerror", (j) => `<img src=x onerror=${j}>`],
  ["img onerror, mixed case, quoted", (j) => `<IMG SRC="x" OnErRoR="${j}">`],
  ["img onerror, self-closing, alert", (j, id) => `<img src="x" onerror="${j};alert(${id})" />`],
  ["img onerror, decimal entities", (j) => `<img src=x onerror="${decimalEntities(j)}">`],
  ["img onerror, hex entities", (j) => `<img src=x onerror="${hexEntities(j)}">`],
  ["img onerror, eval(atob)", (j) => `<img src=x onerror="eval(atob('${base64(j)}'))">`],
  ["img, slash separator", (j) => `<img/src="x"/onerror=${j}>`],
  ["svg onload", (j) => `<svg onload=${j}>`],
  ["svg/onload", (j) => `<svg/onload=${j}>`],
  ["svg with script", (j) => `<svg><script>${j}</script></svg>`],
  ["svg animate onbegin", (j) => `<svg><animate onbegin=${j} attributeName=x dur=1s>`],
  ["svg a xlink:href javascript:", (j) => `<svg><a xlink:href="javascript:${j}"><text x="20" y="20">XSS</text></a></svg>`],
  ["body onload", (j) => `<body onload=${j}>`],
  ["details open ontoggle", (j) => `<details open ontoggle=${j}>`],
  ["a href javascript:", (j) => `<a href="javascript:${j}">click me</a>`],
  ["a href javascript:, mixed case", (j) => `<a href="JaVaScRiPt:${j}">click</a>`],
  ["a href javascript:, entity-encoded scheme", (j) => `<a href="&#106;&#97;vascript:${j}">click</a>`],
  ["a href javascript:, tab in scheme", (j) => `<a href="java&#x09;script:${j}">click</a>`],
  ["a href javascript:, url-encoded body", (j) => `<a href="javascript:${percent(j)}">click</a>`],
  ["iframe src javascript:", (j) => `<iframe src="javascript:${j}"></iframe>`],
  ["iframe srcdoc", (j) => `<iframe srcdoc="<script>${j}</script>"></iframe>`],
  ["iframe data: url", (j) => `<iframe src="data:text/html,<script>${j}</script>"></iframe>`],
  ["math href javascript:", (j) => `<math href="javascript:${j}">CLICK</math>`],
  ["math mglyph mXSS", (j) => `<math><mtext><table><mglyph><style><img src=x onerror=${j}></style></mglyph></table></mtext></math>`],
  ["object data javascript:", (j) => `<object data="javascript:${j}"></object>`],
  ["embed src javascript:", (j) => `<embed src="javascript:${j}">`],
  ["input autofocus onfocus", (j) => `<input autofocus onfocus=${j}>`],
  ["select autofocus onfocus", (j) => `<select autofocus onfocus=${j}></select>`],
  ["textarea breakout", (j) => `</textarea><script>${j}</script>`],
  ["title breakout", (j) => `</title><img src=x onerror=${j}>`],
  ["attribute breakout, double quote", (j) => `"><script>${j}</script>`],
  ["attribute breakout, single quote", (j) => `'><img src=x onerror=${j}>`],
  ["attribute injection", (j) => `" autofocus onfocus="${j}" x="`],
  ["marquee onstart", (j) => `<marquee onstart=${j}>x</marquee>`],
  ["video source onerror", (j) => `<video><source onerror=${j}></video>`],
  ["audio onerror", (j) => `<audio src=x onerror=${j}>`],
  ["custom element onpointerover", (j) => `<xss onpointerover=${j} style=display:block>hover me</xss>`],
  ["css url javascript:", (j) => `<div style="background:url(javascript:${j})">x</div>`],
  ["css expression", (j) => `<div style="width:expression(${j})">x</div>`],
  ["style @import javascript:", (j) => `<style>@import 'javascript:${j}';</style>`],
  ["link stylesheet javascript:", (j) => `<link rel=stylesheet href="javascript:${j}">`],
  ["meta refresh", (j) => `<meta http-equiv="refresh" content="0;url=javascript:${j}">`],
  ["base href", (j) => `<base href="javascript:${j}//">`],
  ["form action javascript:", (j) => `<form action="javascript:${j}"><button>go</button></form>`],
  ["button formaction", (j) => `<form><button formaction="javascript:${j}">go</button></form>`],
  ["template injection, constructor.constructor", (j) => `{{constructor.constructor('${j}')()}}`],
  ["template injection, $on", (j) => `{{$on.constructor('${j}')()}}`],
  ["template literal", (j) => `\${${j}}`],
  ["backtick template literal", (j) => `\`\${${j}}\``],
  ["EJS tag", (j) => `<%= ${j} %><%- "<img src=x onerror=${j}>" %>`],
  ["url-encoded script", (j) => percent(`<script>${j}</script>`)],
  ["entity-encoded script", (j) => `&lt;script&gt;${j}&lt;/script&gt;`],
  ["numeric-entity script", (j) => decimalEntities(`<script>${j}</script>`)],
  ["null byte in tag name", (j) => `<scr\u0000ipt>${j}</scr\u0000ipt>`],
  ["null byte before handler", (j) => `<img src=x\u0000 onerror=${j}>`],
  ["nested tags", (j) => `<<script>${j}//<</script>`],
  ["split tag", (j) => `<scr<script>ipt>${j}</scr</script>ipt>`],
  ["bare javascript: url", (j) => `javascript:${j}`],
  ["data: url, base64 html", (j) => `data:text/html;base64,${base64(`<script>${j}</script>`)}`],
  ["noscript mXSS", (j) => `<noscript><p title="</noscript><img src=x onerror=${j}>">`],
  ["template element", (j) => `<template><img src=x onerror=${j}></template><img src=x onerror=${j}>`],
  ["comment breakout", (j) => `<!--<img src="--><img src=x onerror=${j}//">`],
  ["CDATA", (j) => `<![CDATA[<script>${j}</script>]]>`],
  ["UTF-7", (j) => `+ADw-script+AD4-${j}+ADw-/script+AD4-`],
  ["JSON unicode escapes", (j) => unicodeEscapes(`<script>${j}</script>`)],
  ["RTL override", (j) => `\u202e<img src=x onerror=${j}>\u202d`],
  ["padded with whitespace", (j) => `   <b onmouseover=${j}>bold</b>   `],
  ["multi-line script", (j) => `<script>\n${j}\n</script>\n<img src=x\nonerror=${j}>`],
  ["isindex", (j) => `<isindex type=image src=1 onerror=${j}>`],
  ["object with param", (j) => `<object><param name=src value="javascript:${j}"></object>`],
  ["document.title pwned", () => `<img src=x onerror="document.title='pwned'">`],
];

/** The corpus: every template with its own number (1-based). */
export const XSS_PAYLOADS: readonly XssPayload[] = templates.map(([label, make], i) => ({
  id: i + 1,
  label,
  payload: make(js(i + 1), i + 1),
}));

/** Payloads that fit a one-line text input (no control characters or newlines). */
export const SINGLE_LINE = XSS_PAYLOADS.filter((p) => ![...p.payload].some((c) => c.charCodeAt(0) < 0x20 || c === "\u007f"));

/** Display names that the name rules accept although they look like code or object keys. */
export const SUSPICIOUS_VALID_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "script", "img src.x onerror", "javascript.alert-1", "a..b"];

/** Room names that the room rules accept although they look like object keys. */
export const SUSPICIOUS_VALID_ROOMS = ["__proto__", "constructor", "toString", "prototype", "hasOwnProperty", "valueOf"];
