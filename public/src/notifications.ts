/**
 * Telling a person about messages while the tab is hidden: the tab title
 * counts what arrived, and a private message or a mention raises a browser
 * notification. Permission is asked only when the person clicks the button,
 * never on load.
 */
import { $ } from "./dom";
import { t } from "./i18n";

export class Notifier {
  private readonly button = $("notify") as HTMLButtonElement;
  private unseen = 0;

  constructor(private readonly focus: (tag: string) => void) {
    this.button.addEventListener("click", () => {
      if (typeof Notification === "undefined" || Notification.permission !== "default") return;
      void Notification.requestPermission().then(() => this.render());
    });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) return;
      this.unseen = 0;
      this.render();
    });
    this.render();
  }

  /**
   * A message from someone else arrived. `alert` (a private message or a
   * mention) raises a notification when the tab is hidden; `tag` names its
   * conversation, focused when the notification is clicked.
   */
  incoming(message: { title: string; body: string; tag: string; alert: boolean }): void {
    if (!document.hidden) return;
    this.unseen++;
    this.render();
    if (!message.alert || typeof Notification === "undefined" || Notification.permission !== "granted") return;
    const notification = new Notification(message.title, { body: message.body, tag: message.tag, lang: document.documentElement.lang });
    notification.addEventListener("click", () => {
      window.focus();
      this.focus(message.tag);
      notification.close();
    });
  }

  /** The tab title and the permission button, in the current language. */
  render(): void {
    document.title = this.unseen > 0 ? t("notify.title", { count: this.unseen, title: t("app.title") }) : t("app.title");
    if (typeof Notification === "undefined") {
      this.button.hidden = true;
      return;
    }
    this.button.hidden = false;
    const permission = Notification.permission;
    this.button.textContent = t(permission === "granted" ? "notify.on" : permission === "denied" ? "notify.blocked" : "notify.enable");
    this.button.disabled = permission !== "default";
  }
}
