import { describe, expect, it } from "vitest";
import { describeDevice } from "../../server/accounts/devices.js";
import { MemoryFailureCounter } from "../../server/accounts/failure-counter.js";
import { checkPassword, hashPassword } from "../../server/accounts/passwords.js";
import { isAccountToken, newSessionToken, parseSessionToken, secretMatches } from "../../server/accounts/session-tokens.js";
import { usernameLookalike, usernameProblem } from "../../server/names.js";

describe("usernames and the names that pass for them", () => {
  it("when a username has 3-24 of A-Z a-z 0-9 _, then it is accepted; anything else is refused", () => {
    for (const ok of ["bob", "Teacher_2", "a".repeat(24)]) expect(usernameProblem(ok), ok).toBeNull();
    for (const bad of ["ab", "a".repeat(25), "has space", "小明明", "ｔｅａｃｈｅｒ", "a-b", "a.b"]) expect(usernameProblem(bad), bad).not.toBeNull();
  });

  it("when a display name equals a username ignoring case and width, then it is a look-alike of it", () => {
    expect(usernameLookalike("Teacher")).toBe("teacher");
    expect(usernameLookalike("  TEACHER ")).toBe("teacher");
    expect(usernameLookalike("ｔｅａｃｈｅｒ")).toBe("teacher");
    expect(usernameLookalike("ＴＥＡＣＨＥＲ")).toBe("teacher");
    // The Kelvin sign is a K after NFKC.
    expect(usernameLookalike("\u212Aate")).toBe("kate");
  });

  it("when a display name cannot be a username (spaces, other scripts, too short), then it passes for none", () => {
    for (const name of ["Ms Li", "小明", "t.eacher", "ab", "x".repeat(25)]) expect(usernameLookalike(name), name).toBeUndefined();
  });
});

describe("session tokens", () => {
  it("when a token is made, then it parses back to its session and only its own secret matches the stored hash", () => {
    const { id, token, secretHash } = newSessionToken();
    expect(isAccountToken(token)).toBe(true);
    const parsed = parseSessionToken(token)!;
    expect(parsed.id).toBe(id);
    expect(secretMatches(parsed.secret, secretHash)).toBe(true);
    expect(secretHash).not.toContain(parsed.secret);
    const other = parseSessionToken(newSessionToken().token)!;
    expect(secretMatches(other.secret, secretHash)).toBe(false);
  });

  it("when a token is malformed, then it does not parse", () => {
    const { token } = newSessionToken();
    for (const bad of ["", "a.", `${token}x`, token.slice(0, -1), token.replace(/^a\./, "b."), "a.x.y"]) expect(parseSessionToken(bad), bad).toBeNull();
  });
});

describe("passwords", () => {
  it("when a password is hashed, then the hash is argon2id, salted, and verifies only that password", async () => {
    const [a, b] = await Promise.all([hashPassword("correct horse battery"), hashPassword("correct horse battery")]);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await checkPassword(a, "correct horse battery")).toBe(true);
    expect(await checkPassword(a, "correct horse batterY")).toBe(false);
  });

  it("when there is no stored hash, then the check fails after spending as long as a real one", async () => {
    const stored = await hashPassword("correct horse battery");
    await checkPassword(null, "warm-up");
    const time = async (hash: string | null) => {
      const start = performance.now();
      await checkPassword(hash, "a wrong password");
      return performance.now() - start;
    };
    const real: number[] = [];
    const none: number[] = [];
    for (let i = 0; i < 5; i++) {
      real.push(await time(stored));
      none.push(await time(null));
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[2]!;
    expect(await checkPassword(null, "anything at all")).toBe(false);
    expect(median(none)).toBeGreaterThan(median(real) / 3);
    expect(median(none)).toBeLessThan(median(real) * 3);
  });
});

describe("failure counter", () => {
  it("when failures are added, then each key counts within its window, and the window does not slide", async () => {
    let now = 1_000;
    const counter = new MemoryFailureCounter(100, () => now);
    await counter.add(["user:a", "addr:1"]);
    now += 60;
    await counter.add(["user:a"]);
    expect(await counter.get(["user:a", "addr:1", "user:b"])).toEqual([
      { count: 2, resetsInMs: 40 },
      { count: 1, resetsInMs: 40 },
      { count: 0, resetsInMs: 0 },
    ]);
    now += 40;
    expect(await counter.get(["user:a"])).toEqual([{ count: 0, resetsInMs: 0 }]);
  });
});

describe("device descriptions", () => {
  it("when a browser signs in, then its session is named by browser and system; other clients by their product", () => {
    const cases: [string | undefined, string][] = [
      ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36", "Chrome on Android"],
      ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iOS"],
      ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"],
      ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0", "Edge on macOS"],
      ["python-requests/2.32", "python-requests"],
      [undefined, "Unknown device"],
      ["<script>", "<script>"],
    ];
    for (const [ua, expected] of cases) expect(describeDevice(ua), ua).toBe(expected);
    expect(describeDevice("x".repeat(1000)).length).toBeLessThanOrEqual(60);
  });
});
