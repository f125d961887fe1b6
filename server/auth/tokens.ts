/**
 * Identity tokens: `<userId>.<HMAC-SHA256(userId)>`, both base64url.
 * A token proves which userId the server handed out; it carries no name,
 * so a person may change display name and stay the same user.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const TOKEN_PATTERN = /^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;

export type TokenSigner = {
  /** Makes a new userId with its token. */
  issue(): { userId: string; token: string };
  /** The token of an existing userId (tokens are deterministic per secret). */
  tokenFor(userId: string): string;
  /** Returns the userId a token was issued for, or null when it is forged or malformed. */
  verify(token: string): string | null;
};

export function createTokenSigner(secret: string): TokenSigner {
  const sign = (userId: string) => createHmac("sha256", secret).update(userId).digest("base64url");
  return {
    issue() {
      const userId = randomBytes(12).toString("base64url");
      return { userId, token: `${userId}.${sign(userId)}` };
    },
    tokenFor(userId) {
      return `${userId}.${sign(userId)}`;
    },
    verify(token) {
      const match = TOKEN_PATTERN.exec(token);
      if (!match) return null;
      const [, userId, mac] = match as unknown as [string, string, string];
      const expected = Buffer.from(sign(userId));
      const given = Buffer.from(mac);
      return expected.length === given.length && timingSafeEqual(expected, given) ? userId : null;
    },
  };
}
