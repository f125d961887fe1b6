/** Reads a server's `/metrics` over HTTP and looks samples up by name and labels. */

export type Sample = { name: string; labels: Record<string, string>; value: number };

/** Parses the Prometheus text exposition format (the subset prom-client writes). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_m, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export type Metrics = {
  /** The value of the sample with this name and exactly these labels; 0 when absent (a counter never touched). */
  value(name: string, labels?: Record<string, string>): number;
  /** Whether any sample of this name exists. */
  has(name: string): boolean;
  samples: Sample[];
};

/** GET /metrics (with optional headers); fails unless it answers 200. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Metrics> {
  const res = await fetch(`${url}/metrics`, { headers });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const samples = parseMetrics(await res.text());
  return {
    samples,
    has: (name) => samples.some((s) => s.name === name),
    value(name, labels = {}) {
      const wanted = Object.entries(labels);
      const found = samples.find(
        (s) =>
          s.name === name &&
          Object.keys(s.labels).length === wanted.length &&
          wanted.every(([k, v]) => s.labels[k] === v),
      );
      return found?.value ?? 0;
    },
  };
}
