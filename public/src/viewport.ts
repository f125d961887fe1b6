/**
 * Keeps the app as tall as the visible part of the page, so that the
 * composer stays above an on-screen keyboard on browsers that overlay it
 * instead of resizing the page (iOS Safari).
 */
export function fitToVisualViewport(): void {
  const viewport = window.visualViewport;
  if (!viewport) return;
  const update = () => {
    document.documentElement.style.setProperty("--app-height", `${Math.round(viewport.height)}px`);
    if (viewport.offsetTop > 0) window.scrollTo(0, 0);
  };
  viewport.addEventListener("resize", update);
  update();
}

/** How close to the bottom (px) counts as being there. */
const BOTTOM_EDGE = 48;

/**
 * Keeps a scrolling pane's end in view when the pane gets shorter — an
 * on-screen keyboard opening, a phone turned, a banner appearing above the
 * composer — if the reader was at its end before. Someone reading older
 * messages keeps their place.
 */
export function keepEndInView(pane: HTMLElement): void {
  let atEnd = true;
  const measure = () => {
    atEnd = pane.scrollHeight - pane.scrollTop - pane.clientHeight < BOTTOM_EDGE;
  };
  pane.addEventListener("scroll", measure, { passive: true });
  new ResizeObserver(() => {
    if (atEnd) pane.scrollTop = pane.scrollHeight;
    measure();
  }).observe(pane);
}
