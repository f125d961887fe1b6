/**
 * The panels around the conversation: rooms (the whole row opens or joins
 * one), open conversations with unread badges, and the people this person
 * talked with, online or away (the people of the open room are drawn by
 * people-panel.ts). Clicks are handled once per list (event delegation); on phones the
 * panels are Bootstrap offcanvas and close when something is picked. Lists are
 * drawn with lit-html, keyed by room, conversation and person, so redrawing
 * them (every change, and the room counts every 15 s) keeps each row's node —
 * and the keyboard focus on it — in place.
 */
import type { RoomInfo, User } from "../../server/protocol";
import { BROADCAST_ID, type Channel } from "./channels";
import { html, nothing, render, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { accountMark } from "./account-mark";
import { $, closestIn } from "./dom";
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
  private readonly peers = $("peer-list");
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
  }

  /** `mentions`: mentions waiting in rooms not joined. */
  renderRooms(rooms: readonly RoomInfo[], joined: (room: string) => boolean, mentions: ReadonlyMap<string, number>): void {
    render(
      repeat(
        rooms,
        (info) => info.name,
        (info) => {
          const isJoined = joined(info.name);
          const members = t("room.members", { count: info.members });
          return html`<li>
            <button
              type="button"
              class="room-row${isJoined ? " joined" : ""}"
              title=${t(isJoined ? "room.open" : "room.join", { room: info.name })}
              data-room=${info.name}
            >
              <span class="name">${`# ${info.name}`}</span>${mentionBadge(mentions.get(info.name) ?? 0)}<span class="count" aria-hidden="true"
                >${info.members}</span
              ><span class="visually-hidden">${`, ${members}${isJoined ? `, ${t("room.joined")}` : ""}`}</span>
            </button>
          </li>`;
        },
      ),
      this.rooms,
    );
  }

  renderChannels(ordered: readonly Channel[], active: string): void {
    render(
      repeat(
        ordered,
        (channel) => channel.id,
        (channel) => {
          const current = channel.id === active;
          return html`<li class="nav-item">
            <button
              type="button"
              class="nav-link w-100 text-start${current ? " active" : ""}"
              data-channel=${channel.id}
              aria-current=${current ? "true" : nothing}
            >
              <span class="label">${channelTitle(channel)}${channel.kind === "dm" ? accountMark(channel.peer?.account) : nothing}</span>${mentionBadge(channel.mentions)}${channel.unread > 0
                ? html`<span class="badge text-bg-primary" aria-hidden="true">${channel.unread}</span
                    ><span class="visually-hidden">${t("room.unread", { count: channel.unread })}</span>`
                : nothing}
            </button>
          </li>`;
        },
      ),
      this.channels,
    );
  }

  /**
   * Everyone this person has a private conversation with, online or away
   * (`online` undefined: not known yet): a click writes to them.
   */
  renderPeers(peers: readonly { user: User; online: boolean | undefined }[]): void {
    this.shownPeers = peers.map((p) => p.user);
    $("peer-heading").hidden = peers.length === 0;
    render(
      repeat(
        peers,
        ({ user }) => user.userId,
        ({ user, online }) => {
          const state = online === undefined ? "" : online ? "online" : "away";
          return html`<li>
            <button type="button" class="peer-row" data-user-id=${user.userId} data-state=${state || nothing} title=${t("people.message", { name: user.name })}>
              ${state ? html`<span class="presence-dot ${state}" aria-hidden="true"></span>` : nothing}<span class="person-label">${user.name}${accountMark(user.account)}</span>${state
                ? html`<span class="person-state">${t(`people.${state}`)}</span>`
                : nothing}
            </button>
          </li>`;
        },
      ),
      this.peers,
    );
  }
}

/** "@2" for unread mentions, with its meaning for screen readers. */
function mentionBadge(count: number): TemplateResult | typeof nothing {
  if (count <= 0) return nothing;
  return html`<span class="badge text-bg-warning mention-badge" aria-hidden="true">@${count}</span
    ><span class="visually-hidden">${t("mention.count", { count })}</span>`;
}

/** How a conversation is named: "# room", "@ person", or "Everyone". */
export function channelTitle(channel: Channel): string {
  if (channel.id === BROADCAST_ID) return t("channel.everyone");
  return channel.kind === "dm" ? `@ ${channel.title}` : channel.title;
}
