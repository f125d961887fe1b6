/**
 * Account tokens: `a.<session id>.<secret>`, both base64url and random.
 * The store keeps the session id and a SHA-256 of the secret only, so a copy
 * of the database signs nobody in; a token is checked by looking its session
 * up and comparing hashes in constant time. The `a.` prefix tells an account
 * token from a guest token (`<userId>.<mac>`, see auth/tokens.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const TOKEN_PATTERN = /^a\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export function secretHash(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

/** A new session id, its token, and the hash to store. */
export function newSessionToken(): { id: string; token: string; secretHash: string } {
  const id = randomBytes(16).toString("base64url");
  const secret = randomBytes(32).toString("base64url");
  return { id, token: `a.${id}.${secret}`, secretHash: secretHash(secret) };
}

/** Whether a string has the shape of an account token (it may still be forged or ended). */
export function isAccountToken(token: string): boolean {
  return token.startsWith("a.");
}

/** The session id and secret of an account token, or null when malformed. */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/** Whether `secret` is the one whose hash is stored. */
export function secretMatches(secret: string, stored: string): boolean {
  const a = Buffer.from(secretHash(secret));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}
