/**
 * Handshake middleware: checks the display name and the identity token.
 * A valid token keeps its userId; no token gets a new one; a forged or
 * tampered token is refused — it never silently becomes another identity.
 */
import type { ExtendedError } from "socket.io";
import type { TokenSigner } from "../auth/tokens.js";
import { authSchema, describeIssues, type AckError } from "../protocol.js";
import type { ChatSocket } from "./types.js";

function refuse(error: AckError): ExtendedError {
  const err: ExtendedError = new Error(error.code);
  err.data = error;
  return err;
}

export function sessionMiddleware(signer: TokenSigner) {
  return (socket: ChatSocket, next: (err?: ExtendedError) => void): void => {
    const parsed = authSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) {
      next(refuse({ code: "INVALID_INPUT", message: `auth: ${describeIssues(parsed.error)}` }));
      return;
    }
    const { name, token } = parsed.data;
    let userId: string;
    if (token !== undefined) {
      const verified = signer.verify(token);
      if (verified === null) {
        next(refuse({ code: "UNAUTHORIZED", message: "invalid identity token" }));
        return;
      }
      userId = verified;
    } else {
      userId = signer.issue().userId;
    }
    socket.data = { userId, name };
    next();
  };
}
