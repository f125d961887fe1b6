/** How people sign up and in, and what came of it: the labels of `chat_auth_total{method,result}`. */
export const AUTH_METHODS = ["password", "passkey"] as const;
export const AUTH_RESULTS = ["signed_up", "signed_in", "failed", "rate_limited"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
export type AuthResult = (typeof AUTH_RESULTS)[number];
