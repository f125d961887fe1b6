import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createChatMetrics } from "../../server/metrics/chat-metrics.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

type Panel = { title: string; datasource?: { uid?: string }; targets?: { expr: string }[] };

/** Metric names a PromQL expression reads: identifiers that are not functions, keywords or label names. */
function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const keywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"]);
  const names: string[] = [];
  for (const [, name, call] of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    if (!call && !keywords.has(name!)) names.push(name!);
  }
  return names;
}

/** Every series name the app exports, histogram and summary series included. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createChatMetrics();
  metrics.watch({ sockets: () => 0, rooms: () => 0, storeUp: async () => true, redisUp: async () => true });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    const type = String(m.type);
    if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
    if (type === "summary") for (const s of ["_sum", "_count"]) names.add(m.name + s);
  }
  return names;
}

describe("the Grafana dashboard", () => {
  const dashboard = JSON.parse(read("deploy/grafana/dashboards/rooms.json")) as { uid: string; panels: Panel[] };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it("when its queries are read, then every metric they use is one the app exports", async () => {
    const exported = await exportedNames();
    const used = new Set(exprs.flatMap(promqlMetricNames));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it("when its panels are listed, then the operators' questions each have one", () => {
    const used = new Set(exprs.flatMap(promqlMetricNames));
    for (const name of [
      "chat_sockets",
      "chat_messages_total",
      "chat_deliveries_total",
      "chat_ack_errors_total",
      "chat_store_seconds_bucket",
      "nodejs_eventloop_lag_p99_seconds",
      "process_resident_memory_bytes",
    ]) {
      expect(used, name).toContain(name);
    }
    expect(exprs.filter((e) => e.includes("histogram_quantile(0.5,")).length).toBeGreaterThan(0);
    expect(exprs.filter((e) => e.includes("histogram_quantile(0.99,")).length).toBeGreaterThan(0);
    expect(exprs.some((e) => /sum by \(code\)/.test(e) && e.includes("chat_ack_errors_total"))).toBe(true);
  });

  it("when Grafana provisions it, then its panels use the provisioned Prometheus data source", () => {
    const datasource = read("deploy/grafana/provisioning/datasources/prometheus.yml");
    const uid = /^\s*uid:\s*(\S+)\s*$/m.exec(datasource)?.[1];
    expect(uid).toBeDefined();
    for (const panel of dashboard.panels) expect(panel.datasource?.uid, panel.title).toBe(uid);
    const provider = read("deploy/grafana/provisioning/dashboards/rooms.yml");
    const compose = read("docker-compose.yml");
    const folder = /^\s*path:\s*(\S+)\s*$/m.exec(provider)?.[1];
    expect(compose).toContain(`./deploy/grafana/dashboards:${folder}:ro`);
  });

  it("when Prometheus scrapes, then it reads the token from the secret compose makes of METRICS_TOKEN", () => {
    const prometheus = read("deploy/prometheus.yml");
    const compose = read("docker-compose.yml");
    const secret = /credentials_file:\s*\/run\/secrets\/(\S+)/.exec(prometheus)?.[1];
    expect(secret).toBeDefined();
    expect(compose).toMatch(new RegExp(`^\\s{2}${secret}:\\n\\s+environment: METRICS_TOKEN$`, "m"));
    expect(compose).toMatch(/METRICS_TOKEN: \$\{METRICS_TOKEN:\?/);
    expect(prometheus).toMatch(/targets: \["app:3000", "app-2:3000"\]/);
  });
});

describe("promqlMetricNames", () => {
  it("when an expression mixes functions, groupings, matchers and ranges, then only the metric names come out", () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le, op) (rate(chat_store_seconds_bucket{op="insert"}[$__rate_interval]))) / on (instance) group_left up',
      ),
    ).toEqual(["chat_store_seconds_bucket", "up"]);
  });
});
