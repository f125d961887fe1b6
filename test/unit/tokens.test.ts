import { describe, expect, it } from "vitest";
import { createTokenSigner } from "../../server/auth/tokens.js";

describe("identity tokens", () => {
  const signer = createTokenSigner("a-secret-that-is-long-enough-for-tests");

  it("when a token is issued, then it verifies to its userId", () => {
    const { userId, token } = signer.issue();
    expect(signer.verify(token)).toBe(userId);
    expect(signer.tokenFor(userId)).toBe(token);
  });

  it("when any character of a token is changed, then it is refused", () => {
    const { token } = signer.issue();
    for (let i = 0; i < token.length; i++) {
      if (token[i] === ".") continue;
      const c = token[i] === "A" ? "B" : "A";
      expect(signer.verify(token.slice(0, i) + c + token.slice(i + 1))).toBeNull();
    }
  });

  it("when a token was signed with another secret, then it is refused", () => {
    const other = createTokenSigner("another-secret-that-is-long-enough!!");
    expect(signer.verify(other.issue().token)).toBeNull();
  });

  it("when a token is malformed, then it is refused", () => {
    for (const bad of ["", ".", "abc", "x".repeat(300), "aaaaaaaaaaaaaaaa.", "{\"$gt\":\"\"}"]) {
      expect(signer.verify(bad)).toBeNull();
    }
  });
});
