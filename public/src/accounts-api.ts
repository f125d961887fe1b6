/**
 * The accounts routes (protocol v1.2, docs/protocol.md "accounts") as the
 * page calls them: same-origin JSON requests (the session cookie goes with
 * them), a guest's token as `Authorization` where a guest becomes an
 * account, and passkey ceremonies through @simplewebauthn/browser. Every
 * call resolves — a refusal is `{ ok: false, code }`, never a throw.
 */
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";

export type Issued = { userId: string; username: string; name: string };
export type Passkey = { id: string; label: string; createdAt: string; lastUsedAt?: string };
export type AccountInfo = { userId: string; username: string; name: string; hasPassword: boolean; passkeys: Passkey[] };
export type SessionInfo = { id: string; device: string; createdAt: string; lastSeenAt: string; current: boolean };

/** A refusal: the server's code (or NETWORK, or PASSKEY_CANCELLED when the browser's passkey prompt gave nothing), and Retry-After in seconds. */
export type Refusal = { ok: false; code: string; retryAfter?: number };
export type Result<T> = { ok: true; value: T } | Refusal;

async function call<T>(method: string, path: string, body?: unknown, guestToken?: string): Promise<Result<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (guestToken) headers.Authorization = `Bearer ${guestToken}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin", ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch {
    return { ok: false, code: "NETWORK" };
  }
  const text = await res.text().catch(() => "");
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.ok) return { ok: true, value: parsed as T };
  const error = (parsed as { error?: { code?: unknown } } | undefined)?.error;
  const code = typeof error?.code === "string" ? error.code : res.status === 429 ? "RATE_LIMITED" : "INTERNAL";
  const retry = Number(res.headers.get("Retry-After"));
  return { ok: false, code, ...(Number.isFinite(retry) && retry > 0 ? { retryAfter: retry } : {}) };
}

export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

export const signUpWithPassword = (input: { username: string; password: string; name?: string }, guestToken?: string) =>
  call<Issued>("POST", "/api/accounts", input, guestToken);

export const signInWithPassword = (input: { username: string; password: string }) => call<Issued>("POST", "/api/session", input);

/** Who the session cookie signs in (401 UNAUTHORIZED, and the cookie cleared, when none or ended). */
export const currentSession = () => call<Issued>("GET", "/api/session");
export const signOut = () => call<undefined>("DELETE", "/api/session");
export const signOutEverywhere = () => call<undefined>("DELETE", "/api/sessions");
export const account = () => call<AccountInfo>("GET", "/api/account");
export const rename = (name: string) => call<Issued>("PATCH", "/api/account", { name });
export const setPassword = (password: string, current?: string) =>
  call<undefined>("PUT", "/api/account/password", { password, ...(current === undefined ? {} : { current }) });
export const sessions = () => call<{ sessions: SessionInfo[] }>("GET", "/api/sessions");
export const endSession = (id: string) => call<undefined>("DELETE", `/api/sessions/${encodeURIComponent(id)}`);
export const removePasskey = (id: string) => call<undefined>("DELETE", `/api/passkeys/${encodeURIComponent(id)}`);

/** The browser's passkey prompt; an error there (cancelled, timed out, no credential) is PASSKEY_CANCELLED. */
async function ceremony<T>(run: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await run() };
  } catch {
    return { ok: false, code: "PASSKEY_CANCELLED" };
  }
}

/** Creates a passkey: for a new account (`signUp`, from the guest identity when there is one) or, signed in, for this account. */
async function registerPasskey<T>(body: { username: string; name?: string } | Record<string, never>, guestToken?: string): Promise<Result<T>> {
  const options = await call<PublicKeyCredentialCreationOptionsJSON>("POST", "/api/passkeys/registration/options", body, guestToken);
  if (!options.ok) return options;
  const response = await ceremony(() => startRegistration({ optionsJSON: options.value }));
  if (!response.ok) return response;
  return call<T>("POST", "/api/passkeys/registration", { response: response.value }, guestToken);
}

export const signUpWithPasskey = (input: { username: string; name?: string }, guestToken?: string) => registerPasskey<Issued>(input, guestToken);
export const addPasskey = () => registerPasskey<{ passkey: Passkey }>({});

export async function signInWithPasskey(): Promise<Result<Issued>> {
  const options = await call<PublicKeyCredentialRequestOptionsJSON>("POST", "/api/passkeys/authentication/options", {});
  if (!options.ok) return options;
  const response = await ceremony(() => startAuthentication({ optionsJSON: options.value }));
  if (!response.ok) return response;
  return call<Issued>("POST", "/api/passkeys/authentication", { response: response.value });
}
