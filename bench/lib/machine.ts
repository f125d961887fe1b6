/** The machine a run was measured on, for the results file. */
import os from "node:os";

export type Machine = { cores: number; cpuModel: string; memoryGb: number; node: string; os: string };

export function describeMachine(): Machine {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** The 1, 5 and 15 minute load averages. */
export const loadAverage = (): [number, number, number] => os.loadavg() as [number, number, number];
