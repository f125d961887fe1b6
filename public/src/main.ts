/**
 * The chat page's controller: wires the client (connection, sync, data) to
 * the views (sidebar, conversation, composer, notifications) and the page's
 * settings (language, theme). Views draw and report clicks; only this file
 * connects the two.
 */
import { LIMITS, nameFault, nameProblem, roomFault, type NameFault } from "../../server/names";
import { isLocale } from "../../server/i18n/translate";
import type { ChatMessage, User } from "../../server/protocol";
import { AttachmentFiles, isImage } from "./attachment-files";
import { messageSummary } from "./attachment-view";
import { AttachmentViewer } from "./attachment-viewer";
import { BROADCAST_ID, dmChannelId, linesOf, roomChannelId, type Channel } from "./channels";
import { accountMarkNode } from "./account-mark";
import { AccountView } from "./account-view";
import type { Issued } from "./accounts-api";
import { ChatClient, type ConnState } from "./chat-client";
import { Composer } from "./composer";
import { ConversationView } from "./conversation-view";
import { refusalText } from "./change-text";
import { isChange } from "./delivery";
import { $, $input } from "./dom";
import { errorText, onLocaleChange, setLocale, t } from "./i18n";
import { Notifier } from "./notifications";
import { PeoplePanel, type PeopleView } from "./people-panel";
import { STORAGE_KEY, storeSaved } from "./saved-state";
import { SearchView } from "./search-view";
import { channelTitle, closePanels, Sidebar } from "./sidebar";
import { setMode, storedMode, THEME_MODES } from "./theme-mode";
import { fitToVisualViewport, keepEndInView } from "./viewport";

/** Who is typing where: `channel id \0 userId` → their name and the timer that forgets it (one entry for all their tabs). */
const typingTimers = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();
let connState: ConnState = "offline";
let myName = "";
/** This tab's socket id, as the server said in `session`. */
let mySocket = "";

const client = new ChatClient({
  changed: render,
  failed(error, context) {
    if (context?.join) {
      const reason = error.code === "FORBIDDEN" ? t("error.roomsFull") : errorText(error);
      showError(t("error.join", { room: context.join, reason }));
    } else if (context?.change) {
      showError(refusalText(context.change, error.code));
    } else {
      showError(context?.private && error.code === "NOT_FOUND" ? t("error.peerGone") : errorText(error));
    }
  },
  connection(state) {
    connState = state;
    renderConnection();
  },
  session(session) {
    myName = session.name;
    mySocket = session.socketId;
    accountView.show(session.account);
    $("me-socket").textContent = session.socketId;
    showMain();
    if (enteringByForm) focusConversation();
    enteringByForm = false;
  },
  refused: (code) => showLogin(code === "NAME_TAKEN" ? t("error.NAME_TAKEN") : t("login.invalid", { max: LIMITS.nameMax })),
  signedOut: () => becomeGuest(),
  message: (message, channel, isNew) => {
    if (isNew && message.from.userId !== client.me) notify(message, channel);
  },
  mentionElsewhere: (message) => {
    notifier.incoming({
      title: message.room ? t("notify.mention", { name: message.from.name, room: message.room }) : t("notify.mentionDm", { name: message.from.name }),
      body: message.text,
      tag: message.room ? `room:${message.room}` : BROADCAST_ID,
      alert: true,
    });
  },
  typing(notice) {
    const { user, typing } = notice;
    // This person typing in another tab of theirs.
    if (user.userId === client.me) return;
    const where = "room" in notice ? roomChannelId(notice.room) : dmChannelId(notice.with);
    const key = `${where}\u0000${user.userId}`;
    const forget = () => {
      typingTimers.delete(key);
      renderTyping();
    };
    clearTimeout(typingTimers.get(key)?.timer);
    if (!typing) return forget();
    typingTimers.set(key, { name: user.name, timer: setTimeout(forget, 4000) });
    renderTyping();
  },
});

/** Marks the page signed out for the reload that makes it a guest: the name form then says why. */
const SIGNED_OUT_KEY = "chat.signedOut";
const accountView = new AccountView({
  guestToken: () => client.saved.token,
  name: () => myName,
  isGuest: () => !$("main").hidden && !client.saved.account,
  signedIn,
  signedOut: () => becomeGuest(),
  renamed(name) {
    myName = client.saved.name = name;
    client.save();
    renderMe();
    // The new name shows from the next connection.
    client.start(name);
  },
});

/**
 * Signed in or up (the session cookie is set): the same person as this
 * page's guest (an account made from it) reconnects as the account, keeping
 * everything shown; someone else starts the page afresh as that person.
 */
function signedIn(issued: Issued): void {
  if (issued.userId === client.me) {
    client.saved.name = myName = issued.name;
    client.saved.account = issued.username;
    delete client.saved.token;
    client.save();
    accountView.show(issued.username);
    enteringByForm = $("main").hidden === true;
    client.start(issued.name);
    return;
  }
  client.stop();
  // The rooms open here stay open; private conversations are the account's own (fetched once connected).
  storeSaved({ name: issued.name, userId: issued.userId, account: issued.username, rooms: client.saved.rooms ?? [] });
  client.outbox.clear();
  location.reload();
}

/** Signed out (here, everywhere, or on another device): back to a guest, asked for a name as a new one is. */
function becomeGuest(): void {
  client.stop();
  const rooms = client.channels.list().flatMap((c) => (c.kind === "room" && c.room ? [c.room] : []));
  storeSaved({ rooms });
  // What was still waiting to be sent was the account's.
  client.outbox.clear();
  sessionStorage.setItem(SIGNED_OUT_KEY, "1");
  location.reload();
}

const sidebar = new Sidebar({
  room: (name) => void client.openRoom(name).then(focusConversation),
  channel: (id) => {
    client.activate(id);
    focusConversation();
  },
  person: (user: User) => void client.openPrivate(user).then(focusConversation),
});
const peoplePanel = new PeoplePanel({
  // Someone in the open room is online.
  person: (p) => void client.openPrivate({ ...userOf(p), socketId: "" }, { online: true }).then(focusConversation),
  tab: (p, socketId) => void client.openPrivate({ ...userOf(p), socketId }, { tab: socketId, online: true }).then(focusConversation),
  tabsShown: (userId) => {
    const channel = client.channels.get(client.active);
    if (channel?.kind === "room") void client.people.person(channel, userId);
  },
  more: () => {
    const channel = client.channels.get(client.active);
    if (channel?.kind === "room") void client.people.more(channel);
  },
});
// Opening the panel on a phone shows a big room's people as they are now.
$("people").addEventListener("show.bs.offcanvas", () => {
  const channel = client.channels.get(client.active);
  if (channel?.kind === "room") void client.people.refill(channel);
});
/** Who this page is when fetching files: a guest by its token, a signed-in person by the cookie the browser sends. */
function identity(): Record<string, string> {
  return client.saved.token ? { Authorization: `Bearer ${client.saved.token}` } : {};
}
const files = new AttachmentFiles(identity, () => render());
const viewer = new AttachmentViewer(files);
let pendingDelete: string | undefined;
/** The message the delete dialog is about: focus goes back to it when the dialog closes, however it closes. */
let deleteAbout: string | undefined;
const conversation = new ConversationView({
  loadOlder: (channel) => client.loadOlder(channel),
  loadNewer: (channel) => client.loadNewer(channel),
  toNewest: (channel) => client.toNewest(channel),
  readToEnd: (channel) => {
    if (!document.hidden) client.markRead(channel);
    // Back at the newest after live messages piled up: the window sheds its oldest.
    if (client.settle(channel)) queueMicrotask(render);
  },
  act(action) {
    if (action.kind === "reply") composer.reply(action.message);
    // As shown: with this person's changes still waiting to be sent.
    else if (action.kind === "edit") composer.edit(client.shown(action.message));
    else if (action.kind === "react") void client.react(action.message.id, action.emoji, !client.reacted(action.message, action.emoji));
    else {
      pendingDelete = deleteAbout = action.message.id;
      window.bootstrap?.Modal.getOrCreateInstance($("delete-modal")).show();
    }
  },
  jump: (channel, id) =>
    void client.jumpTo(channel, id).then((found) => {
      if (found) conversation.reveal(id);
    }),
  nameOf: (userId) => client.nameOf(userId),
  accountOf: (userId) => client.accountOf(userId),
  files,
  openAttachment(attachment, opener) {
    if (isImage(attachment)) void viewer.open(attachment, opener);
    else void files.download(attachment).then((ok) => {
      if (!ok) $("announcer").textContent = t("viewer.failed");
    });
  },
});
$("delete-confirm").addEventListener("click", () => {
  if (pendingDelete) void client.remove(pendingDelete);
  pendingDelete = undefined;
  window.bootstrap?.Modal.getOrCreateInstance($("delete-modal")).hide();
});
$("delete-modal").addEventListener("hidden.bs.modal", () => {
  pendingDelete = undefined;
  if (deleteAbout) conversation.focusMessage(deleteAbout);
  deleteAbout = undefined;
});
document.addEventListener("visibilitychange", () => {
  const channel = client.channels.get(client.active);
  if (!document.hidden && channel && conversation.atEnd()) client.markRead(channel);
});
/** Where this person was last said to be typing (a channel id), to whom, and when. */
let typingSent: { where: string; to: { room: string } | { toUser: string }; at: number } | undefined;
/** While typing goes on, "typing" is said again this often: the others forget it after 4 s. */
const TYPING_REPEAT_MS = 3000;
const composer = new Composer({
  send: (text, mentions, replyTo, attachments) => {
    // Written while reading far back: the conversation goes to the newest, where the message will be.
    const channel = client.channels.get(client.active);
    if (channel && !channel.atNewest) void client.toNewest(channel);
    client.send(text, {
      ...(mentions.length ? { mentions } : {}),
      ...(replyTo ? { replyTo } : {}),
      ...(attachments.length ? { attachments } : {}),
    });
  },
  edit: (id, text) => void client.edit(id, text),
  people: () => {
    const channel = client.channels.get(client.active);
    const people: User[] =
      channel?.kind === "room"
        ? channel.people.list().map((p) => ({ ...userOf(p), socketId: p.sockets[0] ?? "" }))
        : channel?.kind === "dm" && channel.peer
          ? [channel.peer]
          : [];
    // Offered by name, not in the server's order of userIds.
    return people.filter((u) => u.userId !== client.me).sort((a, b) => a.name.localeCompare(b.name));
  },
  typing(active) {
    const channel = client.channels.get(client.active);
    const to = !active || !channel ? undefined : channel.kind === "room" ? { room: channel.room! } : channel.kind === "dm" && channel.peer ? { toUser: channel.peer.userId } : undefined;
    const where = to ? channel?.id : undefined;
    if (where === typingSent?.where && (!typingSent || Date.now() - typingSent.at < TYPING_REPEAT_MS)) return;
    if (typingSent && typingSent.where !== where) client.typing(typingSent.to, false);
    if (to && where) client.typing(to, true);
    typingSent = to && where ? { where, to, at: Date.now() } : undefined;
  },
  lastOwn: () => {
    const channel = client.channels.get(client.active);
    let last: ChatMessage | undefined;
    for (const held of channel?.messages.values() ?? []) {
      // As shown: a deletion still waiting skips the message, an edit still waiting is what is edited.
      const m = client.shown(held);
      if (m.from.userId === client.me && !m.deletedAt && (!last || m.id > last.id)) last = m;
    }
    return last;
  },
  owner: () => client.me,
  identity,
});
const notifier = new Notifier((tag) => client.activate(tag));
const search = new SearchView({
  search: (q, before) => client.search(q, before),
  where: (m) => (m.kind === "private" ? `@ ${(m.from.userId === client.me ? m.to : m.from)?.name ?? ""}` : m.kind === "broadcast" ? t("channel.everyone") : `# ${m.room ?? ""}`),
  open: (message) =>
    void client.reveal(message).then((channel) => {
      if (channel) conversation.reveal(message.id);
    }),
});

/** Who someone is, their account included (for its mark). */
function userOf(p: { userId: string; name: string; account?: string }): { userId: string; name: string; account?: string } {
  return { userId: p.userId, name: p.name, ...(p.account ? { account: p.account } : {}) };
}

/** A message mentions this person when its sender listed them (`mentions`) or, from older clients, wrote `@name`. */
function mentionsMe(message: ChatMessage): boolean {
  if (message.mentions) return message.mentions.includes(client.me);
  return myName !== "" && message.text.toLocaleLowerCase().includes(`@${myName.toLocaleLowerCase()}`);
}

function notify(message: ChatMessage, channel: Channel): void {
  const mention = mentionsMe(message);
  const title =
    channel.kind === "dm"
      ? t("notify.private", { name: message.from.name })
      : mention && message.room
        ? t("notify.mention", { name: message.from.name, room: message.room })
        : message.from.name;
  notifier.incoming({ title, body: messageSummary(message), tag: channel.id, alert: channel.kind === "dm" || mention });
}

// ---- drawing -----------------------------------------------------------------

let shownChannel = "";

function render(): void {
  if ($("main").hidden) return;
  const queued = $("queued");
  queued.hidden = client.outbox.size === 0;
  const changes = client.outbox.list().filter(isChange).length;
  const messages = client.outbox.size - changes;
  queued.textContent =
    changes === 0 ? t("queued", { count: messages }) : messages === 0 ? t("queued.changes", { count: changes }) : t("queued.mixed", { count: client.outbox.size });
  const all = client.channels.list();
  sidebar.renderChannels(
    [client.channels.get(BROADCAST_ID)!, ...all.filter((c) => c.kind === "room"), ...all.filter((c) => c.kind === "dm")],
    client.active,
  );
  sidebar.renderRooms(client.rooms, (room) => client.channels.get(`room:${room}`) !== undefined, client.roomMentions);
  sidebar.renderPeers(all.flatMap((c) => (c.kind === "dm" && c.peer ? [{ user: c.peer, online: c.online }] : [])));
  const channel = client.channels.get(client.active) ?? client.channels.get(BROADCAST_ID)!;
  // A reply or an edit belongs to the conversation it was started in.
  if (channel.id !== shownChannel) composer.cancelMode();
  // Each conversation keeps its own draft.
  composer.show(channel.id);
  shownChannel = channel.id;
  $("channel-title").textContent = channelTitle(channel);
  if (channel.kind === "dm" && channel.peer?.account) $("channel-title").append(accountMarkNode(channel.peer.account));
  $("channel-sub").textContent =
    channel.kind === "dm"
      ? dmSub(channel)
      : channel.kind === "broadcast"
        ? t("channel.everyoneSub")
        : t("channel.roomSub", { count: Math.max(channel.people.count, 1) });
  $("leave").hidden = channel.kind !== "room";
  conversation.render(channel, linesOf(channel, client.outbox.list(), client.connected, client.me), client.me, mentionsMe);
  peoplePanel.render(peopleView(channel));
  // A big room's list shown out of date is fetched again (at most every few seconds).
  if (channel.kind === "room" && channel.people.stale && $("people").checkVisibility({ visibilityProperty: true })) void client.people.refill(channel);
  renderTyping();
}

/** A private conversation's sub-line: whether the other person is online, and the one tab of theirs written to, if one was picked. */
function dmSub(channel: Channel): string {
  const status = t(channel.online === undefined ? "channel.dm" : channel.online ? "channel.dmOnline" : "channel.dmAway");
  return channel.tab ? t("channel.dmTab", { status, id: channel.tab }) : status;
}

/** What the people panel shows for a conversation: a room's people, this person first, or the other person of a private one. */
function peopleView(channel: Channel): PeopleView {
  if (channel.kind === "dm" && channel.peer) return { kind: "dm", peer: channel.peer, online: channel.online };
  if (channel.kind !== "room" || !channel.room) return { kind: "none" };
  const people = channel.people;
  const me = people.get(client.me) ?? { userId: client.me, name: myName, ...(client.saved.account ? { account: client.saved.account } : {}), sockets: mySocket ? [mySocket] : [] };
  return {
    kind: "room",
    room: channel.room,
    me,
    others: people.list().filter((p) => p.userId !== client.me),
    count: people.count,
    complete: people.complete,
    loading: client.people.busy(channel),
  };
}

function renderConnection(): void {
  const badge = $("conn");
  badge.dataset.state = connState;
  badge.querySelector(".conn-text")!.textContent = t(`conn.${connState}`);
  badge.title = t(`conn.${connState}`);
}

function renderTyping(): void {
  const channel = client.channels.get(client.active);
  const names: string[] = [];
  for (const [key, { name }] of typingTimers) {
    if (channel && key.startsWith(`${channel.id}\u0000`)) names.push(name);
  }
  const list = new Intl.ListFormat(document.documentElement.lang, { type: "conjunction" }).format(names);
  $("typing").textContent = names.length === 0 ? "" : t(names.length === 1 ? "typing.one" : "typing.many", { names: list });
}

function renderMe(): void {
  $("me-name").textContent = myName ? t("me.you", { name: myName }) : "";
  if (myName && client.saved.account) $("me-name").append(accountMarkNode(client.saved.account));
  $("me-socket-label").textContent = t("me.socket", { id: "" }).trim();
}

function renderTheme(): void {
  const mode = storedMode();
  const button = $("theme");
  const label = t("theme.current", { mode: t(`theme.${mode}`) });
  button.setAttribute("aria-label", label);
  button.title = label;
  $("theme-menu").textContent = label;
}

let errorTimer: ReturnType<typeof setTimeout> | undefined;
function showError(message: string): void {
  const box = $("send-error");
  box.textContent = message;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => (box.textContent = ""), 6000);
}

function showMain(): void {
  myName ||= client.saved.name ?? "";
  renderMe();
  $("me").hidden = false;
  $("conn").hidden = false;
  $("app").classList.add("in-chat");
  $("login").hidden = true;
  $("main").hidden = false;
  for (const id of ["open-sidebar", "open-people"]) $(id).hidden = false;
  render();
}

function showLogin(error = "", note = ""): void {
  $("login-note").textContent = note;
  $("login").hidden = false;
  $("main").hidden = true;
  // Connection and queue only mean something once someone has entered.
  $("conn").hidden = true;
  $("app").classList.remove("in-chat");
  $("queued").hidden = true;
  $("login-error").textContent = error;
  $("name").toggleAttribute("aria-invalid", error !== "");
  $input<HTMLInputElement>("name").value = client.saved.name ?? "";
  $("name").focus();
}

/** The sign-in form was used (not a saved identity): focus the conversation once in. */
let enteringByForm = false;

/**
 * Puts focus where a person continues after entering or opening a
 * conversation: the message box, or on touch screens the conversation's
 * heading (focusing the box would open the on-screen keyboard unasked).
 */
function focusConversation(): void {
  if ($("main").hidden) return;
  if (window.matchMedia("(pointer: coarse)").matches) $("channel-title").focus();
  else composer.focus();
}

/** What is wrong with a name (`login`) or a room name (`room`), in the page's language. */
function faultText(fault: NameFault, field: "login" | "room"): string {
  const max = field === "login" ? LIMITS.nameMax : LIMITS.roomMax;
  if (fault.kind === "length") return fault.count === 0 ? t(`${field}.empty`) : t(`${field}.tooLong`, { count: fault.count, max });
  if (fault.kind === "character") return t(`${field}.character`, { char: fault.char === " " ? t("char.space") : fault.char });
  return t(`${field}.letter`);
}

/**
 * Shows what is wrong with a field's value in its error line (or clears it),
 * marks the field invalid and keeps focus there; true when the value is fine.
 */
function fieldAccepts(input: HTMLInputElement, errorId: string, fault: NameFault | null, field: "login" | "room"): boolean {
  $(errorId).textContent = fault ? faultText(fault, field) : "";
  input.toggleAttribute("aria-invalid", fault !== null);
  if (fault) input.focus();
  return fault === null;
}

// ---- wiring ------------------------------------------------------------------

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $input<HTMLInputElement>("name");
  const name = input.value.trim();
  if (!fieldAccepts(input, "login-error", nameFault(name), "login")) return;
  myName = name;
  enteringByForm = true;
  client.start(name);
});

$("new-room-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $input<HTMLInputElement>("new-room");
  const room = input.value.trim();
  // Said next to the field (and announced): on a phone the panel covers the rest of the page.
  if (!fieldAccepts(input, "new-room-error", roomFault(room), "room")) return;
  input.value = "";
  closePanels();
  void client.joinRoom(room, true).then((joined) => {
    if (joined) focusConversation();
  });
});

$("leave").addEventListener("click", () => {
  const channel = client.channels.get(client.active);
  if (channel) void client.leaveRoom(channel);
});

$("lang").addEventListener("change", () => {
  const value = $input<HTMLSelectElement>("lang").value;
  if (isLocale(value)) setLocale(value);
});
onLocaleChange(() => {
  accountView.relabel();
  renderConnection();
  renderMe();
  renderTheme();
  notifier.render();
  search.render();
  composer.renderMode();
  render();
});

for (const id of ["theme", "theme-menu"]) {
  $(id).addEventListener("click", () => {
    setMode(THEME_MODES[(THEME_MODES.indexOf(storedMode()) + 1) % THEME_MODES.length]!);
    renderTheme();
  });
}

// Signed in or out in another tab of this browser (the cookie is shared): this tab follows.
window.addEventListener("storage", (event) => {
  if (event.key !== STORAGE_KEY || event.newValue === null) return;
  let next: { account?: unknown; userId?: unknown };
  try {
    next = JSON.parse(event.newValue) as { account?: unknown; userId?: unknown };
  } catch {
    return;
  }
  const account = typeof next.account === "string" ? next.account : undefined;
  if (account !== client.saved.account || (account !== undefined && next.userId !== client.me)) location.reload();
});

fitToVisualViewport();
keepEndInView($("messages"));
renderConnection();
renderTheme();
// With a known identity, show the chat straight away: queued messages and
// held history are visible while (re)connecting, offline included.
accountView.show(client.saved.account);
if (client.saved.name && !nameProblem(client.saved.name)) {
  if (client.saved.token || client.saved.account) showMain();
  client.start(client.saved.name);
} else if (sessionStorage.getItem(SIGNED_OUT_KEY)) {
  sessionStorage.removeItem(SIGNED_OUT_KEY);
  showLogin("", t("account.signedOut"));
} else {
  showLogin();
}
