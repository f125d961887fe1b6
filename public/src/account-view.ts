/**
 * Accounts in the page (protocol v1.2): the sign-in / create-account buttons
 * (header, rooms panel on phones, the name form), the account button for
 * someone signed in, and three native dialogs — create an account (a passkey
 * first, or a password), sign in (a passkey, or username and password), and
 * the account itself (display name, password, passkeys, signed-in devices,
 * sign out here or everywhere). Refusals are shown translated by their code
 * in each dialog's alert line. What signing in or out does to the connection
 * is the page's business (`AccountHooks`).
 */
import { html, render, type TemplateResult } from "lit-html";
import { LIMITS, nameFault, PASSWORD_LIMITS, USERNAME_PATTERN } from "../../server/names";
import * as api from "./accounts-api";
import { accountMarkNode } from "./account-mark";
import { $, $input } from "./dom";
import { shortTime } from "./format";
import { t } from "./i18n";

export type AccountHooks = {
  /** The guest token this page holds, sent when a guest creates an account (so they stay the same person). */
  guestToken(): string | undefined;
  /** The display name this page is chatting under (the account dialog's name field starts with it). */
  name(): string;
  /** Whether this page is chatting as a guest already (the create dialog then says the history is kept). */
  isGuest(): boolean;
  /** Signed in (or up): the cookie is set; the page reconnects as the account. */
  signedIn(issued: api.Issued): void;
  /** Signed out (here, everywhere, or found signed out): the page goes back to being a guest. */
  signedOut(): void;
  /** The display name changed: it shows from the next connection. */
  renamed(name: string): void;
};

type Context = "signin" | "passkey" | "password" | "general";

/** What to tell a person about a refused accounts request, in the page's language. */
export function refusalText(refusal: api.Refusal, context: Context = "general"): string {
  switch (refusal.code) {
    case "RATE_LIMITED":
      return t("account.error.RATE_LIMITED", { count: Math.max(1, Math.ceil((refusal.retryAfter ?? 60) / 60)) });
    case "UNAUTHORIZED":
      return t(context === "signin" ? "account.error.signIn" : context === "passkey" ? "account.error.passkey" : "account.error.UNAUTHORIZED");
    case "FORBIDDEN":
      return context === "password" ? t("account.error.currentPassword") : t("error.FORBIDDEN");
    case "PASSKEY_CANCELLED":
      return t("account.passkeyCancelled");
    case "NETWORK":
      return t("account.error.network");
    case "USERNAME_TAKEN":
    case "NAME_TAKEN":
    case "INVALID_INPUT":
    case "LAST_SIGN_IN_METHOD":
      return t(`account.error.${refusal.code}`);
    default:
      return t("account.error.other", { code: refusal.code });
  }
}

/** Opens `dialog` modally, remembering what had focus so it gets it back when the dialog closes (however it closes). */
function open(dialog: HTMLDialogElement): void {
  if (dialog.open) return;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  dialog.addEventListener(
    "close",
    () => {
      if (opener?.isConnected && opener.checkVisibility()) opener.focus();
    },
    { once: true },
  );
  dialog.showModal();
}

export class AccountView {
  private username: string | undefined;
  private info: api.AccountInfo | undefined;
  private readonly signUp = $("signup-dialog") as HTMLDialogElement;
  private readonly signIn = $("signin-dialog") as HTMLDialogElement;
  private readonly accountDialog = $("account-dialog") as HTMLDialogElement;

  constructor(private readonly hooks: AccountHooks) {
    document.addEventListener("click", (event) => {
      const button = event.target instanceof Element ? event.target.closest<HTMLElement>("[data-account]") : null;
      const action = button?.dataset.account;
      if (action === "signin") this.openSignIn();
      else if (action === "signup") this.openSignUp();
      else if (action === "open") this.openAccount();
    });
    for (const dialog of [this.signUp, this.signIn, this.accountDialog]) {
      for (const close of dialog.querySelectorAll("[data-close]")) close.addEventListener("click", () => dialog.close());
    }
    $("signup-form").addEventListener("submit", (event) => void this.submitSignUp(event as SubmitEvent));
    $("signin-form").addEventListener("submit", (event) => void this.submitSignIn(event as SubmitEvent));
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

  /** Who is signed in (a username), or undefined for a guest: redraws the buttons. */
  show(username: string | undefined): void {
    this.username = username;
    for (const node of document.querySelectorAll<HTMLElement>("[data-when]")) node.hidden = (node.dataset.when === "member") !== (username !== undefined);
    for (const who of document.querySelectorAll<HTMLElement>(".account-who")) {
      who.replaceChildren(...(username ? [username, accountMarkNode(username)] : []));
    }
    if (!username && this.accountDialog.open) this.accountDialog.close();
  }

  /** Redraws what scripts drew, after a change of language. */
  relabel(): void {
    this.show(this.username);
    if (this.accountDialog.open) this.renderAccount();
  }

  openSignUp(): void {
    this.signIn.close();
    this.clear(this.signUp);
    $("signup-guest").hidden = !this.hooks.isGuest();
    open(this.signUp);
    $("signup-username").focus();
  }

  openSignIn(): void {
    this.signUp.close();
    this.clear(this.signIn);
    open(this.signIn);
    $("signin-passkey").focus();
  }

  openAccount(): void {
    this.clear(this.accountDialog);
    $("account-who").textContent = t("account.signedInAs", { username: this.username ?? "" });
    this.info = undefined;
    this.renderAccount();
    $input<HTMLInputElement>("account-name").value = this.hooks.name();
    open(this.accountDialog);
    $("account-name").focus();
    void this.refresh();
  }

  /** Empties a dialog's fields, messages and invalid marks. */
  private clear(dialog: HTMLDialogElement): void {
    for (const input of dialog.querySelectorAll("input")) {
      input.value = "";
      input.removeAttribute("aria-invalid");
    }
    for (const line of dialog.querySelectorAll(".account-error, [role=status]")) line.textContent = "";
  }

  /** Says what is wrong next to the dialog (announced), marks the field and puts focus on it. */
  private fault(errorId: string, message: string, field?: HTMLInputElement): void {
    $(errorId).textContent = message;
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-errormessage", errorId);
      field.focus();
    }
  }

  /** Runs a request with the dialog's buttons disabled (no double submit), saying it is busy. */
  private async busy<T>(dialog: HTMLDialogElement, work: () => Promise<T>): Promise<T> {
    const buttons = [...dialog.querySelectorAll<HTMLButtonElement>("button:not([data-close])")];
    for (const b of buttons) b.disabled = true;
    dialog.setAttribute("aria-busy", "true");
    try {
      return await work();
    } finally {
      for (const b of buttons) b.disabled = false;
      dialog.removeAttribute("aria-busy");
    }
  }

  private async submitSignUp(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const usernameInput = $input<HTMLInputElement>("signup-username");
    const nameInput = $input<HTMLInputElement>("signup-name");
    const passwordInput = $input<HTMLInputElement>("signup-password");
    // Enter in a field submits with the first button (the passkey's): in the password field, it means the password.
    const withPasskey = (event.submitter as HTMLButtonElement | null)?.value !== "password" && document.activeElement !== passwordInput;
    for (const input of [usernameInput, nameInput, passwordInput]) input.removeAttribute("aria-invalid");
    $("signup-error").textContent = "";
    const username = usernameInput.value.trim();
    const name = nameInput.value.trim();
    const password = passwordInput.value;
    if (!USERNAME_PATTERN.test(username)) return this.fault("signup-error", t("account.usernameInvalid"), usernameInput);
    if (name && nameFault(name)) return this.fault("signup-error", t("account.nameInvalid", { max: LIMITS.nameMax }), nameInput);
    if (withPasskey && !api.passkeysSupported()) return this.fault("signup-error", t("account.passkeyUnsupported"), passwordInput);
    if (!withPasskey && (password.length < PASSWORD_LIMITS.min || password.length > PASSWORD_LIMITS.max)) {
      return this.fault("signup-error", t("account.passwordInvalid"), passwordInput);
    }
    const input = { username, ...(name ? { name } : {}) };
    const guest = this.hooks.guestToken();
    const result = await this.busy(this.signUp, () => (withPasskey ? api.signUpWithPasskey(input, guest) : api.signUpWithPassword({ ...input, password }, guest)));
    if (!result.ok) {
      const field = result.code === "USERNAME_TAKEN" ? usernameInput : result.code === "NAME_TAKEN" ? nameInput : undefined;
      return this.fault("signup-error", refusalText(result, withPasskey ? "passkey" : "general"), field);
    }
    this.signUp.close();
    this.hooks.signedIn(result.value);
  }

  private async submitSignIn(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    // Enter in a field submits with the first button (the passkey's): in the username or password field, it means the password.
    const typed = document.activeElement instanceof HTMLInputElement;
    const withPasskey = (event.submitter as HTMLButtonElement | null)?.value === "passkey" && !typed;
    const usernameInput = $input<HTMLInputElement>("signin-username");
    const passwordInput = $input<HTMLInputElement>("signin-password");
    for (const input of [usernameInput, passwordInput]) input.removeAttribute("aria-invalid");
    $("signin-error").textContent = "";
    if (withPasskey && !api.passkeysSupported()) return this.fault("signin-error", t("account.passkeyUnsupported"), usernameInput);
    const username = usernameInput.value.trim();
    const password = passwordInput.value;
    if (!withPasskey) {
      if (!username) return this.fault("signin-error", t("account.usernameInvalid"), usernameInput);
      if (!password) return this.fault("signin-error", t("account.passwordInvalid"), passwordInput);
    }
    const result = await this.busy(this.signIn, () => (withPasskey ? api.signInWithPasskey() : api.signInWithPassword({ username, password })));
    if (!result.ok) return this.fault("signin-error", refusalText(result, withPasskey ? "passkey" : "signin"), withPasskey ? undefined : passwordInput);
    this.signIn.close();
    this.hooks.signedIn(result.value);
  }

  /** Fetches the account and its sessions; found signed out (ended on another device), the page becomes a guest. */
  private async refresh(): Promise<void> {
    const [info, list] = await Promise.all([api.account(), api.sessions()]);
    if (!info.ok && info.code === "UNAUTHORIZED") {
      this.accountDialog.close();
      return this.hooks.signedOut();
    }
    if (!info.ok) return this.fault("account-error", refusalText(info));
    this.info = info.value;
    this.sessions = list.ok ? list.value.sessions : [];
    this.renderAccount();
  }

  private sessions: api.SessionInfo[] = [];

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
    if (nameFault(name)) return this.fault("account-error", t("account.nameInvalid", { max: LIMITS.nameMax }), input);
    const result = await this.busy(this.accountDialog, () => api.rename(name));
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
    if (needsCurrent && !current.value) return this.fault("account-error", t("account.passwordMissing"), current);
    if (next.value.length < PASSWORD_LIMITS.min || next.value.length > PASSWORD_LIMITS.max) return this.fault("account-error", t("account.passwordInvalid"), next);
    const result = await this.busy(this.accountDialog, () => api.setPassword(next.value, needsCurrent ? current.value : undefined));
    if (!result.ok) return this.refused(result, "password", result.code === "FORBIDDEN" ? current : undefined);
    current.value = next.value = "";
    this.say(t("account.passwordSaved"));
    await this.refresh();
  }

  private async addPasskey(): Promise<void> {
    this.say("");
    if (!api.passkeysSupported()) return this.fault("account-error", t("account.passkeyUnsupported"));
    const result = await this.busy(this.accountDialog, () => api.addPasskey());
    if (!result.ok) return this.refused(result, "general");
    this.say(t("account.passkeyAdded"));
    await this.refresh();
  }

  private async removePasskey(id: string): Promise<void> {
    this.say("");
    const result = await this.busy(this.accountDialog, () => api.removePasskey(id));
    if (!result.ok) return this.refused(result, "general");
    this.say(t("account.passkeyRemoved"));
    await this.refresh();
    $("account-passkey-add").focus();
  }

  private async endSession(id: string): Promise<void> {
    this.say("");
    const result = await this.busy(this.accountDialog, () => api.endSession(id));
    if (!result.ok) return this.refused(result, "general");
    this.say(t("account.sessionEnded"));
    await this.refresh();
    $("account-signout").focus();
  }

  /** Signs out (`api.signOut`, or everywhere): the page becomes a guest whatever the server said (a 401 means already signed out). */
  private async leave(how: () => Promise<api.Result<undefined>>): Promise<void> {
    this.say("");
    const result = await this.busy(this.accountDialog, how);
    if (!result.ok && result.code !== "UNAUTHORIZED") return this.refused(result, "general");
    this.accountDialog.close();
    this.hooks.signedOut();
  }

  /** A refusal in the account dialog; UNAUTHORIZED means this device was signed out elsewhere. */
  private refused(refusal: api.Refusal, context: Context, field?: HTMLInputElement): void {
    if (refusal.code === "UNAUTHORIZED") {
      this.accountDialog.close();
      return this.hooks.signedOut();
    }
    this.fault("account-error", refusalText(refusal, context), field);
  }

  private say(text: string): void {
    $("account-status").textContent = text;
    if (text) $("account-error").textContent = "";
  }
}
