import { describe, expect, it } from "vitest";
import type { ChatMessage, Conversation, MentionNotice } from "../../server/protocol.js";
import { connectClient, flush, nextEvent, ok } from "../helpers/client.js";
import { clusterEnv, useNodes } from "../helpers/cluster.js";
import type { ServerProcess } from "../helpers/process.js";
import { REDIS_URL } from "../helpers/redis.js";

type Sent = { message: ChatMessage };

describe("people across two nodes over Redis", () => {
  const cluster = useNodes(2, clusterEnv(REDIS_URL, { RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" }));

  it("when a message mentions someone on another node who is not in the room, then every socket of theirs gets mention", async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    const alice = await connectClient(n1.url, { name: "ann" });
    const carol = await connectClient(n2.url, { name: "cai" });
    const carolOnN1 = await connectClient(n1.url, { name: "cai", token: carol.session.token });
    const bob = await connectClient(n2.url, { name: "ben" });
    await ok(alice.socket, "join", "x-mention");
    await ok(bob.socket, "join", "x-mention");
    const bobMentions: MentionNotice[] = [];
    bob.socket.on("mention", (n) => bobMentions.push(n));
    const atCarol = [carol, carolOnN1].map((c) => nextEvent(c.socket, "mention"));
    const { message } = await ok<Sent>(alice.socket, "message", { room: "x-mention", text: "@cai look", mentions: [carol.session.userId] });
    for (const got of await Promise.all(atCarol)) expect(got).toEqual({ message });
    await flush(bob.socket);
    expect(bobMentions).toEqual([]);
  });

  it("when someone writes toUser to a person connected to another node, then all their sockets get it, and read clears the other node's tab", async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    const alice = await connectClient(n1.url, { name: "ann" });
    const bob = await connectClient(n2.url, { name: "ben" });
    const bobOnN1 = await connectClient(n1.url, { name: "ben", token: bob.session.token });
    const atBob = [bob, bobOnN1].map((c) => nextEvent(c.socket, "message", (m) => m.kind === "private"));
    const { message } = await ok<Sent>(alice.socket, "private message", { toUser: bob.session.userId, text: "across" });
    expect(message.to?.userId).toBe(bob.session.userId);
    expect([bob.socket.id, bobOnN1.socket.id]).toContain(message.to?.socketId);
    for (const got of await Promise.all(atBob)) expect(got).toEqual(message);

    const cleared = nextEvent(bobOnN1.socket, "read");
    await ok(bob.socket, "read", { with: alice.session.userId, upTo: message.id });
    expect(await cleared).toEqual({ with: alice.session.userId, upTo: message.id });
    const { conversations } = await ok<{ conversations: Conversation[] }>(bobOnN1.socket, "conversations");
    expect(conversations.find((c) => c.user.userId === alice.session.userId)?.unread).toBe(0);
  });
});
