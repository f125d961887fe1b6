/**
 * Wraps a Storage so that every call to every store is timed into
 * `chat_store_seconds{op="<domain>.<method>"}` (e.g. `messages.insert`,
 * `people.setRead`, `rooms.list`) and every newly stored message counts into
 * `chat_messages_total{kind}` — without touching any store.
 *
 * Proxies rather than hand-written classes: a method added to a store
 * interface, or a new domain's store, is timed from its first day under its
 * own name.
 */
import type { Storage } from "../storage/storage.js";
import type { ChatMetrics } from "./chat-metrics.js";

const STORED_KINDS = new Set(["room", "broadcast", "private"]);

/** The stores of a Storage, by domain name: every one is timed. */
type Domain = Exclude<keyof Storage, "kind" | "init" | "isReady" | "close">;
const DOMAINS: readonly Domain[] = ["messages", "rooms", "people", "accounts", "attachments"];

/**
 * A Storage whose stores are timed; its lifecycle calls (init, isReady,
 * close) are not storage work a client waits for and pass through.
 *
 * @example
 * const storage = instrumentStorage(new SqliteStorage({ path: ":memory:", logger }), metrics);
 */
export function instrumentStorage(storage: Storage, metrics: ChatMetrics): Storage {
  const stores = Object.fromEntries(DOMAINS.map((domain) => [domain, instrumentStore(domain, storage[domain], metrics)]));
  return new Proxy(storage, {
    get(target, prop, receiver) {
      if (typeof prop === "string" && Object.hasOwn(stores, prop)) return stores[prop];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function instrumentStore<S extends object>(domain: string, store: S, metrics: ChatMetrics): S {
  // Each method is wrapped once, on first use: the stores' calls are the hot path.
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      let wrapper = wrapped.get(prop);
      if (wrapper === undefined) {
        wrapper =
          typeof prop !== "string"
            ? value.bind(target)
            : timed(target, `${domain}.${prop}`, value as (...args: unknown[]) => unknown, metrics);
        wrapped.set(prop, wrapper);
      }
      return wrapper;
    },
  });
}

/** A store method that times each call into `chat_store_seconds{op}` (and counts stored messages). */
function timed(target: object, op: string, method: (...args: unknown[]) => unknown, metrics: ChatMetrics) {
  return (...args: unknown[]) => {
    const done = metrics.storeSeconds.startTimer({ op });
    let result: unknown;
    try {
      result = method.apply(target, args);
    } catch (err) {
      done();
      throw err;
    }
    if (!(result instanceof Promise)) {
      done();
      return result;
    }
    return result.then(
      (value: unknown) => {
        done();
        if (op === "messages.insert") countStored(metrics, value);
        return value;
      },
      (err: unknown) => {
        done();
        throw err;
      },
    );
  };
}

function countStored(metrics: ChatMetrics, result: unknown): void {
  if (typeof result !== "object" || result === null) return;
  const { created, message } = result as { created?: unknown; message?: { kind?: unknown } };
  const kind = message?.kind;
  if (created === true && typeof kind === "string" && STORED_KINDS.has(kind)) metrics.messages.inc({ kind });
}
