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
