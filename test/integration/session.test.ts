import { describe, expect, it } from "vitest";
import { connectClient, connectError } from "../helpers/client.js";
import { useServer } from "../helpers/use-server.js";

describe("session and identity", () => {
  const env = useServer();

  it("when a client connects with a name, then it gets a session with userId, token and socket id", async () => {
    const { socket, session } = await connectClient(env.server.url, { name: "  alice  " });
    expect(session.name).toBe("alice");
    expect(session.socketId).toBe(socket.id);
    expect(session.userId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(session.token!.startsWith(`${session.userId}.`)).toBe(true);
  });

  it("when a client presents its token again, then it keeps its userId, even under another name", async () => {
    const first = await connectClient(env.server.url, { name: "alice" });
    first.socket.disconnect();
    const again = await connectClient(env.server.url, { name: "Alice W", token: first.session.token });
    expect(again.session.userId).toBe(first.session.userId);
    expect(again.session.name).toBe("Alice W");
    expect(again.session.socketId).not.toBe(first.session.socketId);
  });

  it("when a token is tampered with, then the connection is refused with UNAUTHORIZED", async () => {
    const { session } = await connectClient(env.server.url, { name: "alice" });
    const [id, mac] = session.token!.split(".") as [string, string];
    const forged = [
      `${id.slice(0, -1)}${id.endsWith("A") ? "B" : "A"}.${mac}`,
      `${id}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`,
      `${id}.`,
      "not-a-token",
    ];
    for (const token of forged) {
      const err = await connectError(env.server.url, { name: "mallory", token });
      expect(err.message).toBe("UNAUTHORIZED");
      expect(err.data?.code).toBe("UNAUTHORIZED");
    }
  });

  it("when the name is missing or invalid, then the connection is refused with INVALID_INPUT and an explanation", async () => {
    for (const auth of [{}, { name: "" }, { name: "<script>" }, { name: "x".repeat(25) }, { name: { $gt: "" } }]) {
      const err = await connectError(env.server.url, auth);
      expect(err.message).toBe("INVALID_INPUT");
      expect(err.data?.message).toMatch(/name/);
    }
  });

  it("when the name is Chinese, then it is accepted", async () => {
    const { session } = await connectClient(env.server.url, { name: "小明" });
    expect(session.name).toBe("小明");
  });

  it("when a connection comes from a foreign Origin, then it is refused on websocket and polling", async () => {
    for (const transports of [["websocket"], ["polling"]]) {
      const err = await connectError(
        env.server.url,
        { name: "eve" },
        { transports, extraHeaders: { Origin: "https://evil.example" } },
      );
      expect(err.message).toMatch(/error|origin/i);
    }
    const same = await connectClient(
      env.server.url,
      { name: "alice" },
      { transports: ["polling"], extraHeaders: { Origin: env.server.url } },
    );
    expect(same.session.name).toBe("alice");
  });
});
