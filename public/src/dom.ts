/**
 * DOM helpers. User-supplied text only ever reaches the page through
 * `textContent` (the `el` helper); nothing here parses HTML.
 */

export function $(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node;
}

/** `$` for a form control of a known type. */
export function $input<T extends HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(id: string): T {
  return $(id) as T;
}

/** Creates an element with classes, text, attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { className?: string; text?: string; title?: string; attrs?: Record<string, string> } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  if (options.title !== undefined) node.title = options.title;
  for (const [k, v] of Object.entries(options.attrs ?? {})) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** The nearest element matching `selector` from an event's target, within `container`. */
export function closestIn<T extends Element>(event: Event, container: Element, selector: string): T | undefined {
  const target = event.target instanceof Element ? event.target.closest<T>(selector) : null;
  return target && container.contains(target) ? target : undefined;
}
