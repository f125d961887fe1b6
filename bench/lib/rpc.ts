/**
 * Request/reply over a child process's IPC channel, typed by a command map.
 * The benchmark's own processes talk to each other this way; nothing here is
 * exposed to the network.
 */
import type { ChildProcess } from "node:child_process";

/** Command name → its argument and its result. */
export type Commands = Record<string, { args: unknown; result: unknown }>;

type Request = { rpc: number; cmd: string; args: unknown };
type Reply = { rpc: number; ok: true; result: unknown } | { rpc: number; ok: false; error: string };

const isReply = (m: unknown): m is Reply => typeof m === "object" && m !== null && "rpc" in m && "ok" in m;

/** The parent's side: calls commands on a child and waits for each reply, bounded in time. */
export class RpcClient<C extends Commands> {
  private next = 1;
  private gone: string | undefined;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly child: ChildProcess,
    private readonly name: string,
  ) {
    child.on("message", (m: unknown) => {
      if (!isReply(m)) return;
      const waiter = this.waiting.get(m.rpc);
      if (!waiter) return;
      this.waiting.delete(m.rpc);
      if (m.ok) waiter.resolve(m.result);
      else waiter.reject(new Error(`${name}: ${m.error}`));
    });
    child.once("exit", (code, signal) => {
      this.gone = `${name} exited (${code ?? signal})`;
      for (const waiter of this.waiting.values()) waiter.reject(new Error(this.gone));
      this.waiting.clear();
    });
  }

  call<K extends keyof C & string>(cmd: K, args: C[K]["args"], timeoutMs: number): Promise<C[K]["result"]> {
    if (this.gone) return Promise.reject(new Error(this.gone));
    const rpc = this.next++;
    return new Promise<C[K]["result"]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(rpc);
        reject(new Error(`${this.name}: ${cmd} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(rpc, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as C[K]["result"]);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const request: Request = { rpc, cmd, args };
      this.child.send(request);
    });
  }
}

export type Handlers<C extends Commands> = {
  [K in keyof C]: (args: C[K]["args"]) => C[K]["result"] | Promise<C[K]["result"]>;
};

/**
 * The child's side: answers the parent's commands. The child exits as soon as
 * its parent goes away, so no benchmark process outlives the run.
 */
export function serveParent<C extends Commands>(handlers: Handlers<C>): void {
  if (!process.send) throw new Error("this script runs as a child of bench/run.ts (it needs an IPC channel)");
  const reply = (r: Reply) => process.send?.(r);
  process.on("message", (m: Request) => {
    const handler = handlers[m.cmd] as ((args: unknown) => unknown) | undefined;
    if (!handler) return reply({ rpc: m.rpc, ok: false, error: `unknown command ${m.cmd}` });
    Promise.resolve()
      .then(() => handler(m.args))
      .then(
        (result) => reply({ rpc: m.rpc, ok: true, result }),
        (err: unknown) => reply({ rpc: m.rpc, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.on("disconnect", () => process.exit(0));
}
