/** Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) into self time per function. */
import path from "node:path";

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
export type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type SelfTime = { name: string; where: string; ms: number; share: number };

/**
 * Functions by self time (time on top of the stack), largest first. `share` is
 * of the busy time: everything but `(idle)`.
 */
export function selfTimes(profile: CpuProfile, root: string): { busyMs: number; idleMs: number; entries: SelfTime[] } {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
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
