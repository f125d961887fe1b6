/**
 * Accounts in the page (protocol v1.2): the sign-in / create-account buttons
 * (header, rooms panel on phones, the name form), the account button for
 * someone signed in, and the dialogs to create an account (a passkey first,
 * or a password) and to sign in (a passkey, or username and password); the
 * account itself is account-dialog.ts. Refusals are shown translated by
 * their code in each dialog's alert line. What signing in or out does to the
 * connection is the page's business (`AccountHooks`).
 */
import { LIMITS, nameFault, PASSWORD_LIMITS, USERNAME_PATTERN } from "../../server/names";
import * as api from "./accounts-api";
import { AccountDialog, type AccountDialogHooks } from "./account-dialog";
import { accountMarkNode } from "./account-mark";
import { clearDialog, openModal, refusalText, showFault, whileBusy } from "./account-ui";
import { $, $input } from "./dom";
import { t } from "./i18n";

export type AccountHooks = AccountDialogHooks & {
  /** The guest token this page holds, sent when a guest creates an account (so they stay the same person). */
  guestToken(): string | undefined;
  /** The display name this page is chatting under (the account dialog's name field starts with it). */
  name(): string;
  /** Whether this page is chatting as a guest already (the create dialog then says the history is kept). */
  isGuest(): boolean;
  /** Signed in (or up): the cookie is set; the page reconnects as the account. */
  signedIn(issued: api.Issued): void;
};

export class AccountView {
  private username: string | undefined;
  private readonly signUp = $("signup-dialog") as HTMLDialogElement;
  private readonly signIn = $("signin-dialog") as HTMLDialogElement;
  private readonly account: AccountDialog;

  constructor(private readonly hooks: AccountHooks) {
    this.account = new AccountDialog(hooks);
    document.addEventListener("click", (event) => {
      const button = event.target instanceof Element ? event.target.closest<HTMLElement>("[data-account]") : null;
      const action = button?.dataset.account;
      if (action === "signin") this.openSignIn();
      else if (action === "signup") this.openSignUp();
      else if (action === "open" && this.username) this.account.open(this.username, this.hooks.name());
    });
    for (const dialog of document.querySelectorAll<HTMLDialogElement>("dialog.account-dialog")) {
      for (const close of dialog.querySelectorAll("[data-close]")) close.addEventListener("click", () => dialog.close());
    }
    $("signup-form").addEventListener("submit", (event) => void this.submitSignUp(event as SubmitEvent));
    $("signin-form").addEventListener("submit", (event) => void this.submitSignIn(event as SubmitEvent));
  }

  /** Who is signed in (a username), or undefined for a guest: redraws the buttons. */
  show(username: string | undefined): void {
    this.username = username;
    for (const node of document.querySelectorAll<HTMLElement>("[data-when]")) node.hidden = (node.dataset.when === "member") !== (username !== undefined);
    for (const who of document.querySelectorAll<HTMLElement>(".account-who")) {
      who.replaceChildren(...(username ? [username, accountMarkNode(username)] : []));
    }
    if (!username) this.account.close();
  }

  /** Redraws what scripts drew, after a change of language. */
  relabel(): void {
    this.show(this.username);
    this.account.relabel(this.username);
  }

  openSignUp(): void {
    this.signIn.close();
    clearDialog(this.signUp);
    $("signup-guest").hidden = !this.hooks.isGuest();
    openModal(this.signUp);
    $("signup-username").focus();
  }

  openSignIn(): void {
    this.signUp.close();
    clearDialog(this.signIn);
    openModal(this.signIn);
    $("signin-passkey").focus();
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
    if (!USERNAME_PATTERN.test(username)) return showFault("signup-error", t("account.usernameInvalid"), usernameInput);
    if (name && nameFault(name)) return showFault("signup-error", t("account.nameInvalid", { max: LIMITS.nameMax }), nameInput);
    if (withPasskey && !api.passkeysSupported()) return showFault("signup-error", t("account.passkeyUnsupported"), passwordInput);
    if (!withPasskey && (password.length < PASSWORD_LIMITS.min || password.length > PASSWORD_LIMITS.max)) {
      return showFault("signup-error", t("account.passwordInvalid"), passwordInput);
    }
    const input = { username, ...(name ? { name } : {}) };
    const guest = this.hooks.guestToken();
    const result = await whileBusy(this.signUp, () => (withPasskey ? api.signUpWithPasskey(input, guest) : api.signUpWithPassword({ ...input, password }, guest)));
    if (!result.ok) {
      const field = result.code === "USERNAME_TAKEN" ? usernameInput : result.code === "NAME_TAKEN" ? nameInput : undefined;
      return showFault("signup-error", refusalText(result, withPasskey ? "passkey" : "general"), field);
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
    if (withPasskey && !api.passkeysSupported()) return showFault("signin-error", t("account.passkeyUnsupported"), usernameInput);
    const username = usernameInput.value.trim();
    const password = passwordInput.value;
    if (!withPasskey) {
      if (!username) return showFault("signin-error", t("account.usernameInvalid"), usernameInput);
      if (!password) return showFault("signin-error", t("account.passwordInvalid"), passwordInput);
    }
    const result = await whileBusy(this.signIn, () => (withPasskey ? api.signInWithPasskey() : api.signInWithPassword({ username, password })));
    if (!result.ok) return showFault("signin-error", refusalText(result, withPasskey ? "passkey" : "signin"), withPasskey ? undefined : passwordInput);
    this.signIn.close();
    this.hooks.signedIn(result.value);
  }

}
