/**
 * The account dialog (someone signed in): the display name, the password
 * (set, or changed with the current one), passkeys (added, removed — not the
 * last way to sign in), the devices signed in (each can be signed out), and
 * signing out here or everywhere. A request answered 401 means this device
 * was signed out elsewhere: the page becomes a guest.
 */
import { html, render, type TemplateResult } from "lit-html";
import { LIMITS, nameFault, PASSWORD_LIMITS } from "../../server/names";
import * as api from "./accounts-api";
import { clearDialog, openModal, refusalText, showFault, whileBusy, type Context } from "./account-ui";
import { $, $input } from "./dom";
import { shortTime } from "./format";
import { t } from "./i18n";

export type AccountDialogHooks = {
  /** Signed out (here, everywhere, or found signed out): the page goes back to being a guest. */
  signedOut(): void;
  /** The display name changed: it shows from the next connection. */
  renamed(name: string): void;
};

export class AccountDialog {
  private readonly dialog = $("account-dialog") as HTMLDialogElement;
  private info: api.AccountInfo | undefined;
  private sessions: api.SessionInfo[] = [];

  constructor(private readonly hooks: AccountDialogHooks) {
    $("account-name-form").addEventListener("submit", (event) => void this.submitName(event));
    $("account-password-form").addEventListener("submit", (event) => void this.submitPassword(event));
    $("account-passkey-add").addEventListener("click", () => void this.addPasskey());
    $("account-passkeys").addEventListener("click", (event) => {
      const id = event.target instanceof Element ? event.target.closest<HTMLElement>("[data-passkey]")?.dataset.passkey : undefined;
      if (id) void this.removePasskey(id);
    });
    $("account-sessions").addEventListener("click", (event) => {
      const id = event.target instanceof Element ? event.target.closest<HTMLElement>("[data-session]")?.dataset.session : undefined;
      if (id) void this.endSession(id);
    });
    $("account-signout").addEventListener("click", () => void this.leave(api.signOut));
    $("account-signout-all").addEventListener("click", () => void this.leave(api.signOutEverywhere));
  }

  /** Opens the dialog for `username`, the name field holding `name`; the account and its devices are fetched meanwhile. */
  open(username: string, name: string): void {
    clearDialog(this.dialog);
    $("account-who").textContent = t("account.signedInAs", { username });
    this.info = undefined;
    this.renderAccount();
    $input<HTMLInputElement>("account-name").value = name;
    openModal(this.dialog);
    $("account-name").focus();
    void this.refresh();
  }

  close(): void {
    this.dialog.close();
  }

  /** Redraws what scripts drew, after a change of language. */
  relabel(username: string | undefined): void {
    if (!this.dialog.open) return;
    $("account-who").textContent = t("account.signedInAs", { username: username ?? "" });
    this.renderAccount();
  }

  /** Fetches the account and its devices; found signed out (ended on another device), the page becomes a guest. */
  private async refresh(): Promise<void> {
    const [info, list] = await Promise.all([api.account(), api.sessions()]);
    if (!info.ok && info.code === "UNAUTHORIZED") {
      this.dialog.close();
      return this.hooks.signedOut();
    }
    if (!info.ok) return showFault("account-error", refusalText(info));
    this.info = info.value;
    this.sessions = list.ok ? list.value.sessions : [];
    this.renderAccount();
  }

  private renderAccount(): void {
    const info = this.info;
    const now = new Date();
    $("account-current-wrap").hidden = !info?.hasPassword;
    $("account-password-save").textContent = t(info?.hasPassword === false ? "account.passwordSet" : "account.passwordChange");
    const loading = html`<li class="text-body-secondary">${t("account.loading")}</li>`;
    const passkeys: TemplateResult[] = !info
      ? [loading]
      : info.passkeys.length === 0
        ? [html`<li class="text-body-secondary">${t("account.passkeysNone")}</li>`]
        : info.passkeys.map(
            (p) => html`<li class="account-row">
              <span class="account-row-text"
                ><span class="fw-semibold">${p.label}</span>
                <span class="d-block text-body-secondary"
                  >${p.lastUsedAt
                    ? t("account.passkeyUsed", { created: shortTime(new Date(p.createdAt), now), used: shortTime(new Date(p.lastUsedAt), now) })
                    : t("account.passkeyMeta", { created: shortTime(new Date(p.createdAt), now) })}</span
                ></span
              >
              <button type="button" class="btn btn-sm btn-outline-danger" data-passkey=${p.id} aria-label=${t("account.passkeyRemoveLabel", { label: p.label })}>
                ${t("account.passkeyRemove")}
              </button>
            </li>`,
          );
    render(passkeys, $("account-passkeys"));
    const sessions: TemplateResult[] = !info
      ? [loading]
      : this.sessions.map((s) => {
          const when = shortTime(new Date(s.lastSeenAt), now);
          return html`<li class="account-row" data-session-row=${s.id}>
            <span class="account-row-text"
              ><span class="fw-semibold">${s.device}</span>
              <span class="d-block text-body-secondary">${s.current ? t("account.sessionThis") : t("account.sessionSeen", { when })}</span></span
            >
            ${s.current
              ? ""
              : html`<button type="button" class="btn btn-sm btn-outline-secondary" data-session=${s.id} aria-label=${t("account.sessionEndLabel", { device: s.device, when })}>
                  ${t("account.sessionEnd")}
                </button>`}
          </li>`;
        });
    render(sessions, $("account-sessions"));
  }

  private async submitName(event: Event): Promise<void> {
    event.preventDefault();
    const input = $input<HTMLInputElement>("account-name");
    input.removeAttribute("aria-invalid");
    this.say("");
    const name = input.value.trim();
    if (nameFault(name)) return showFault("account-error", t("account.nameInvalid", { max: LIMITS.nameMax }), input);
    const result = await whileBusy(this.dialog, () => api.rename(name));
    if (!result.ok) return this.refused(result, "general", result.code === "NAME_TAKEN" ? input : undefined);
    if (this.info) this.info.name = result.value.name;
    this.say(t("account.nameSaved"));
    this.hooks.renamed(result.value.name);
  }

  private async submitPassword(event: Event): Promise<void> {
    event.preventDefault();
    const current = $input<HTMLInputElement>("account-current");
    const next = $input<HTMLInputElement>("account-password");
    for (const input of [current, next]) input.removeAttribute("aria-invalid");
    this.say("");
    const needsCurrent = this.info?.hasPassword ?? true;
    if (needsCurrent && !current.value) return showFault("account-error", t("account.passwordMissing"), current);
    if (next.value.length < PASSWORD_LIMITS.min || next.value.length > PASSWORD_LIMITS.max) return showFault("account-error", t("account.passwordInvalid"), next);
    const result = await whileBusy(this.dialog, () => api.setPassword(next.value, needsCurrent ? current.value : undefined));
    if (!result.ok) return this.refused(result, "password", result.code === "FORBIDDEN" ? current : undefined);
    current.value = next.value = "";
    this.say(t("account.passwordSaved"));
    await this.refresh();
  }

  private async addPasskey(): Promise<void> {
    this.say("");
    if (!api.passkeysSupported()) return showFault("account-error", t("account.passkeyUnsupported"));
    const result = await whileBusy(this.dialog, () => api.addPasskey());
    if (!result.ok) return this.refused(result, "general");
    this.say(t("account.passkeyAdded"));
    await this.refresh();
  }

  private async removePasskey(id: string): Promise<void> {
    this.say("");
    const result = await whileBusy(this.dialog, () => api.removePasskey(id));
    if (!result.ok) return this.refused(result, "general");
    this.say(t("account.passkeyRemoved"));
    await this.refresh();
    $("account-passkey-add").focus();
  }

  private async endSession(id: string): Promise<void> {
    this.say("");
    const result = await whileBusy(this.dialog, () => api.endSession(id));
    if (!result.ok) return this.refused(result, "general");
    this.say(t("account.sessionEnded"));
    await this.refresh();
    $("account-signout").focus();
  }

  /** Signs out (`api.signOut`, or everywhere): the page becomes a guest whatever the server said (a 401 means already signed out). */
  private async leave(how: () => Promise<api.Result<undefined>>): Promise<void> {
    this.say("");
    const result = await whileBusy(this.dialog, how);
    if (!result.ok && result.code !== "UNAUTHORIZED") return this.refused(result, "general");
    this.dialog.close();
    this.hooks.signedOut();
  }

  /** A refusal in the account dialog; UNAUTHORIZED means this device was signed out elsewhere. */
  private refused(refusal: api.Refusal, context: Context, field?: HTMLInputElement): void {
    if (refusal.code === "UNAUTHORIZED") {
      this.dialog.close();
      return this.hooks.signedOut();
    }
    showFault("account-error", refusalText(refusal, context), field);
  }

  private say(text: string): void {
    $("account-status").textContent = text;
    if (text) $("account-error").textContent = "";
  }
}
