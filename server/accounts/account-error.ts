/** What an accounts route answers when it refuses: an HTTP status, a code and a message. */
export type AccountErrorCode =
  | "INVALID_INPUT"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "RATE_LIMITED"
  | "UNAVAILABLE"
  | "USERNAME_TAKEN"
  | "NAME_TAKEN"
  | "LAST_SIGN_IN_METHOD";

const STATUS: Record<AccountErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  USERNAME_TAKEN: 409,
  NAME_TAKEN: 409,
  LAST_SIGN_IN_METHOD: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

export class AccountError extends Error {
  override name = "AccountError";
  readonly status: number;

  /** @param retryAfterS for RATE_LIMITED: seconds until trying again may succeed */
  constructor(
    readonly code: AccountErrorCode,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

/** The one answer to a failed sign-in, whether the username exists or not. */
export const WRONG_CREDENTIALS = "wrong username or password";
