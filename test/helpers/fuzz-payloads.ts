/**
 * fast-check generators of client → server calls that are invalid BY
 * CONSTRUCTION, per PROTOCOL.md (not per the server's schemas): each one
 * starts from a valid call and applies at least one mutation that on its own
 * makes the call invalid (wrong type, missing field, unknown field, value out
 * of its rules, extra or missing positional argument). Mutations never repair
 * each other, so any number of them still yields an invalid call.
 *
 * Values never contain `undefined` (JSON would drop the key and might turn an
 * invalid payload into a valid one) and a whole packet stays far below the
 * server's 64 KB maxHttpBufferSize (a larger packet closes the connection,
 * which is a different, tested behaviour).
 */
import fc from "fast-check";

export type FuzzCall = { event: string; args: unknown[]; category: string };

export type FuzzContext = {
  /** A room the fuzzing sockets have joined (so a validation gap would store something). */
  room: string;
  /** A connected socket id, so a private message that slipped through would be stored. */
  peerSocketId: string;
  peerUserId: string;
  /** An id of a stored message (a valid `before`). */
  messageId: string;
  /** The server's MAX_TEXT_LENGTH. */
  textMax: number;
};

export const LIMITS = { name: 24, room: 32, id: 64, token: 256, historyMax: 100 } as const;

/** Largest serialized packet a generator may produce (the server drops sockets above 64 KB). */
export const MAX_PACKET_BYTES = 48 * 1024;

// ---------------------------------------------------------------- building blocks

/** Own keys, even for `__proto__`: what JSON.parse would build. */
function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) Object.defineProperty(copy, k, { value: obj[k], enumerable: true, writable: true, configurable: true });
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function withoutKey(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) {
    if (k !== key) Object.defineProperty(copy, k, { value: obj[k], enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

const asciiWord = (max = 10) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{0,${max}}$`));
const letters = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z]{${min},${max}}$`));

/** MongoDB query / update operators where a string (or anything) belongs. */
export const operatorObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constantFrom<Record<string, unknown>>(
    { $gt: "" },
    { $ne: null },
    { $where: "sleep(5000) || true" },
    { $where: "function() { return true }" },
    { $regex: ".*" },
    { $regex: "^", $options: "i" },
    { $in: ["chat", "study"] },
    { $nin: [] },
    { $exists: true },
    { $expr: { $eq: [1, 1] } },
    { $function: { body: "function() { return true }", args: [], lang: "js" } },
    { $oid: "0123456789abcdef01234567" },
    { $lookup: { from: "users" } },
    { $set: { text: "pwned" } },
    { $or: [{ room: "chat" }, { room: { $ne: null } }] },
  ),
  fc
    .tuple(
      fc.constantFrom("$gt", "$gte", "$lt", "$lte", "$ne", "$eq", "$in", "$nin", "$regex", "$where", "$exists", "$type", "$not", "$elemMatch", "$size", "$all", "$and", "$or", "$nor", "$text", "$search", "$expr", "$jsonSchema", "$mod", "$slice", "$comment", "$natural", "$unset", "$inc", "$push"),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map(([op, value]) => withKey({}, op, value)),
);

/** Objects whose own keys are `__proto__` / `constructor` / `prototype` (via JSON.parse). */
export const protoObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .constantFrom(
      '{"__proto__":{"polluted":true}}',
      '{"__proto__":{"isAdmin":true,"room":"chat","text":"x"}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"prototype":{"polluted":true}}',
      '{"__proto__":null}',
      '{"__proto__":[]}',
      '{"__proto__":"chat"}',
      '{"constructor":"chat"}',
      '{"toString":"x","valueOf":1,"hasOwnProperty":null}',
      '{"__proto__":{"__proto__":{"polluted":1}}}',
    )
    .map((s) => JSON.parse(s) as Record<string, unknown>),
  fc
    .tuple(fc.constantFrom("__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "then"), fc.jsonValue({ maxDepth: 2 }))
    .map(([key, value]) => JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)}}`) as Record<string, unknown>),
);

/** Deeply nested objects / arrays (depth 20..400). */
export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 20, max: 400 }), fc.constantFrom("object", "array", "mixed"), fc.constantFrom("room", "text", "a", "$gt", "__proto__"))
  .map(([depth, shape, key]) => {
    let v: unknown = "chat";
    for (let i = 0; i < depth; i++) {
      const asArray = shape === "array" || (shape === "mixed" && i % 2 === 0);
      v = asArray ? [v] : withKey({}, key, v);
    }
    return v;
  });

/** Numbers that survive JSON (NaN/±Infinity become null, also invalid wherever numbers are not wanted). */
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1, -1, 1.5, 1e21, -1e21, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 5e-324));
const scalarNonString = fc.oneof(anyNumber, fc.boolean(), fc.constant(null));
const binary = fc.uint8Array({ maxLength: 32 }).map((a) => Buffer.from(a));
const plainObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });

/** Any value that is not a string. */
export const notAString: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalarNonString, weight: 4 },
  { arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }), weight: 2 },
  { arbitrary: fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 }), weight: 1 },
  { arbitrary: operatorObject, weight: 3 },
  { arbitrary: protoObject, weight: 2 },
  { arbitrary: deepValue, weight: 1 },
  { arbitrary: plainObject, weight: 1 },
  { arbitrary: binary, weight: 1 },
);

/** Any value that is not a plain object (where the payload must be an object). */
const notAnObject = (valid: () => unknown): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: scalarNonString, weight: 3 },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
    { arbitrary: fc.constant(null).map(() => [valid()]), weight: 1 },
    { arbitrary: fc.constant(null).map(() => JSON.stringify(valid())), weight: 1 },
    { arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }), weight: 1 },
    { arbitrary: deepValue.filter((v) => Array.isArray(v)), weight: 1 },
    { arbitrary: binary, weight: 1 },
  );

const notABoolean: fc.Arbitrary<unknown> = fc.oneof(
  anyNumber,
  fc.constant(null),
  fc.constantFrom("true", "false", "", "1", "0", "yes"),
  notAString.filter((v) => typeof v !== "boolean"),
);

/** Anything but the literal `true`. */
const notTrue: fc.Arbitrary<unknown> = fc.oneof(fc.constant(false), fc.constantFrom("true", 1, "1", 0, null, [true], { $ne: false }), notAString.filter((v) => v !== true));

/** `limit`: everything that is not an integer in 1..100 once through JSON. */
export const badLimit: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(0, -0, 101, 1.5, 99.9, "5", "50", -1, 1000, 1e9, 1e21, 2 ** 53 + 2, null, true, false, [5], { $gt: 0 }, { valueOf: 5 }),
  fc.integer({ max: 0 }),
  fc.integer({ min: 101 }),
  fc.double({ noNaN: true }).filter((x) => !(Number.isInteger(x) && x >= 1 && x <= 100)),
  fc.integer({ min: 1, max: 100 }).map((n) => n + 0.25),
  fc.integer({ min: 1, max: 100 }).map((n) => String(n)),
  notAString.filter((v) => typeof v !== "number"),
);

// ---------------------------------------------------------------- invalid strings

/** Characters that no room name may contain (PROTOCOL.md: letters, digits, `_`, `-`). */
const ROOM_FORBIDDEN = [
  " ", ".", "/", "\\", "<", ">", '"', "'", "`", "&", "$", "{", "}", "(", ")", "[", "]", ":", ";", ",", "!", "?",
  "#", "%", "*", "+", "=", "@", "^", "|", "~", "\u0000", "\u0001", "\u001b", "\t", "\n", "\r", "\u007f", "\u0085",
  "\u200b", "\u200d", "\u200e", "\u202e", "\u2066", "\ufeff", "\u00a0", "\u3000", "\u2028", "\u2029", "😀", "☃",
  "€", "©", "™", "\ue000", "\ufffd", "\ud800", "\udfff", "\ud83d",
];

/** Characters no display name may contain (letters, digits, space, `_ . -`), safe anywhere after trimming. */
const NAME_FORBIDDEN = ROOM_FORBIDDEN.filter((c) => c !== " " && c !== "." && c !== "\u00a0" && c !== "\u3000");

/** Characters that String.prototype.trim removes. */
const TRIMMABLE = [" ", "\t", "\n", "\r", "\v", "\f", "\u00a0", "\u1680", "\u2000", "\u2009", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff"];

/** A string of `valid` characters with one of `forbidden` placed inside (never at the very ends when `inner`). */
const withForbidden = (forbidden: string[], inner: boolean) =>
  fc.tuple(letters(inner ? 1 : 0, 8), fc.constantFrom(...forbidden), letters(inner ? 1 : 0, 8), asciiWord(6)).map(([a, bad, b, tail]) => {
    // A lone surrogate must not meet a partner: both neighbours are ASCII here.
    return `${a}${bad}${b}${tail.replace(/[^A-Za-z0-9]/g, "")}`;
  });

/** A string with a lone UTF-16 surrogate (never paired: its neighbours are ASCII). */
const loneSurrogate = fc
  .tuple(asciiWord(8), fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00", "\udc00\ud800"), asciiWord(8))
  .map(([a, s, b]) => `${a}${s}${b}`);

const tooLong = (max: number, chars: string[]) =>
  fc.tuple(fc.integer({ min: 1, max: 200 }), fc.constantFrom(...chars)).map(([extra, ch]) => ch.repeat(max + extra));

export const badRoom: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(""), weight: 1 },
  { arbitrary: tooLong(LIMITS.room, ["a", "Z", "字", "й", "_", "-", "7"]), weight: 2 },
  { arbitrary: withForbidden(ROOM_FORBIDDEN, false).filter((s) => s.length > 0), weight: 6 },
  { arbitrary: fc.constantFrom("chat ", " chat", "chat\n", "ch at", "chat.", "../chat", "room:chat", "user:x", "chat\u0000", "$where", "{\"$gt\":\"\"}", "<script>", "__proto__.x"), weight: 2 },
  { arbitrary: loneSurrogate, weight: 1 },
  { arbitrary: notAString, weight: 6 },
);

export const badName: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom("", " ", "   ", "\t\n", "\u3000", "\ufeff"), weight: 1 },
  { arbitrary: tooLong(LIMITS.name, ["a", "字", "é", "7", "_"]), weight: 2 },
  { arbitrary: withForbidden(NAME_FORBIDDEN, true), weight: 6 },
  { arbitrary: loneSurrogate.map((s) => `a${s}b`), weight: 1 },
  { arbitrary: notAString, weight: 5 },
);

/** Message text: empty after trimming, longer than textMax, lone surrogates, not a string. */
export const badText = (textMax: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.constant(""), weight: 1 },
    { arbitrary: fc.array(fc.constantFrom(...TRIMMABLE), { minLength: 1, maxLength: 12 }).map((a) => a.join("")), weight: 2 },
    {
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 300 }), fc.constantFrom("a", "<", "字", "😀", "é", "\u0000"), asciiWord(8))
        .map(([extra, ch, infix]) => {
          const half = Math.floor((textMax + extra) / 2);
          return ch.repeat(half) + infix + ch.repeat(textMax + extra - half);
        }),
      weight: 1,
    },
    { arbitrary: loneSurrogate, weight: 2 },
    { arbitrary: notAString, weight: 6 },
  );

/** Socket ids, user ids and clientIds: 1–64 of [A-Za-z0-9_-]. */
export const badKey: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(""), weight: 1 },
  { arbitrary: tooLong(LIMITS.id, ["a", "Z", "0", "_", "-"]), weight: 2 },
  {
    arbitrary: withForbidden([...ROOM_FORBIDDEN, "é", "字", "ß", "Ω"], false).filter((s) => s.length > 0),
    weight: 5,
  },
  { arbitrary: notAString, weight: 6 },
);

/** `before`: anything that is not a message id (24 lowercase hex digits). */
export const badMessageId = (validId: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom("", "0", validId.slice(1), `${validId}0`, ` ${validId}`, `${validId}\n`, validId.replace(/.$/, "g"), "zzzzzzzzzzzzzzzzzzzzzzzz", "0x0123456789abcdef012345", "-".repeat(24)),
    fc.stringMatching(/^[0-9a-f]{0,23}$/),
    fc.stringMatching(/^[0-9a-f]{25,48}$/),
    fc.tuple(fc.stringMatching(/^[0-9a-f]{23}$/), fc.constantFrom("g", "z", "-", "_", " ", "x", "$", "é"), fc.nat(23)).map(([hex, bad, at]) => hex.slice(0, at) + bad + hex.slice(at)),
    fc.constant(null).map(() => ({ $oid: validId })),
    fc.constant(null).map(() => ({ $lt: validId })),
    notAString,
  );

/** `mentions`: not an array, more than 20 ids, or an element that is not an id. */
export const badMentions = (validId: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.constant(null).map(() => validId), weight: 1 },
    { arbitrary: fc.integer({ min: 21, max: 60 }).map((n) => Array.from({ length: n }, (_, i) => `u${i}`)), weight: 2 },
    { arbitrary: fc.tuple(fc.array(fc.constant(validId), { maxLength: 3 }), badKey).map(([ok, bad]) => [...ok, bad]), weight: 4 },
    { arbitrary: fc.constant(null).map(() => [[validId]]), weight: 1 },
    { arbitrary: notAString.filter((v) => !Array.isArray(v)), weight: 3 },
  );

/** Search `q`: empty or blank, longer than 100 characters, lone surrogates, not a string. */
export const badQuery: fc.Arbitrary<unknown> = fc.oneof(
  // Empty once trimmed. (A query of only punctuation or emoji, "?!" or "😀", is valid and finds nothing.)
  { arbitrary: fc.constantFrom("", " ", "\t\n", "\u3000"), weight: 2 },
  { arbitrary: tooLong(100, ["a", "字", "é", "7"]), weight: 2 },
  { arbitrary: fc.array(fc.constantFrom(...TRIMMABLE), { minLength: 1, maxLength: 12 }).map((a) => a.join("")), weight: 1 },
  { arbitrary: loneSurrogate, weight: 1 },
  { arbitrary: notAString, weight: 6 },
);

/**
 * `emoji` (v1.1): nothing with an Extended_Pictographic or Regional_Indicator
 * character, more than 16 UTF-16 code units, lone surrogates, not a string.
 */
export const badEmoji: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(""), weight: 1 },
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9 .$_-]{1,16}$/), weight: 3 },
  { arbitrary: fc.constantFrom("\u200d", "\ufe0f", "\u20e3", "\ud83c\udffd", "#", "*", "1\ufe0f\u20e3", "\u00a0", ".", "$", "$gt", "a.b"), weight: 2 },
  { arbitrary: fc.tuple(fc.integer({ min: 9, max: 30 }), fc.constantFrom("👍", "🇫", "😀", "❤")).map(([n, e]) => e.repeat(n)).filter((e) => e.length > 16), weight: 2 },
  { arbitrary: fc.constantFrom("\ud83d", "\ude00", "\udc00\ud800", "a\ud83d"), weight: 1 },
  { arbitrary: notAString, weight: 5 },
);

// ---------------------------------------------------------------- calls

type Shape = {
  event: string;
  required: Record<string, () => unknown>;
  optional: Record<string, () => unknown>;
  bad: Record<string, fc.Arbitrary<unknown>>;
  /**
   * Keys never added as "unknown": for the `history` union every selector and
   * paging key, since e.g. removing `broadcast` and adding a `room` could make
   * a valid query of another variant.
   */
  reserved?: string[];
  /** Required keys never removed: without them the call is another valid call (a search narrowed to a channel). */
  keep?: string[];
};

/** Unknown keys: keys of other shapes, prototype keys, operators and random strings. */
const extraKey = (allowed: string[]) =>
  fc
    .oneof(
      fc.constantFrom("__proto__", "constructor", "prototype", "$where", "$gt", "$set", "from", "id", "kind", "createdAt", "channel", "key", "userId", "to", "with", "broadcast", "room", "text", "clientId", "before", "after", "limit", "typing", "name", "token", "toUser", "mentions", "terms", "q", "upTo", "unread", "", "replyTo", "changedAfter", "emoji", "on", "rev", "reactions", "deletedAt", "editedAt"),
      fc.string({ maxLength: 12 }),
    )
    .filter((k) => !allowed.includes(k));

/** One invalidating mutation of an object payload. */
function objectMutation(shape: Shape, allKeys: string[]): fc.Arbitrary<{ label: string; apply: (o: Record<string, unknown>) => Record<string, unknown> }> {
  const options: fc.Arbitrary<{ label: string; apply: (o: Record<string, unknown>) => Record<string, unknown> }>[] = [
    fc
      .tuple(extraKey(allKeys), fc.oneof(fc.jsonValue({ maxDepth: 2 }), operatorObject, protoObject))
      .map(([key, value]) => ({ label: "extra-field", apply: (o) => withKey(o, key, value) })),
  ];
  const required = Object.keys(shape.required).filter((k) => !shape.keep?.includes(k));
  if (required.length > 0) {
    options.push(fc.constantFrom(...required).map((key) => ({ label: `missing-${key}`, apply: (o) => withoutKey(o, key) })));
  }
  for (const [field, arb] of Object.entries(shape.bad)) {
    options.push(arb.map((value) => ({ label: `bad-${field}`, apply: (o) => withKey(withoutKey(o, field), field, value) })));
  }
  return fc.oneof(...options);
}

function objectCalls(shape: Shape): fc.Arbitrary<FuzzCall> {
  const allKeys = [...Object.keys(shape.required), ...Object.keys(shape.optional), ...(shape.reserved ?? [])];
  const valid = fc.subarray(Object.keys(shape.optional)).map((opts) => {
    let o: Record<string, unknown> = {};
    for (const [k, make] of Object.entries(shape.required)) o = withKey(o, k, make());
    for (const k of opts) o = withKey(o, k, shape.optional[k]!());
    return o;
  });
  const makeValid = () => {
    let o: Record<string, unknown> = {};
    for (const [k, make] of Object.entries(shape.required)) o = withKey(o, k, make());
    return o;
  };
  const mutated = fc
    .tuple(valid, fc.array(objectMutation(shape, allKeys), { minLength: 1, maxLength: 3 }))
    .map(([base, mutations]): FuzzCall => ({
      event: shape.event,
      args: [mutations.reduce((o, m) => m.apply(o), base)],
      category: `${shape.event}:${mutations[0]!.label}`,
    }));
  const wrongType = notAnObject(makeValid).map((payload): FuzzCall => ({ event: shape.event, args: [payload], category: `${shape.event}:not-an-object` }));
  const operators = fc.oneof(operatorObject, protoObject).map((payload): FuzzCall => ({ event: shape.event, args: [payload], category: `${shape.event}:operator-object` }));
  const extraArgs = fc
    .tuple(valid, fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), operatorObject), { minLength: 1, maxLength: 3 }))
    .map(([base, extra]): FuzzCall => ({ event: shape.event, args: [base, ...extra], category: `${shape.event}:extra-args` }));
  const noArgs = fc.constant<FuzzCall>({ event: shape.event, args: [], category: `${shape.event}:no-args` });
  return fc.oneof(
    { arbitrary: mutated, weight: 10 },
    { arbitrary: wrongType, weight: 3 },
    { arbitrary: operators, weight: 2 },
    { arbitrary: extraArgs, weight: 2 },
    { arbitrary: noArgs, weight: 1 },
  );
}

/** `join` / `leave`: one room-name argument. */
function roomArgCalls(event: string, room: string): fc.Arbitrary<FuzzCall> {
  return fc.oneof(
    { arbitrary: badRoom.map((r): FuzzCall => ({ event, args: [r], category: `${event}:bad-room` })), weight: 8 },
    { arbitrary: fc.constant<FuzzCall>({ event, args: [], category: `${event}:no-args` }), weight: 1 },
    {
      arbitrary: fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), operatorObject, fc.constant(room)), { minLength: 1, maxLength: 3 }).map((extra): FuzzCall => ({ event, args: [room, ...extra], category: `${event}:extra-args` })),
      weight: 2,
    },
    { arbitrary: fc.constant<FuzzCall>({ event, args: [{ room }], category: `${event}:object-for-string` }), weight: 1 },
  );
}

/** `rooms` takes no arguments: any argument is one too many. */
const roomsCalls: fc.Arbitrary<FuzzCall> = fc
  .array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), operatorObject, protoObject, fc.constant(null)), { minLength: 1, maxLength: 4 })
  .map((args): FuzzCall => ({ event: "rooms", args, category: "rooms:extra-args" }));

/** Every kind of invalid call, across every event. */
export function invalidCalls(ctx: FuzzContext): fc.Arbitrary<FuzzCall> {
  const text = () => "hello";
  const clientIdArb = badKey;
  const mentions = () => [ctx.peerUserId];
  // v1.1: every send may quote a message and mention people.
  const sendOptional = { clientId: () => "fuzz-client-id", replyTo: () => ctx.messageId, mentions };
  const sendBad = { clientId: clientIdArb, replyTo: badMessageId(ctx.messageId), mentions: badMentions(ctx.peerUserId) };
  const message: Shape = {
    event: "message",
    required: { room: () => ctx.room, text },
    optional: sendOptional,
    bad: { room: badRoom, text: badText(ctx.textMax), ...sendBad },
  };
  const broadcast: Shape = {
    event: "broadcast",
    required: { text },
    optional: sendOptional,
    bad: { text: badText(ctx.textMax), ...sendBad },
  };
  // Either recipient key may replace the other: never added as an "unknown" key.
  const recipients = ["to", "toUser"];
  const privateMessage: Shape = {
    event: "private message",
    required: { to: () => ctx.peerSocketId, text },
    optional: sendOptional,
    bad: { to: badKey, text: badText(ctx.textMax), ...sendBad },
    reserved: recipients,
  };
  const privateToUser: Shape = {
    event: "private message",
    required: { toUser: () => ctx.peerUserId, text },
    optional: sendOptional,
    bad: { toUser: badKey, text: badText(ctx.textMax), ...sendBad },
    reserved: recipients,
  };
  const bothRecipients = fc.constant<FuzzCall>({
    event: "private message",
    args: [{ to: ctx.peerSocketId, toUser: ctx.peerUserId, text: "both" }],
    category: "private message:to-and-toUser",
  });
  const page = { before: () => ctx.messageId, limit: () => 10 };
  const pageBad = {
    before: badMessageId(ctx.messageId),
    after: badMessageId(ctx.messageId),
    changedAfter: badMessageId(ctx.messageId),
    around: badMessageId(ctx.messageId),
    limit: badLimit,
  };
  const reserved = ["room", "with", "broadcast", "before", "after", "changedAfter", "around", "limit"];
  const historyRoom: Shape = { event: "history", required: { room: () => ctx.room }, optional: page, bad: { room: badRoom, ...pageBad }, reserved };
  const historyWith: Shape = { event: "history", required: { with: () => ctx.peerUserId }, optional: page, bad: { with: badKey, ...pageBad }, reserved };
  const historyBroadcast: Shape = { event: "history", required: { broadcast: () => true }, optional: page, bad: { broadcast: notTrue, ...pageBad }, reserved };
  // No selector at all, or two of them.
  const historySelectors = fc
    .tuple(
      fc.subarray(["room", "with", "broadcast"] as const).filter((s) => s.length !== 1),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([selectors, before, limit]): FuzzCall => {
      let o: Record<string, unknown> = {};
      for (const s of selectors) o = withKey(o, s, s === "room" ? ctx.room : s === "with" ? ctx.peerUserId : true);
      if (before) o = withKey(o, "before", ctx.messageId);
      if (limit) o = withKey(o, "limit", 5);
      return { event: "history", args: [o], category: `history:${selectors.length === 0 ? "no-selector" : "two-selectors"}` };
    });
  // Paging both ways at once (`before` and `after` are exclusive).
  const historyBothWays = fc
    .tuple(fc.constantFrom<Record<string, unknown>>({ room: ctx.room }, { with: ctx.peerUserId }, { broadcast: true }), fc.boolean())
    .map(([selector, limit]): FuzzCall => ({
      event: "history",
      args: [{ ...selector, before: ctx.messageId, after: ctx.messageId, ...(limit ? { limit: 5 } : {}) }],
      category: "history:before-and-after",
    }));
  // v1.2: `around` excludes `before`, `after` and `changedAfter`.
  const historyAroundAndMore = fc
    .tuple(fc.constantFrom<Record<string, unknown>>({ room: ctx.room }, { with: ctx.peerUserId }, { broadcast: true }), fc.constantFrom("before", "after", "changedAfter"))
    .map(([selector, other]): FuzzCall => ({
      event: "history",
      args: [{ ...selector, around: ctx.messageId, [other]: ctx.messageId }],
      category: `history:around-and-${other}`,
    }));
  // v1.2: a room's people, a page at a time.
  const members: Shape = {
    event: "members",
    required: { room: () => ctx.room },
    optional: { after: () => ctx.peerUserId, limit: () => 5 },
    bad: { room: badRoom, after: badKey, limit: badLimit },
    reserved: ["room", "after", "limit"],
  };
  // v1.1: search (optionally narrowed to one channel) and read markers.
  const selectors = ["room", "with", "broadcast"];
  const selectorValue = { room: () => ctx.room, with: () => ctx.peerUserId, broadcast: () => true as const };
  const badSelector = { room: badRoom, with: badKey, broadcast: notTrue };
  const searchReserved = [...selectors, "q", "before", "limit"];
  const searchPlain: Shape = {
    event: "search",
    required: { q: () => "hello" },
    optional: page,
    bad: { q: badQuery, before: badMessageId(ctx.messageId), limit: badLimit },
    reserved: searchReserved,
  };
  const searchNarrowed = selectors.map(
    (sel): Shape => ({
      event: "search",
      required: { q: () => "hello", [sel]: selectorValue[sel as keyof typeof selectorValue] },
      optional: page,
      bad: { q: badQuery, [sel]: badSelector[sel as keyof typeof badSelector], before: badMessageId(ctx.messageId), limit: badLimit },
      reserved: searchReserved,
      keep: [sel],
    }),
  );
  const readShapes = selectors.map(
    (sel): Shape => ({
      event: "read",
      required: { [sel]: selectorValue[sel as keyof typeof selectorValue], upTo: () => ctx.messageId },
      optional: {},
      bad: { [sel]: badSelector[sel as keyof typeof badSelector], upTo: badMessageId(ctx.messageId) },
      reserved: [...selectors, "upTo"],
    }),
  );
  // Two channels at once: refused by both events; no channel at all: refused by read.
  const twoChannels = fc
    .tuple(fc.subarray(selectors, { minLength: 2 }), fc.constantFrom("search", "read"))
    .map(([chosen, event]): FuzzCall => {
      let o: Record<string, unknown> = event === "search" ? { q: "hello" } : { upTo: ctx.messageId };
      for (const sel of chosen) o = withKey(o, sel, selectorValue[sel as keyof typeof selectorValue]());
      return { event, args: [o], category: `${event}:two-channels` };
    });
  const conversationsCalls = roomsCalls.map((c): FuzzCall => ({ ...c, event: "conversations", category: "conversations:extra-args" }));

  // `changedAfter` stands alone: not with `before` or `after`.
  const historyChangedAndPaged = fc
    .tuple(
      fc.constantFrom<Record<string, unknown>>({ room: ctx.room }, { with: ctx.peerUserId }, { broadcast: true }),
      fc.subarray(["before", "after"] as const, { minLength: 1 }),
      fc.boolean(),
    )
    .map(([selector, paging, limit]): FuzzCall => {
      let o: Record<string, unknown> = { ...selector, changedAfter: ctx.messageId };
      for (const key of paging) o = withKey(o, key, ctx.messageId);
      if (limit) o = withKey(o, "limit", 5);
      return { event: "history", args: [o], category: "history:changedAfter-with-paging" };
    });
  const edit: Shape = {
    event: "edit",
    required: { id: () => ctx.messageId, text },
    optional: {},
    bad: { id: badMessageId(ctx.messageId), text: badText(ctx.textMax) },
  };
  const del: Shape = {
    event: "delete",
    required: { id: () => ctx.messageId },
    optional: {},
    bad: { id: badMessageId(ctx.messageId) },
  };
  const react: Shape = {
    event: "react",
    required: { id: () => ctx.messageId, emoji: () => "👍", on: () => true },
    optional: {},
    bad: { id: badMessageId(ctx.messageId), emoji: badEmoji, on: notABoolean },
  };
  // Either target key may replace the other: never added as an "unknown" key.
  const typingTargets = ["room", "toUser"];
  const typing: Shape = {
    event: "typing",
    required: { room: () => ctx.room, typing: () => true },
    optional: {},
    bad: { room: badRoom, typing: notABoolean },
    reserved: typingTargets,
  };
  const typingToUser: Shape = {
    event: "typing",
    required: { toUser: () => ctx.peerUserId, typing: () => true },
    optional: {},
    bad: { toUser: badKey, typing: notABoolean },
    reserved: typingTargets,
  };
  const typingBothTargets = fc.constant<FuzzCall>({
    event: "typing",
    args: [{ room: ctx.room, toUser: ctx.peerUserId, typing: true }],
    category: "typing:room-and-toUser",
  });

  return fc
    .oneof(
      roomArgCalls("join", ctx.room),
      roomArgCalls("leave", ctx.room),
      roomsCalls,
      objectCalls(message),
      objectCalls(broadcast),
      fc.oneof(objectCalls(privateMessage), objectCalls(privateToUser), bothRecipients),
      fc.oneof(objectCalls(historyRoom), objectCalls(historyWith), objectCalls(historyBroadcast), historySelectors, historyBothWays, historyChangedAndPaged, historyAroundAndMore),
      objectCalls(members),
      fc.oneof(objectCalls(typing), objectCalls(typingToUser), typingBothTargets),
      fc.oneof(objectCalls(searchPlain), ...searchNarrowed.map(objectCalls), ...readShapes.map(objectCalls), twoChannels),
      conversationsCalls,
      objectCalls(edit),
      objectCalls(del),
      objectCalls(react),
    )
    .filter((call) => packetBytes(call) <= MAX_PACKET_BYTES);
}

/** Roughly the serialized size of a call (binary counted by length). */
export function packetBytes(call: FuzzCall): number {
  return Buffer.byteLength(
    JSON.stringify([call.event, ...call.args], (_k, v: unknown) => (Buffer.isBuffer(v) || v instanceof Uint8Array ? `b${v.length}` : v)) ?? "",
  );
}

/** A copy of what the server receives (JSON round trip; binary kept as-is). */
export function describeCall(call: FuzzCall): string {
  const s = JSON.stringify([call.event, ...call.args], (_k, v: unknown) =>
    typeof v === "string" && v.length > 120 ? `${v.slice(0, 60)}…(${v.length} chars)` : v,
  );
  return s.length > 600 ? `${s.slice(0, 600)}…` : s;
}

// ---------------------------------------------------------------- handshake

export type AuthCase = { auth: Record<string, unknown>; expected: "INVALID_INPUT" | "UNAUTHORIZED"; category: string };

/**
 * Invalid handshake `auth` objects. `token` is a real token (the server's),
 * `userId` its user. Extra auth keys are allowed by the contract, so they are
 * not used to make an auth invalid.
 */
export function invalidAuths(validToken: string, userId: string): fc.Arbitrary<AuthCase> {
  const goodName = fc.constantFrom("alice", "Bob Smith", "小明", "e.v-a_1");
  const badTokenType = fc.oneof(scalarNonString, operatorObject, protoObject, fc.array(fc.constant(validToken), { minLength: 1, maxLength: 2 }), tooLong(LIMITS.token, ["a", "."]));
  const forged = fc.oneof(
    fc.constantFrom("", ".", "x", "null", "undefined", `${userId}.`, `.${validToken.split(".")[1]}`, `${userId}`, validToken.toUpperCase(), `${validToken}x`, validToken.slice(0, -1), ` ${validToken}`),
    fc.stringMatching(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/),
    fc.stringMatching(/^[A-Za-z0-9_-]{16}$/).map((other) => `${other}.${validToken.split(".")[1]}`),
    fc.nat(validToken.length - 1).chain((at) =>
      fc.constantFrom("A", "b", "_", "-", "0").filter((c) => c !== validToken[at]).map((c) => validToken.slice(0, at) + c + validToken.slice(at + 1)),
    ),
    fc.string({ maxLength: 40 }),
  );
  return fc.oneof(
    fc.tuple(badName, fc.option(fc.constant(validToken), { nil: undefined })).map(([name, token]) => ({
      auth: token === undefined ? { name } : { name, token },
      expected: "INVALID_INPUT" as const,
      category: "bad-name",
    })),
    fc.option(fc.constant(validToken), { nil: undefined }).map((token) => ({
      auth: token === undefined ? {} : { token },
      expected: "INVALID_INPUT" as const,
      category: "missing-name",
    })),
    fc.tuple(goodName, badTokenType).map(([name, token]) => ({ auth: { name, token }, expected: "INVALID_INPUT" as const, category: "bad-token-type" })),
    fc
      .tuple(goodName, forged)
      .filter(([, token]) => token !== validToken)
      .map(([name, token]) => ({ auth: { name, token }, expected: "UNAUTHORIZED" as const, category: "forged-token" })),
  );
}
