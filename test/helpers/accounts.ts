/**
 * Talking to the accounts routes (protocol v1.2, docs/protocol.md "accounts")
 * over real HTTP: one request with any headers and any body (`api`), a
 * browser that keeps its cookies and sends its page's Origin (`Browser`),
 * and a software passkey authenticator (`SoftAuthenticator`) that answers
 * WebAuthn options the way a platform authenticator would, so the whole
 * passkey ceremony can be run without a browser.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";

/** What the routes answer when they refuse. */
export type ErrorBody = { error: { code: string; message: string } };
/** What a route that signs someone in answers. */
export type Issued = { userId: string; username: string; name: string; token: string };
export type Passkey = { id: string; label: string; createdAt: string; lastUsedAt?: string };
export type SessionInfo = { id: string; device: string; createdAt: string; lastSeenAt: string; current: boolean };
export type AccountInfo = { userId: string; username: string; name: string; hasPassword: boolean; passkeys: Passkey[] };

/** One `Set-Cookie` of an answer: attribute names lower-cased, flags as `true`. */
export type SetCookie = { name: string; value: string; attributes: Record<string, string | true> };

export type Answer<T = unknown> = {
  status: number;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  body: T;
  text: string;
  headers: Headers;
  cookies: SetCookie[];
};

export type ApiRequest = {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, instead of `body`. */
  raw?: string | Uint8Array;
  /** Defaults to application/json when there is a body; null sends none. */
  contentType?: string | null;
  /** `Authorization: Bearer <token>`. */
  token?: string;
  /** The whole Cookie header. */
  cookie?: string;
  origin?: string;
  /** The client address, as a trusted proxy reports it (X-Forwarded-For): the server must run with TRUST_PROXY=true. */
  address?: string;
  userAgent?: string;
  headers?: Record<string, string>;
};

export const SESSION_COOKIE = "chat_session";
export const PASSWORD = "correct horse battery staple";

export function parseSetCookie(line: string): SetCookie {
  const [pair = "", ...attrs] = line.split(";");
  const eq = pair.indexOf("=");
  const attributes: Record<string, string | true> = {};
  for (const attr of attrs) {
    const [key = "", ...value] = attr.trim().split("=");
    attributes[key.toLowerCase()] = value.length > 0 ? value.join("=") : true;
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** One request to the server, with exactly the headers asked for. */
export async function api<T = unknown>(url: string, path: string, req: ApiRequest = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...req.headers };
  const payload = req.raw ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
  if (payload !== undefined && req.contentType !== null) headers["Content-Type"] = req.contentType ?? "application/json";
  if (req.contentType && payload === undefined) headers["Content-Type"] = req.contentType;
  if (req.token !== undefined) headers.Authorization = `Bearer ${req.token}`;
  if (req.cookie !== undefined) headers.Cookie = req.cookie;
  if (req.origin !== undefined) headers.Origin = req.origin;
  if (req.address !== undefined) headers["X-Forwarded-For"] = req.address;
  if (req.userAgent !== undefined) headers["User-Agent"] = req.userAgent;
  const res = await fetch(`${url}${path}`, {
    method: req.method ?? (payload === undefined ? "GET" : "POST"),
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body: body as T, text, headers: res.headers, cookies: res.headers.getSetCookie().map(parseSetCookie) };
}

let people = 0;
const run = randomBytes(2).toString("hex");

/** A username no other test of this run uses (3–24 of A-Z a-z 0-9 _). */
export function uniqueUsername(stem = "user"): string {
  return `${stem.slice(0, 12)}_${run}${(people++).toString(36)}`;
}

let addresses = 0;
const base = randomBytes(1)[0]!;

/** An address no other test of this run comes from (limits count per address). */
export function uniqueAddress(): string {
  const n = addresses++;
  return `10.${base}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * A browser on the page at `url`: it sends the page's Origin and its
 * cookies, keeps what `Set-Cookie` gives it and forgets what it clears.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly address: string;

  constructor(
    readonly url: string,
    readonly options: { address?: string; userAgent?: string } = {},
  ) {
    this.address = options.address ?? uniqueAddress();
  }

  get origin(): string {
    return this.url;
  }

  /** The session cookie's value, when it has one. */
  get session(): string | undefined {
    return this.cookies.get(SESSION_COOKIE);
  }

  cookieHeader(): string | undefined {
    return this.cookies.size === 0 ? undefined : [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request<T = unknown>(path: string, req: ApiRequest = {}): Promise<Answer<T>> {
    const cookie = this.cookieHeader();
    const answer = await api<T>(this.url, path, {
      origin: this.origin,
      address: this.address,
      userAgent: this.options.userAgent ?? DESKTOP_CHROME,
      ...(cookie === undefined ? {} : { cookie }),
      ...req,
    });
    for (const c of answer.cookies) {
      const maxAge = c.attributes["max-age"];
      const expires = c.attributes.expires;
      const gone =
        c.value === "" ||
        (typeof maxAge === "string" && Number(maxAge) <= 0) ||
        (typeof expires === "string" && Date.parse(expires) <= Date.now());
      if (gone) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return answer;
  }
}

export const DESKTOP_CHROME =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
export const ANDROID_CHROME =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
export const MAC_FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:133.0) Gecko/20100101 Firefox/133.0";

/** Signs up with a password (a fresh username and address unless given); fails unless it answers 201. */
export async function signUp(
  url: string,
  input: { username?: string; password?: string; name?: string } = {},
  req: ApiRequest = {},
): Promise<Issued & { password: string }> {
  const username = input.username ?? uniqueUsername();
  const password = input.password ?? PASSWORD;
  const body = { username, password, ...(input.name === undefined ? {} : { name: input.name }) };
  const res = await api<Issued>(url, "/api/accounts", { address: uniqueAddress(), ...req, body });
  if (res.status !== 201) throw new Error(`sign-up answered ${res.status}: ${res.text}`);
  return { ...res.body, password };
}

/** Signs in with a password; fails unless it answers 200. */
export async function signIn(url: string, username: string, password = PASSWORD, req: ApiRequest = {}): Promise<Issued> {
  const res = await api<Issued>(url, "/api/session", { address: uniqueAddress(), ...req, body: { username, password } });
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${res.text}`);
  return res.body;
}

// ---- a software passkey authenticator ---------------------------------------

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor>;

function cborHead(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, n];
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
  return [(major << 5) | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** Encodes the subset of CBOR (RFC 8949) WebAuthn needs: integers, text, bytes, arrays, maps. */
export function cbor(value: Cbor): Uint8Array {
  const out: number[] = [];
  const put = (v: Cbor) => {
    if (typeof v === "number") out.push(...(v >= 0 ? cborHead(0, v) : cborHead(1, -1 - v)));
    else if (typeof v === "string") {
      const bytes = new TextEncoder().encode(v);
      out.push(...cborHead(3, bytes.length), ...bytes);
    } else if (v instanceof Uint8Array) out.push(...cborHead(2, v.length), ...v);
    else if (Array.isArray(v)) {
      out.push(...cborHead(4, v.length));
      v.forEach(put);
    } else {
      out.push(...cborHead(5, v.size));
      for (const [k, item] of v) {
        put(k);
        put(item);
      }
    }
  };
  put(value);
  return Uint8Array.from(out);
}

const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();
const uint32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** Authenticator data flags: user present, user verified, attested credential data included. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

type Credential = { id: Buffer; privateKey: KeyObject; userHandle: string; rpId: string; counter: number };

/** What a test may change in a ceremony, to make an answer that must not verify. */
export type Tamper = {
  origin?: string;
  challenge?: string;
  rpId?: string;
  type?: string;
  userHandle?: string;
  counter?: number;
  /** Registration: a credential id (base64url) to make the new key under, such as one already registered. */
  credentialId?: string;
};

/**
 * A passkey authenticator in software: P-256 keys from node:crypto,
 * "none" attestation, discoverable credentials. Answers options exactly as
 * `startRegistration` / `startAuthentication` would hand them to the server.
 */
export class SoftAuthenticator {
  private readonly credentials: Credential[] = [];

  /** Makes a credential for the options' user and answers them. */
  register(options: PublicKeyCredentialCreationOptionsJSON, origin: string, tamper: Tamper = {}): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const id = tamper.credentialId === undefined ? randomBytes(32) : Buffer.from(tamper.credentialId, "base64url");
    const coseKey = cbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, "base64url")],
        [-3, Buffer.from(jwk.y!, "base64url")],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([
      sha256(tamper.rpId ?? rpId),
      Buffer.from([UP | UV | AT]),
      uint32(0),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      id,
      coseKey,
    ]);
    const clientData = {
      type: tamper.type ?? "webauthn.create",
      challenge: tamper.challenge ?? options.challenge,
      origin: tamper.origin ?? origin,
      crossOrigin: false,
    };
    this.credentials.push({ id, privateKey, userHandle: options.user.id, rpId, counter: 0 });
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(Buffer.from(JSON.stringify(clientData))),
        attestationObject: b64url(cbor(new Map<Cbor, Cbor>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]))),
        transports: ["internal", "hybrid"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** The id (base64url) of the credential made `index`-th (default: the last). */
  credentialId(index = -1): string {
    const credential = this.credentials.at(index);
    if (!credential) throw new Error("this authenticator holds no credential");
    return b64url(credential.id);
  }

  /** Signs the options' challenge with a credential it holds (default: the last one made). */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, origin: string, credentialId?: string, tamper: Tamper = {}): AuthenticationResponseJSON {
    const credential = credentialId === undefined ? this.credentials.at(-1) : this.credentials.find((c) => b64url(c.id) === credentialId);
    if (!credential) throw new Error("this authenticator holds no such credential");
    credential.counter = tamper.counter ?? credential.counter + 1;
    const authData = Buffer.concat([sha256(tamper.rpId ?? options.rpId ?? credential.rpId), Buffer.from([UP | UV]), uint32(credential.counter)]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: tamper.type ?? "webauthn.get",
        challenge: tamper.challenge ?? options.challenge,
        origin: tamper.origin ?? origin,
        crossOrigin: false,
      }),
    );
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: tamper.userHandle ?? credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}

/**
 * Signs up with a new passkey in `browser` (with its guest token when given):
 * registration options, the authenticator's answer, the registration.
 */
export async function signUpWithPasskey(
  browser: Browser,
  authenticator: SoftAuthenticator,
  input: { username: string; name?: string; label?: string },
  req: ApiRequest = {},
): Promise<Answer<Issued>> {
  const options = await browser.request<PublicKeyCredentialCreationOptionsJSON>("/api/passkeys/registration/options", {
    ...req,
    body: { username: input.username, ...(input.name === undefined ? {} : { name: input.name }) },
  });
  if (options.status !== 200) throw new Error(`registration options answered ${options.status}: ${options.text}`);
  const response = authenticator.register(options.body, browser.origin);
  return browser.request<Issued>("/api/passkeys/registration", {
    ...req,
    body: { response, ...(input.label === undefined ? {} : { label: input.label }) },
  });
}

/** Signs in with a passkey `authenticator` holds, in `browser`. */
export async function signInWithPasskey(browser: Browser, authenticator: SoftAuthenticator, credentialId?: string): Promise<Answer<Issued>> {
  const options = await browser.request<PublicKeyCredentialRequestOptionsJSON>("/api/passkeys/authentication/options", { body: {} });
  if (options.status !== 200) throw new Error(`authentication options answered ${options.status}: ${options.text}`);
  return browser.request<Issued>("/api/passkeys/authentication", {
    body: { response: authenticator.authenticate(options.body, browser.origin, credentialId) },
  });
}

/** Resolves with the reason once `socket` is disconnected; fails after `ms`. */
export function disconnection(socket: { connected: boolean; once(event: "disconnect", fn: (reason: string) => void): unknown }, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!socket.connected) {
      resolve("already disconnected");
      return;
    }
    const timer = setTimeout(() => reject(new Error(`still connected after ${ms} ms`)), ms);
    socket.once("disconnect", (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** The same text with its letters and digits full-width (`teacher_1` → `ｔｅａｃｈｅｒ_１`): NFKC reads it as the original. */
export function fullWidth(text: string): string {
  return text.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}
