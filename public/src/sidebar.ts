/**
 * The panels around the conversation: rooms (the whole row opens or joins
 * one), open conversations with unread badges, and the people in the open
 * room. Clicks are handled once per list (event delegation); on phones the
 * panels are Bootstrap offcanvas and close when something is picked.
 */
import type { RoomInfo, User } from "../../server/protocol";
import { BROADCAST_ID, type Channel } from "./channels";
import { $, closestIn, el } from "./dom";
import { t } from "./i18n";

export type SidebarHooks = {
  room(name: string): void;
  channel(id: string): void;
  person(user: User): void;
};

/** The part of Bootstrap's bundle the page uses (loaded by a script tag, not bundled). */
type OffcanvasApi = { getInstance(element: Element): { hide(): void } | null };
type ModalApi = { getOrCreateInstance(element: Element): { show(): void; hide(): void } };
declare global {
  interface Window {
    bootstrap?: { Offcanvas: OffcanvasApi; Modal: ModalApi };
  }
}

/** Closes the sliding panels (phones); a no-op where they are columns. */
export function closePanels(): void {
  for (const id of ["sidebar", "people"]) window.bootstrap?.Offcanvas.getInstance($(id))?.hide();
}

export class Sidebar {
  private readonly rooms = $("room-list");
  private readonly channels = $("channel-list");
  private readonly people = $("online-list");
  private readonly peers = $("peer-list");
  private shownPeople: User[] = [];
  private shownPeers: User[] = [];

  constructor(hooks: SidebarHooks) {
    this.rooms.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.rooms, "button[data-room]");
      if (button?.dataset.room) {
        closePanels();
        hooks.room(button.dataset.room);
      }
    });
    this.channels.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.channels, "button[data-channel]");
      if (button?.dataset.channel) {
        closePanels();
        hooks.channel(button.dataset.channel);
      }
    });
    this.peers.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.peers, "button[data-user-id]");
      const user = this.shownPeers.find((u) => u.userId === button?.dataset.userId);
      if (user) {
        closePanels();
        hooks.person(user);
      }
    });
    this.people.addEventListener("click", (event) => {
      const button = closestIn<HTMLElement>(event, this.people, "button[data-socket-id]");
      const user = this.shownPeople.find((u) => u.socketId === button?.dataset.socketId);
      if (user) {
        closePanels();
        hooks.person(user);
      }
    });
  }

  /** `mentions`: mentions waiting in rooms not joined. */
  renderRooms(rooms: readonly RoomInfo[], joined: (room: string) => boolean, mentions: ReadonlyMap<string, number>): void {
    this.rooms.replaceChildren(
      ...rooms.map((info) => {
        const isJoined = joined(info.name);
        const members = t("room.members", { count: info.members });
        return el(
          "li",
          {},
          el(
            "button",
            {
              className: `room-row${isJoined ? " joined" : ""}`,
              title: t(isJoined ? "room.open" : "room.join", { room: info.name }),
              attrs: { type: "button", "data-room": info.name },
            },
            el("span", { className: "name", text: `# ${info.name}` }),
            ...mentionBadge(mentions.get(info.name) ?? 0),
            el("span", { className: "count", text: String(info.members), attrs: { "aria-hidden": "true" } }),
            el("span", { className: "visually-hidden", text: `, ${members}${isJoined ? `, ${t("room.joined")}` : ""}` }),
          ),
        );
      }),
    );
  }

  renderChannels(ordered: readonly Channel[], active: string): void {
    this.channels.replaceChildren(
      ...ordered.map((channel) => {
        const title = channelTitle(channel);
        const button = el(
          "button",
          {
            className: `nav-link w-100 text-start${channel.id === active ? " active" : ""}`,
            attrs: { type: "button", "data-channel": channel.id, ...(channel.id === active ? { "aria-current": "true" } : {}) },
          },
          el("span", { className: "label", text: title }),
        );
        button.append(...mentionBadge(channel.mentions));
        if (channel.unread > 0) {
          button.append(
            el("span", { className: "badge text-bg-primary", text: String(channel.unread), attrs: { "aria-hidden": "true" } }),
            el("span", { className: "visually-hidden", text: t("room.unread", { count: channel.unread }) }),
          );
        }
        return el("li", { className: "nav-item" }, button);
      }),
    );
  }

  /** The people of the open room (or the other person of a private conversation). */
  renderPeople(members: readonly User[] | undefined, me: string): void {
    this.shownPeople = [...(members ?? [])];
    if (!members) {
      this.people.replaceChildren(el("li", { className: "text-body-secondary", text: t("people.none") }));
      return;
    }
    this.people.replaceChildren(
      ...members.map((user) =>
        user.userId === me
          ? el(
              "li",
              { className: "py-1 px-2" },
              el("span", { text: t("me.you", { name: user.name }) }),
              el("br"),
              el("code", { text: user.socketId }),
            )
          : el(
              "li",
              {},
              el(
                "button",
                {
                  className: "btn btn-sm btn-outline-secondary border-0",
                  attrs: { type: "button", "data-socket-id": user.socketId, title: t("people.message", { name: user.name }) },
                },
                el("span", { text: user.name }),
                el("br"),
                el("code", { text: user.socketId }),
              ),
            ),
      ),
    );
  }

  /** Everyone this person has a private conversation with, online or away: a click writes to them. */
  renderPeers(peers: readonly User[]): void {
    this.shownPeers = [...peers];
    $("peer-heading").hidden = peers.length === 0;
    this.peers.replaceChildren(
      ...peers.map((user) =>
        el(
          "li",
          {},
          el("button", {
            className: "btn btn-sm btn-outline-secondary border-0 w-100 text-start",
            text: user.name,
            attrs: { type: "button", "data-user-id": user.userId, title: t("people.message", { name: user.name }) },
          }),
        ),
      ),
    );
  }
}

/** "@2" for unread mentions, with its meaning for screen readers. */
function mentionBadge(count: number): HTMLElement[] {
  if (count <= 0) return [];
  return [
    el("span", { className: "badge text-bg-warning mention-badge", text: `@${count}`, attrs: { "aria-hidden": "true" } }),
    el("span", { className: "visually-hidden", text: t("mention.count", { count }) }),
  ];
}

/** How a conversation is named: "# room", "@ person", or "Everyone". */
export function channelTitle(channel: Channel): string {
  if (channel.id === BROADCAST_ID) return t("channel.everyone");
  return channel.kind === "dm" ? `@ ${channel.title}` : channel.title;
}
