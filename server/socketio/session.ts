/**
 * Handshake middleware: who a new socket is.
 *
 * An account token in `auth.token` comes first, then the session cookie the
 * connection's request carried (browsers signed in to an account), then a
 * guest token, then nothing (a new guest). A signed-in socket takes the
 * account's name and ignores `auth.name`; a guest's name must follow the v1
 * rules and must not pass for a claimed username (NAME_TAKEN). A forged or
 * ended token, and the guest token of someone who has since claimed an
 * account, are refused (UNAUTHORIZED) — never silently someone else. When
 * storage cannot answer, the connection is refused with UNAVAILABLE, to be
 * tried again.
 */
import type { ExtendedError } from "socket.io";
import { isAccountToken } from "../accounts/session-tokens.js";
import type { AccountService } from "../accounts/account-service.js";
import type { IdentityResolver } from "../auth/identity.js";
import type { TokenSigner } from "../auth/tokens.js";
import { authSchema, describeIssues, guestNameSchema, type AckError } from "../protocol.js";
import type { ChatSocket } from "./types.js";

function refuse(error: AckError): ExtendedError {
  const err: ExtendedError = new Error(error.code);
  err.data = error;
  return err;
}

const UNAVAILABLE: AckError = { code: "UNAVAILABLE", message: "the server cannot check identities right now; try again" };

export type SessionDeps = {
  signer: TokenSigner;
  identity: IdentityResolver;
  accounts: AccountService;
  /** The session cookie's value the connection's request carried, if any (read before the request was let go). */
  cookieToken: (socket: ChatSocket) => string | undefined;
};

export function sessionMiddleware(deps: SessionDeps) {
  const who = async (socket: ChatSocket): Promise<AckError | undefined> => {
    const parsed = authSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) return { code: "INVALID_INPUT", message: `auth: ${describeIssues(parsed.error)}` };
    const { token } = parsed.data;
    const presented = token !== undefined && isAccountToken(token) ? token : (deps.cookieToken(socket) ?? token);
    if (presented !== undefined) {
      const identity = await deps.identity.resolve(presented);
      if (identity === null) return { code: "UNAUTHORIZED", message: "invalid identity token" };
      if (identity.kind === "account") {
        const { userId, name, username, sessionId } = identity;
        socket.data = { userId, name, account: username, sessionId };
        return undefined;
      }
      return guest(socket, identity.userId, parsed.data.name);
    }
    return guest(socket, deps.signer.issue().userId, parsed.data.name);
  };

  const guest = async (socket: ChatSocket, userId: string, rawName: unknown): Promise<AckError | undefined> => {
    const name = guestNameSchema.safeParse(rawName);
    if (!name.success) return { code: "INVALID_INPUT", message: `auth: name: ${describeIssues(name.error)}` };
    if (!(await deps.accounts.guestMayUse(name.data))) {
      return { code: "NAME_TAKEN", message: "that name is an account's username: sign in, or choose another name" };
    }
    socket.data = { userId, name: name.data };
    return undefined;
  };

  return (socket: ChatSocket, next: (err?: ExtendedError) => void): void => {
    who(socket).then(
      (error) => next(error && refuse(error)),
      () => next(refuse(UNAVAILABLE)),
    );
  };
}
