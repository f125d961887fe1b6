/**
 * Accessibility audits with axe-core, injected into the page under test.
 * (The page's CSP forbids adding a script tag; evaluating the source through
 * the DevTools protocol is not subject to it.)
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export type Violation = { id: string; impact: string; help: string; nodes: string[] };

type AxeResult = { violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[] };
type AxeGlobal = { axe: { run(context: unknown, options: unknown): Promise<AxeResult> }; document: unknown };

/** The serious and critical WCAG 2.1 A/AA violations axe finds on the page as it is now (label-content-name-mismatch included). */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const g = globalThis as unknown as AxeGlobal;
    const result = await g.axe.run(g.document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      // Experimental, so off unless named: a control's accessible name must contain its visible text (WCAG 2.5.3).
      rules: { "label-content-name-mismatch": { enabled: true } },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? "",
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
