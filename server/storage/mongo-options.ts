/** What the mongoose stores of every domain share. */

/** Acked only when journaled on a majority: an acked write survives a crash. */
export const DURABLE = { w: "majority", j: true } as const;

/** Schema options of every collection: no version key, unknown fields refused, filters cast strictly. */
export const SCHEMA_OPTIONS = { versionKey: false, strict: "throw", strictQuery: true, writeConcern: DURABLE } as const;

/** A duplicate key error (E11000): a unique index refused a write. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === 11000;
}

/** Two upserts of one new _id can race and one fails on the unique _id; its retry then updates the winner's document. */
export async function upsertRetrying<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isDuplicateKey(err)) return write();
    throw err;
  }
}
