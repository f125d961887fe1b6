/**
 * The chat page: pick a name, join rooms, talk, broadcast, message people
 * privately. Identity (token), open rooms and conversations survive a reload
 * through localStorage; unsent messages through sessionStorage (delivery.ts).
 */
import { DEFAULT_ROOMS, nameProblem, roomProblem } from "../../server/names";
import type { Ack, ChatMessage, RoomInfo, User } from "../../server/protocol";
import { BROADCAST_ID, Channels, dmChannelId, linesOf, roomChannelId, type Channel } from "./channels";
import { connect, newClientId, request, type ChatSocket } from "./connection";
import {
  fetchNewer,
  gapAfter,
  Outbox,
  OutboxPump,
  retryWhile,
  targetKey,
  type HistoryBase,
  type OutboxEntry,
  type Target,
} from "./delivery";
import { $, el, renderLine, renderMember } from "./render";

type Saved = { name?: string; userId?: string; token?: string; rooms?: string[]; dms?: User[]; active?: string };
const STORAGE_KEY = "chat.v1";

function load(): Saved {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}") as Saved;
  } catch {
    return {};
  }
}

const saved = load();
const channels = new Channels();
let socket: ChatSocket | undefined;
let me = saved.userId ?? "";
let active = BROADCAST_ID;
const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
const outbox = new Outbox(sessionStorage);
const pump = new OutboxPump(
  outbox,
  sendEntry,
  {
    acked(entry, message) {
      const channel = channels.get(targetKey(entry.target));
      if (channel) channels.add(channel, [message]);
      render();
    },
    failed(entry, error) {
      channels.get(targetKey(entry.target))?.failed.set(entry.clientId, { text: entry.text, reason: error.message });
      showError(error.code === "NOT_FOUND" ? "That person is no longer connected on that socket" : error.message);
      render();
    },
  },
  // Send only once rooms are rejoined after a (re)connect, or they would refuse it.
  () => (socket?.connected ?? false) && synced,
);
let synced = false;
/** Bumped on every connection, so a resync of an older connection never marks the new one synced. */
let connection = 0;

function save(): void {
  const state: Saved = {
    ...(saved.name ? { name: saved.name } : {}),
    ...(saved.token ? { token: saved.token } : {}),
    ...(me ? { userId: me } : {}),
    rooms: channels.list().filter((c) => c.kind === "room").map((c) => c.room!),
    dms: channels.list().flatMap((c) => (c.kind === "dm" && c.peer ? [c.peer] : [])),
    active,
  };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
}

// ---- connection ---------------------------------------------------------

function setConnState(state: "connected" | "reconnecting" | "offline"): void {
  const badge = $("conn");
  badge.textContent = state;
  badge.className = `badge ${state === "connected" ? "text-bg-success" : state === "reconnecting" ? "text-bg-warning" : "text-bg-secondary"}`;
}

function start(name: string): void {
  socket?.disconnect();
  // With a known identity, show the chat straight away: queued messages and
  // held history are visible while (re)connecting, offline included.
  if (saved.token) showMain();
  const s = connect(name, () => saved.token);
  socket = s;
  setConnState("reconnecting");

  s.on("session", (session) => {
    me = session.userId;
    saved.name = session.name;
    saved.token = session.token;
    save();
    $("me-name").textContent = session.name;
    $("me-socket").textContent = session.socketId;
    showMain();
    setConnState("connected");
    const current = ++connection;
    void retryWhile(resync, () => s.connected && current === connection).then((done) => {
      if (!done) return;
      synced = true;
      pump.kick();
    });
  });
  s.on("connect_error", (err) => {
    const data = (err as Error & { data?: { code?: string; message?: string } }).data;
    if (err.message === "UNAUTHORIZED") {
      // Our stored identity is no longer valid (e.g. the server's secret changed): start a new one.
      delete saved.token;
      save();
      start(name);
      return;
    }
    if (err.message === "INVALID_INPUT") {
      s.disconnect();
      showLogin(data?.message ?? "That name is not allowed");
      return;
    }
    setConnState("reconnecting");
  });
  s.on("disconnect", (reason) => {
    synced = false;
    setConnState(reason === "io client disconnect" ? "offline" : "reconnecting");
    render();
  });
  s.on("message", onMessage);
  s.on("presence", ({ room, members }) => {
    const channel = channels.get(roomChannelId(room));
    if (channel) {
      noteMembershipChanges(channel, members);
      channel.members = members;
      if (channel.id === active) renderOnline();
    }
    refreshRoomsSoon();
  });
  s.on("typing", ({ room, user, typing }) => showTyping(room, user, typing));
}

/**
 * After (re)connecting: rejoin rooms, then fetch everything newer than the
 * last message held in every open conversation — no gap, and dedup by id
 * means no duplicate either. Resolves false when any step failed (retried
 * by the caller; joins and catch-ups are idempotent).
 */
async function resync(): Promise<boolean> {
  const results = await Promise.all(
    channels.list().map(async (channel) => {
      const last = lastId(channel);
      if (channel.kind !== "room") return catchUp(channel, last);
      const newest = await joinRoom(channel.room!, false);
      if (!newest) return false;
      return last !== undefined && gapAfter(newest, last, 50) ? catchUp(channel, last) : true;
    }),
  );
  await refreshRooms();
  render();
  return results.every(Boolean);
}

function lastId(channel: Channel): string | undefined {
  let last: string | undefined;
  for (const id of channel.messages.keys()) if (last === undefined || id > last) last = id;
  return last;
}

function historyBase(channel: Channel): HistoryBase {
  return channel.kind === "room" ? { room: channel.room! } : channel.kind === "dm" ? { with: channel.peer!.userId } : { broadcast: true };
}

/**
 * Fetches what a conversation is missing after `afterId` — or, holding
 * nothing yet, its newest page; false when it could not.
 */
async function catchUp(channel: Channel, afterId: string | undefined): Promise<boolean> {
  if (!socket) return false;
  const s = socket;
  if (afterId === undefined) {
    const newest = await request(s, "history", historyBase(channel));
    if (!newest.ok) {
      showError(newest.error.message);
      return false;
    }
    channels.add(channel, newest.messages);
    channel.hasMore = newest.hasMore;
    return true;
  }
  const res = await fetchNewer((query) => request(s, "history", query), historyBase(channel), afterId);
  if (!res.ok) {
    showError(res.error.message);
    return false;
  }
  if (!res.complete) {
    // Too much was missed to fetch it all: show the newest page, older ones on demand.
    channel.messages.clear();
    return catchUp(channel, undefined);
  }
  channels.add(channel, res.messages);
  return true;
}

// ---- rooms -----------------------------------------------------------------

/** Joins a room; resolves with the newest page of its history, or undefined on failure. */
async function joinRoom(room: string, focus: boolean): Promise<ChatMessage[] | undefined> {
  if (!socket) return undefined;
  const res = await request(socket, "join", room);
  if (!res.ok) {
    showError(`Could not join ${room}: ${res.error.message}`);
    return undefined;
  }
  const channel = channels.open(roomChannelId(res.room), { kind: "room", title: `# ${res.room}`, room: res.room });
  channel.members = res.members;
  const hadOlder = channel.messages.size > 0;
  channels.add(channel, res.history);
  // Messages held from before a reconnect may already reach further back.
  if (!hadOlder) channel.hasMore = res.hasMore;
  if (focus) {
    activate(channel.id);
    void refreshRooms();
  }
  save();
  render();
  return res.history;
}

async function leaveRoom(channel: Channel): Promise<void> {
  if (!socket || !channel.room) return;
  const res = await request(socket, "leave", channel.room);
  if (!res.ok) return showError(res.error.message);
  channels.close(channel.id);
  activate(BROADCAST_ID);
  void refreshRooms();
}

let roomInfo: RoomInfo[] = DEFAULT_ROOMS.map((name) => ({ name, members: 0 }));

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
/** Member counts change with every presence event; ask for them at most every 2 s. */
function refreshRoomsSoon(): void {
  refreshTimer ??= setTimeout(() => {
    refreshTimer = undefined;
    void refreshRooms();
  }, 2000);
}

async function refreshRooms(): Promise<void> {
  if (!socket) return;
  const res = await request(socket, "rooms");
  if (res.ok) roomInfo = res.rooms;
  renderRooms();
}

// ---- messages --------------------------------------------------------------

function onMessage(message: ChatMessage): void {
  const channel = channels.channelFor(message, me);
  if (!channel) return;
  const added = channels.add(channel, [message]);
  if (channel.kind === "dm") save();
  if (channel.id === active) return render();
  // Another conversation: only its unread badge changes.
  if (added) channel.unread++;
  renderChannels();
}

/** Loads the page of history older than the oldest message held. */
async function loadOlder(channel: Channel): Promise<void> {
  if (!socket) return;
  const oldest = [...channel.messages.keys()].sort()[0];
  const res = await request(socket, "history", { ...historyBase(channel), ...(oldest ? { before: oldest } : {}) });
  if (!res.ok) return showError(res.error.message);
  channels.add(channel, res.messages);
  channel.hasMore = res.hasMore;
  render();
}

/** Queues a message for the open conversation; the pump sends it now or once connected. */
function send(text: string): void {
  const channel = channels.get(active);
  if (!channel) return;
  const target: Target =
    channel.kind === "room"
      ? { kind: "room", room: channel.room! }
      : channel.kind === "dm"
        ? { kind: "private", to: channel.peer!.socketId, peer: channel.peer!.userId }
        : { kind: "broadcast" };
  outbox.add(target, text, newClientId());
  render();
  pump.kick();
}

function sendEntry({ target, text, clientId }: OutboxEntry): Promise<Ack<{ message: ChatMessage }>> {
  if (!socket) return Promise.resolve({ ok: false, error: { code: "UNAVAILABLE", message: "not connected" } });
  switch (target.kind) {
    case "room":
      return request(socket, "message", { room: target.room, text, clientId });
    case "broadcast":
      return request(socket, "broadcast", { text, clientId });
    case "private":
      return request(socket, "private message", { to: target.to, text, clientId });
  }
}

function noteMembershipChanges(channel: Channel, members: User[]): void {
  const before = new Map(channel.members.map((m) => [m.socketId, m]));
  const after = new Map(members.map((m) => [m.socketId, m]));
  const at = new Date().toISOString();
  for (const [id, m] of after) if (!before.has(id)) channel.notices.push({ id: `join-${id}-${at}`, text: `${m.name} joined`, at });
  for (const [id, m] of before) if (!after.has(id)) channel.notices.push({ id: `left-${id}-${at}`, text: `${m.name} left`, at });
  if (channel.notices.length > 200) channel.notices.splice(0, channel.notices.length - 200);
}

function showTyping(room: string, user: User, typing: boolean): void {
  const key = `${room}\u0000${user.socketId}`;
  clearTimeout(typingTimers.get(key));
  typingTimers.delete(key);
  if (typing) typingTimers.set(key, setTimeout(() => showTyping(room, user, false), 4000));
  const channel = channels.get(active);
  if (!channel || channel.room !== room) return;
  renderTyping();
}

// ---- rendering ---------------------------------------------------------------

function activate(id: string): void {
  active = id;
  const channel = channels.get(id);
  if (channel) channel.unread = 0;
  save();
  render();
}

function render(): void {
  const queued = $("queued");
  queued.hidden = outbox.size === 0;
  queued.textContent = `${outbox.size} queued`;
  renderChannels();
  renderRooms();
  renderMessages();
  renderOnline();
  renderTyping();
}

function renderRooms(): void {
  const list = $("room-list");
  list.replaceChildren(
    ...roomInfo.map((info) => {
      const joined = channels.get(roomChannelId(info.name));
      const button = el("button", {
        className: `btn btn-sm ${joined ? "btn-outline-secondary" : "btn-outline-primary"}`,
        text: joined ? "Open" : "Join",
        attrs: { type: "button", "data-room": info.name },
      });
      button.addEventListener("click", () => (joined ? activate(joined.id) : void joinRoom(info.name, true)));
      return el(
        "li",
        { className: "room-row" },
        el("span", { className: "name", text: `# ${info.name}` }),
        el("span", { className: "badge text-bg-light", text: String(info.members), title: "connections in the room" }),
        button,
      );
    }),
  );
}

function renderChannels(): void {
  const list = $("channel-list");
  const ordered = [channels.get(BROADCAST_ID)!, ...channels.list().filter((c) => c.kind === "room"), ...channels.list().filter((c) => c.kind === "dm")];
  list.replaceChildren(
    ...ordered.map((channel) => {
      const link = el("button", {
        className: `nav-link w-100 text-start d-flex ${channel.id === active ? "active" : ""}`,
        attrs: { type: "button", "data-channel": channel.id },
      });
      link.append(el("span", { className: "flex-grow-1", text: channel.kind === "dm" ? `@ ${channel.title}` : channel.title }));
      if (channel.unread > 0) link.append(el("span", { className: "badge text-bg-primary", text: String(channel.unread) }));
      link.addEventListener("click", () => activate(channel.id));
      return el("li", { className: "nav-item" }, link);
    }),
  );
}

function renderMessages(): void {
  const channel = channels.get(active) ?? channels.get(BROADCAST_ID)!;
  $("channel-title").textContent = channel.kind === "dm" ? `@ ${channel.title}` : channel.title;
  $("channel-sub").textContent =
    channel.kind === "dm"
      ? `private · socket ${channel.peer?.socketId ?? ""}`
      : channel.kind === "broadcast"
        ? "messages to everyone connected"
        : `${channel.members.length} here`;
  $("leave").hidden = channel.kind !== "room";
  $("older").hidden = !channel.hasMore;
  const pane = $("messages");
  const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
  const queued = outbox.list().filter((e) => targetKey(e.target) === channel.id);
  const online = socket?.connected ?? false;
  $("message-list").replaceChildren(...linesOf(channel, queued, online).map((line) => renderLine(line, me)));
  if (atBottom) pane.scrollTop = pane.scrollHeight;
}

function renderOnline(): void {
  const channel = channels.get(active);
  const list = $("online-list");
  if (!channel || channel.kind === "broadcast") {
    list.replaceChildren(el("li", { className: "text-body-secondary", text: "Open a room to see who is there." }));
    return;
  }
  const members = channel.kind === "dm" && channel.peer ? [channel.peer] : channel.members;
  list.replaceChildren(...members.map((user) => renderMember(user, me, openPrivate)));
}

function renderTyping(): void {
  const channel = channels.get(active);
  const names = [...typingTimers.keys()]
    .filter((key) => channel?.room !== undefined && key.startsWith(`${channel.room}\u0000`))
    .map((key) => channel?.members.find((m) => m.socketId === key.split("\u0000")[1])?.name)
    .filter((n): n is string => Boolean(n));
  $("typing").textContent = names.length ? `${[...new Set(names)].join(", ")} typing…` : "";
}

function openPrivate(user: User): void {
  const channel = channels.open(dmChannelId(user.userId), { kind: "dm", title: user.name, peer: user });
  channel.peer = user;
  activate(channel.id);
  void catchUp(channel, lastId(channel)).then(render);
}

function showError(message: string): void {
  const box = $("send-error");
  box.textContent = message;
  setTimeout(() => {
    if (box.textContent === message) box.textContent = "";
  }, 6000);
}

function showMain(): void {
  $("me-name").textContent ||= saved.name ?? "";
  $("me").hidden = false;
  $("login").hidden = true;
  $("main").hidden = false;
  render();
}

function showLogin(error = ""): void {
  $("login").hidden = false;
  $("main").hidden = true;
  $("login-error").textContent = error;
  ($("name") as HTMLInputElement).value = saved.name ?? "";
  $("name").focus();
}

// ---- wiring ------------------------------------------------------------------

channels.open(BROADCAST_ID, { kind: "broadcast", title: "Everyone" });
for (const room of saved.rooms ?? []) {
  if (typeof room === "string" && !roomProblem(room)) channels.open(roomChannelId(room), { kind: "room", title: `# ${room}`, room });
}
for (const peer of saved.dms ?? []) channels.open(dmChannelId(peer.userId), { kind: "dm", title: peer.name, peer });
if (saved.active && channels.get(saved.active)) active = saved.active;

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = ($("name") as HTMLInputElement).value.trim();
  const problem = nameProblem(name);
  $("login-error").textContent = problem ? `Name ${problem}` : "";
  if (!problem) start(name);
});

$("new-room-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("new-room") as HTMLInputElement;
  const room = input.value.trim();
  const problem = roomProblem(room);
  if (problem) return showError(`Room name ${problem}`);
  input.value = "";
  void joinRoom(room, true);
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("text") as HTMLInputElement;
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  sendTyping(false);
  send(text);
});

let typingSent = false;
let typingIdle: ReturnType<typeof setTimeout> | undefined;
function sendTyping(typing: boolean): void {
  const channel = channels.get(active);
  if (!socket?.connected || channel?.kind !== "room" || typing === typingSent) return;
  typingSent = typing;
  socket.emit("typing", { room: channel.room!, typing });
}
$("text").addEventListener("input", () => {
  sendTyping(true);
  clearTimeout(typingIdle);
  typingIdle = setTimeout(() => sendTyping(false), 2500);
});

$("older").addEventListener("click", () => void loadOlder(channels.get(active)!));
$("leave").addEventListener("click", () => {
  const channel = channels.get(active);
  if (channel) void leaveRoom(channel);
});
setInterval(() => void refreshRooms(), 15_000);

if (saved.name && !nameProblem(saved.name)) start(saved.name);
else showLogin();
