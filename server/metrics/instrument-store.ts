/**
 * Wraps a message store so that every storage call is timed into
 * `chat_store_seconds{op}` and every newly stored message counts into
 * `chat_messages_total{kind}` — without touching either store.
 *
 * A Proxy rather than a hand-written class: a method added to the store
 * interface is timed from its first day, under its own name.
 */
import type { MessageStore } from "../messages/store.js";
import type { ChatMetrics } from "./chat-metrics.js";

/** Lifecycle and health calls: not storage work a client waits for. */
const UNTIMED = new Set<PropertyKey>(["init", "close", "isReady"]);

const STORED_KINDS = new Set(["room", "broadcast", "private"]);

/**
 * @example
 * const store = instrumentStore(new MemoryStore(), metrics);
 */
export function instrumentStore<S extends MessageStore>(store: S, metrics: ChatMetrics): S {
  // Each method is wrapped once, on first use: the store's calls are the hot path.
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      let wrapper = wrapped.get(prop);
      if (wrapper === undefined) {
        wrapper = typeof prop !== "string" || UNTIMED.has(prop) ? value.bind(target) : timed(target, prop, value as (...args: unknown[]) => unknown, metrics);
        wrapped.set(prop, wrapper);
      }
      return wrapper;
    },
  });
}

/** A store method that times each call into `chat_store_seconds{op}` (and counts stored messages). */
function timed(target: MessageStore, prop: string, method: (...args: unknown[]) => unknown, metrics: ChatMetrics) {
  return (...args: unknown[]) => {
    const done = metrics.storeSeconds.startTimer({ op: prop });
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
        if (prop === "insert") countStored(metrics, value);
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
