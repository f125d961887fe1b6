/** Several server processes sharing one Redis, for the tests of the enclosing describe block. */
import { afterAll, afterEach, beforeAll } from "vitest";
import { disconnectAll } from "./client.js";
import { freshDatabaseUri } from "./mongo.js";
import { spawnServer, type ServerProcess } from "./process.js";
import { deleteKeys, REDIS_URL, uniquePrefix } from "./redis.js";

/** The environment of one node: this Redis under a fresh key prefix, a fresh MongoDB database, quiet logs. */
export function clusterEnv(redisUrl = REDIS_URL, extra: Record<string, string> = {}): Record<string, string> {
  return { REDIS_URL: redisUrl, REDIS_PREFIX: uniquePrefix(), MONGODB_URI: freshDatabaseUri(), LOG_LEVEL: "warn", ...extra };
}

/**
 * Starts `count` nodes with `env` (see clusterEnv) before the block's tests,
 * waits `settleMs` for them to find each other (adapter and membership
 * heartbeats), disconnects the test's clients after each test, and kills
 * the nodes and deletes their Redis keys at the end.
 *
 * @example
 * const cluster = useNodes(2, clusterEnv());
 * it("…", async () => { const [n1, n2] = cluster.nodes; … });
 */
export function useNodes(count: number, env: Record<string, string>, settleMs = 500): { readonly nodes: ServerProcess[]; readonly env: Record<string, string> } {
  let nodes: ServerProcess[] = [];
  beforeAll(async () => {
    nodes = await Promise.all(Array.from({ length: count }, () => spawnServer(env)));
    await new Promise((r) => setTimeout(r, settleMs));
  }, 60_000);
  afterEach(disconnectAll);
  afterAll(async () => {
    for (const n of nodes) n.kill("SIGKILL");
    if (env.REDIS_PREFIX) await deleteKeys(env.REDIS_URL ?? REDIS_URL, env.REDIS_PREFIX);
  });
  return {
    get nodes() {
      return nodes;
    },
    env,
  };
}
