/**
 * Passkeys (WebAuthn, with @simplewebauthn/server): signing up with one,
 * adding one to an account, and signing in with one.
 *
 * Each ceremony is two requests. The first stores a challenge (5 minutes,
 * taken once) under a random id the browser keeps in an httpOnly cookie;
 * the second takes it back and verifies the authenticator's answer against
 * it. The relying party is the page's host, read from the request's
 * Origin — which the routes have already checked is allowed — unless
 * `rpId` is configured.
 */
import { randomBytes } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { z } from "zod";
import { AccountError } from "./account-error.js";
import { newUserId, publicPasskey, type AccountService, type Issued, type Origin, type Passkey, type SignedIn } from "./account-service.js";

/** How long a challenge waits for its answer. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const RP_NAME = "Rooms";
const LABEL_MAX = 60;

/** The page this ceremony runs for: its origin and the relying party id (its host name). */
export type RelyingParty = { origin: string; rpId: string };

type Pending =
  | { purpose: "signup"; challenge: string; userId: string; guest: boolean; username: string; name: string }
  | { purpose: "add"; challenge: string; userId: string }
  | { purpose: "signin"; challenge: string };

// What an authenticator's answer must look like before the library reads it; the library checks the rest.
const b64url = z.string().max(4096).regex(/^[A-Za-z0-9_-]*$/);
const registrationSchema = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal("public-key"),
  response: z.object({ clientDataJSON: b64url, attestationObject: b64url, transports: z.array(z.string().max(32)).max(10).optional() }).loose(),
  clientExtensionResults: z.object({}).loose(),
  authenticatorAttachment: z.string().max(32).optional(),
});
const authenticationSchema = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal("public-key"),
  response: z.object({ clientDataJSON: b64url, authenticatorData: b64url, signature: b64url, userHandle: b64url.optional() }).loose(),
  clientExtensionResults: z.object({}).loose(),
  authenticatorAttachment: z.string().max(32).optional(),
});

export class PasskeyService {
  constructor(
    private readonly accounts: AccountService,
    private readonly now: () => number = Date.now,
  ) {}

  private async remember(pending: Pending): Promise<string> {
    const id = randomBytes(16).toString("base64url");
    await this.accounts.call((s) => s.putChallenge(id, JSON.stringify(pending), this.now() + CHALLENGE_TTL_MS));
    return id;
  }

  private async recall(challengeId: string | undefined): Promise<Pending> {
    const body = challengeId && /^[A-Za-z0-9_-]{22}$/.test(challengeId) ? await this.accounts.call((s) => s.takeChallenge(challengeId, this.now())) : undefined;
    if (body === undefined) throw new AccountError("INVALID_INPUT", "no passkey request is waiting (it expired or was used): start again");
    return JSON.parse(body) as Pending;
  }

  /**
   * Options to create a passkey: for a new account (`who` undefined; the
   * guest `guestUserId` becomes it when given) or for `who`'s account.
   */
  async registrationOptions(
    rp: RelyingParty,
    who: SignedIn | undefined,
    input: { username?: unknown; name?: unknown },
    guestUserId: string | undefined,
    from: Origin,
  ): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; challengeId: string }> {
    let pending: Pending;
    let userName: string;
    let displayName: string;
    let exclude: Passkey[] = [];
    if (who) {
      pending = { purpose: "add", challenge: "", userId: who.userId };
      userName = who.username;
      displayName = who.name;
      exclude = await this.accounts.passkeys(who);
    } else {
      await this.accounts.checkSignupLimit(from.address, "passkey");
      const userId = guestUserId ?? newUserId();
      const username = await this.accounts.claimable(input.username, userId);
      const name = await this.accounts.displayName(input.name, username, userId);
      pending = { purpose: "signup", challenge: "", userId, guest: guestUserId !== undefined, username, name };
      userName = username;
      displayName = name;
    }
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: rp.rpId,
      userName,
      userDisplayName: displayName,
      userID: new TextEncoder().encode(pending.userId),
      attestationType: "none",
      excludeCredentials: exclude.map((p) => ({ id: p.id })),
      authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
      timeout: CHALLENGE_TTL_MS,
    });
    pending.challenge = options.challenge;
    return { options, challengeId: await this.remember(pending) };
  }

  /** Verifies a new passkey: signs the new account up (answering `Issued`) or adds it to `who`'s account. */
  async register(
    rp: RelyingParty,
    challengeId: string | undefined,
    input: { response?: unknown; label?: unknown },
    who: SignedIn | undefined,
    guestUserId: string | undefined,
    from: Origin,
  ): Promise<{ issued: Issued } | { passkey: Passkey }> {
    const parsed = registrationSchema.safeParse(input.response);
    if (!parsed.success) throw new AccountError("INVALID_INPUT", "response: not a passkey registration");
    const label = labelOf(input.label, from.device);
    const pending = await this.recall(challengeId);
    if (pending.purpose === "signin") throw new AccountError("INVALID_INPUT", "no passkey registration is waiting: start again");
    // The answer must come from whoever asked: the same account, or the same guest (or a newcomer).
    if (pending.purpose === "add" && who?.userId !== pending.userId) throw new AccountError("UNAUTHORIZED", "not signed in");
    if (pending.purpose === "signup" && (who !== undefined || (pending.guest ? guestUserId !== pending.userId : guestUserId !== undefined))) {
      throw new AccountError("INVALID_INPUT", "the passkey request was started by someone else: start again");
    }
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response: parsed.data as RegistrationResponseJSON,
        expectedChallenge: pending.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpId,
        requireUserVerification: false,
      });
    } catch {
      throw new AccountError("INVALID_INPUT", "the passkey could not be verified");
    }
    if (!verified.verified) throw new AccountError("INVALID_INPUT", "the passkey could not be verified");
    const { credential } = verified.registrationInfo;
    const record = {
      id: credential.id,
      userId: pending.userId,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: (credential.transports ?? []).map(String),
      label,
      createdAt: new Date(this.now()).toISOString(),
      lastUsed: null,
    };
    const alreadyRegistered = () => new AccountError("INVALID_INPUT", "that passkey is already registered");
    if (pending.purpose === "add") {
      if (!(await this.accounts.call((s) => s.addPasskey(record)))) throw alreadyRegistered();
      return { passkey: publicPasskey(record) };
    }
    if (await this.accounts.call((s) => s.passkey(record.id))) throw alreadyRegistered();
    // The username was free when the ceremony began; `create` finds out if it still is. The passkey is
    // stored before the account is signed in, and if it cannot be the account is undone.
    const issued = await this.accounts.create(
      { userId: pending.userId, username: pending.username, name: pending.name, passwordHash: null },
      from,
      async () => {
        if (!(await this.accounts.call((s) => s.addPasskey(record)))) throw alreadyRegistered();
      },
    );
    this.accounts.count("passkey", "signed_up");
    return { issued };
  }

  /** Options to sign in with any passkey this site's browser holds. */
  async authenticationOptions(rp: RelyingParty): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; challengeId: string }> {
    const options = await generateAuthenticationOptions({ rpID: rp.rpId, userVerification: "preferred", timeout: CHALLENGE_TTL_MS });
    return { options, challengeId: await this.remember({ purpose: "signin", challenge: options.challenge }) };
  }

  /** Signs in with a passkey; failures count per address like wrong passwords. */
  async authenticate(rp: RelyingParty, challengeId: string | undefined, input: { response?: unknown }, from: Origin): Promise<Issued> {
    await this.accounts.checkFailures(undefined, from.address, "passkey");
    const parsed = authenticationSchema.safeParse(input.response);
    let pending: Pending | undefined;
    try {
      pending = await this.recall(challengeId);
    } catch {
      pending = undefined;
    }
    if (!parsed.success || pending?.purpose !== "signin") return this.accounts.failed(undefined, from.address, "passkey");
    const response = parsed.data as AuthenticationResponseJSON;
    const passkey = await this.accounts.call((s) => s.passkey(response.id));
    const handle = response.response.userHandle;
    if (!passkey || (handle !== undefined && Buffer.from(handle, "base64url").toString() !== passkey.userId)) {
      return this.accounts.failed(undefined, from.address, "passkey");
    }
    let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: pending.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpId,
        credential: { id: passkey.id, publicKey: new Uint8Array(passkey.publicKey), counter: passkey.counter, transports: passkey.transports },
        requireUserVerification: false,
      });
    } catch {
      return this.accounts.failed(undefined, from.address, "passkey");
    }
    if (!verified.verified) return this.accounts.failed(undefined, from.address, "passkey");
    const account = await this.accounts.call((s) => s.accountByUserId(passkey.userId));
    if (!account) return this.accounts.failed(undefined, from.address, "passkey");
    await this.accounts.call((s) => s.usePasskey(passkey.id, verified.authenticationInfo.newCounter, new Date(this.now()).toISOString()));
    this.accounts.count("passkey", "signed_in");
    return this.accounts.startSession(account, from);
  }
}

/** A passkey's label: what the person typed, or the device it was made on. */
function labelOf(label: unknown, device: string): string {
  if (typeof label !== "string") return device;
  const trimmed = label.trim().replace(/\p{Cc}/gu, "");
  return trimmed.length > 0 ? [...trimmed].slice(0, LABEL_MAX).join("") : device;
}
