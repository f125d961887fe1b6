/** Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) into self time per function. */
import path from "node:path";

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
export type CpuProfile = {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  /** µs on the machine's monotonic clock (V8's TimeTicks), like `process.hrtime`. */
  startTime: number;
  endTime: number;
};

/** A stretch of the monotonic clock in µs, e.g. one measured phase. */
export type Window = { fromUs: number; toUs: number };

/** Whether a window lies within the profile; if not, clocks differ and the window cannot be used. */
export const windowFits = (profile: CpuProfile, w: Window): boolean =>
  w.fromUs >= profile.startTime && w.toUs <= profile.endTime && w.fromUs < w.toUs;

export type SelfTime = { name: string; where: string; ms: number; share: number };

/** Sampled time per profile node in µs, counting only samples within `window` when given. */
export function timePerNode(profile: CpuProfile, window?: Window): Map<number, number> {
  const byNode = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    byNode.set(id, (byNode.get(id) ?? 0) + delta);
  });
  return byNode;
}

/**
 * Functions by self time (time on top of the stack), largest first, counting
 * only samples within `window` when given. `share` is of the busy time:
 * everything but `(idle)`.
 */
export function selfTimes(
  profile: CpuProfile,
  root: string,
  window?: Window,
): { busyMs: number; idleMs: number; entries: SelfTime[] } {
  const byNode = timePerNode(profile, window);
  const byFunction = new Map<string, SelfTime>();
  for (const node of profile.nodes) {
    const us = byNode.get(node.id);
    if (!us) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.startsWith("file://") ? path.relative(root, new URL(url).pathname) : url;
    const where = file ? `${file}:${lineNumber + 1}` : "";
    const name = functionName || "(anonymous)";
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, where, ms: 0, share: 0 };
    entry.ms += us / 1000;
    byFunction.set(key, entry);
  }
  const entries = [...byFunction.values()].sort((a, b) => b.ms - a.ms);
  const idleMs = entries.filter((e) => e.name === "(idle)").reduce((s, e) => s + e.ms, 0);
  const busyMs = entries.reduce((s, e) => s + e.ms, 0) - idleMs;
  for (const e of entries) e.share = e.name === "(idle)" ? NaN : e.ms / busyMs;
  return { busyMs, idleMs, entries: entries.filter((e) => e.name !== "(idle)") };
}
