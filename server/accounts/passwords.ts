/**
 * Password hashing: argon2id through @node-rs/argon2 (a prebuilt native
 * binary, hashing off the event loop), with its defaults — 19 MiB of
 * memory, 2 passes, 1 lane: OWASP's recommended minimum. The hash is a PHC
 * string carrying its own salt and parameters, so they can be raised later
 * without breaking the hashes already stored.
 */
import { hash, verify } from "@node-rs/argon2";

/** Argon2 `algorithm` value for argon2id (the package's const enum, spelled out for isolated modules). */
const ARGON2ID = 2;

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

/** A hash of a password nobody has: verified against when the username is unknown, so that takes as long. */
let decoy: Promise<string> | undefined;

/**
 * Whether `password` matches `stored`. With no stored hash (unknown
 * username, or an account without a password) it still spends one
 * verification, then answers false: a failure takes the same time either way.
 */
export async function checkPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    decoy ??= hashPassword("not a password anyone has: it only costs time");
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
