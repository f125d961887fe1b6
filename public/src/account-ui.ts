/**
 * What the accounts dialogs share: the translated text of a refused request,
 * opening a native modal dialog so focus comes back to its opener, an
 * announced error with its field marked, and buttons disabled while a
 * request is on its way.
 */
import type { Refusal } from "./accounts-api";
import { $ } from "./dom";
import { t } from "./i18n";

export type Context = "signin" | "passkey" | "password" | "general";

/** What to tell a person about a refused accounts request, in the page's language. */
export function refusalText(refusal: Refusal, context: Context = "general"): string {
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
export function openModal(dialog: HTMLDialogElement): void {
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

/** Empties a dialog's fields, messages and invalid marks. */
export function clearDialog(dialog: HTMLDialogElement): void {
  for (const input of dialog.querySelectorAll("input")) {
    input.value = "";
    input.removeAttribute("aria-invalid");
  }
  for (const line of dialog.querySelectorAll(".account-error, [role=status]")) line.textContent = "";
}

/** Says what is wrong next to the dialog (announced), marks the field and puts focus on it. */
export function showFault(errorId: string, message: string, field?: HTMLInputElement): void {
  $(errorId).textContent = message;
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-errormessage", errorId);
    field.focus();
  }
}

/** Runs a request with the dialog's buttons disabled (no double submit), saying it is busy. */
export async function whileBusy<T>(dialog: HTMLDialogElement, work: () => Promise<T>): Promise<T> {
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
