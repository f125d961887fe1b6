/** Loaded in <head> without defer: picks the colour theme before anything is painted. */
import { applyTheme } from "./theme-mode";

applyTheme();
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyTheme());
