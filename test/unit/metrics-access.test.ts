import { describe, expect, it } from "vitest";
import { isLoopback } from "../../server/metrics/metrics-access.js";

describe("isLoopback", () => {
  it("when the address is IPv4 or IPv6 loopback, in any spelling Node reports, then it is loopback", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "::FFFF:127.0.0.8", "0:0:0:0:0:0:0:1"]) {
      expect(isLoopback(a), a).toBe(true);
    }
  });

  it("when the address is anything else, then it is not", () => {
    for (const a of [undefined, "", "10.0.0.1", "128.0.0.1", "::ffff:10.0.0.1", "::", "fe80::1", "127.0.0.1.evil", "1127.0.0.1"]) {
      expect(isLoopback(a), String(a)).toBe(false);
    }
  });
});
