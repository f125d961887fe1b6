import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.js";

describe("config", () => {
  it("when the environment is empty, then defaults apply and a secret is generated", () => {
    const config = loadConfig({});
    expect(config.port).toBe("3000");
    expect(config.mongodbUri).toBeUndefined();
    expect(config.sessionSecretGenerated).toBe(true);
    expect(config.maxHttpBufferSize).toBeLessThanOrEqual(64 * 1024);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("when production has no SESSION_SECRET, then loading fails with one clear line", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/SESSION_SECRET is required/);
  });

  it("when MONGODB_URI is malformed, then loading fails", () => {
    expect(() => loadConfig({ MONGODB_URI: "http://example" })).toThrow(/MONGODB_URI/);
  });

  it("when values are out of range, then loading fails", () => {
    expect(() => loadConfig({ MAX_HTTP_BUFFER_SIZE: "1000000" })).toThrow(ConfigError);
    expect(() => loadConfig({ MAX_TEXT_LENGTH: "abc" })).toThrow(ConfigError);
  });

  it("when attachment settings are unset, then uploads are limited to 10 MiB and unused ones kept an hour; bad values stop the server", () => {
    expect(loadConfig({}).attachments).toEqual({ maxBytes: 10_485_760, unusedTtlMs: 3_600_000 });
    expect(loadConfig({ MAX_UPLOAD_BYTES: "1024", ATTACHMENT_UNUSED_TTL_MS: "5000" }).attachments).toEqual({ maxBytes: 1024, unusedTtlMs: 5000 });
    expect(() => loadConfig({ MAX_UPLOAD_BYTES: "0" })).toThrow(/MAX_UPLOAD_BYTES/);
    expect(() => loadConfig({ MAX_UPLOAD_BYTES: "ten" })).toThrow(/MAX_UPLOAD_BYTES/);
    expect(() => loadConfig({ ATTACHMENT_UNUSED_TTL_MS: "10" })).toThrow(/ATTACHMENT_UNUSED_TTL_MS/);
  });

  it("when origins are listed, then they are split and trimmed", () => {
    expect(loadConfig({ ALLOWED_ORIGINS: " https://a.example , https://b.example" }).allowedOrigins).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
  });

  it("when METRICS_TOKEN is set, then it must be a long token without spaces; unset or blank means none", () => {
    const token = "a".repeat(32);
    expect(loadConfig({ METRICS_TOKEN: ` ${token} ` }).metricsToken).toBe(token);
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: "  " }).metricsToken).toBeUndefined();
    for (const bad of ["short", "a".repeat(31), `${token} ${token}`, `${token}"`, "a".repeat(257)]) {
      expect(() => loadConfig({ METRICS_TOKEN: bad }), bad).toThrow(/METRICS_TOKEN/);
    }
  });
});
