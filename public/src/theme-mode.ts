/**
 * Light, dark, or following the system (`prefers-color-scheme`), through
 * Bootstrap's `data-bs-theme`. Shared by the tiny head script that applies
 * it before the first paint (theme.ts) and the page's switch.
 */
export type ThemeMode = "auto" | "light" | "dark";
export const THEME_MODES: readonly ThemeMode[] = ["auto", "light", "dark"];
const KEY = "chat.theme";

export function storedMode(): ThemeMode {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : "auto";
  } catch {
    return "auto";
  }
}

export function applyTheme(mode: ThemeMode = storedMode()): void {
  const dark = mode === "dark" || (mode === "auto" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.bsTheme = dark ? "dark" : "light";
}

export function setMode(mode: ThemeMode): void {
  try {
    localStorage.setItem(KEY, mode);
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page only.
  }
  applyTheme(mode);
}
