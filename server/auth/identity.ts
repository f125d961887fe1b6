/**
 * Who a request or a handshake comes from, by the token it presents (a
 * Bearer header, `auth.token`, or the session cookie's value):
 *
 * - an account token names a session that still exists → that account;
 * - a guest token with a valid MAC, whose userId is not an account → that guest
 *   (a guest who became an account must sign in: the guest token is done);
 * - anything else → null: refused, never silently someone else.
 */
import type { IncomingMessage } from "node:http";
import type { AccountService, SignedIn } from "../accounts/account-service.js";
import { isAccountToken } from "../accounts/session-tokens.js";
import { cookieOf } from "../http/request.js";
import type { TokenSigner } from "./tokens.js";

export type Identity = ({ kind: "account" } & SignedIn) | { kind: "guest"; userId: string };

/** The name of the httpOnly cookie that carries a browser's account token. */
export const SESSION_COOKIE = "chat_session";

/**
 * The token an HTTP request presents: its `Authorization: Bearer` header
 * first, then the session cookie (`fromCookie`); null for an Authorization
 * header that is not a Bearer token.
 */
export function presentedToken(req: IncomingMessage): { token: string | undefined; fromCookie: boolean } | null {
  const header = req.headers.authorization;
  if (typeof header === "string") {
    const match = /^Bearer\s+(\S{1,256})$/i.exec(header.trim());
    return match ? { token: match[1]!, fromCookie: false } : null;
  }
  return { token: cookieOf(req, SESSION_COOKIE), fromCookie: true };
}

export class IdentityResolver {
  constructor(
    private readonly signer: TokenSigner,
    private readonly accounts: AccountService,
  ) {}

  /** Storage failures reject (AccountError UNAVAILABLE): unknown is not the same as refused. */
  async resolve(token: string): Promise<Identity | null> {
    if (isAccountToken(token)) {
      const signedIn = await this.accounts.resolve(token);
      return signedIn && { kind: "account", ...signedIn };
    }
    const userId = this.signer.verify(token);
    if (userId === null || (await this.accounts.isAccount(userId))) return null;
    return { kind: "guest", userId };
  }
}
