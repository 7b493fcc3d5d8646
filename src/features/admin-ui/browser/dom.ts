// DOM building that only ever inserts text, and element look-ups checked against the element type
// the caller expects, so a page and its module cannot silently disagree about an element.

/** Strings and numbers become text nodes, never markup; null, undefined and false are skipped. */
export type Child = Node | string | number | boolean | null | undefined | readonly Child[];

/** An event handler; `currentTarget` is the element it was given to (read it before any `await`: the DOM clears it). */
export type Handler<E extends Element> = (event: Event & { currentTarget: E }) => unknown;

type Plain = string | number | boolean | null | undefined;

/**
 * Attributes of a new element: `class`, `text`, `dataset`, `on<event>` handlers, the properties
 * `checked`, `disabled`, `selected`, `hidden` and `value`, and any other attribute (true → present).
 */
export interface Attrs<E extends Element> {
  dataset?: Record<string, string | undefined>;
  [name: string]: Plain | Handler<E> | Record<string, string | undefined>;
}

const PROPERTIES = new Set(['checked', 'disabled', 'selected', 'hidden', 'value']);

/** `el('td', { class: 'x', onclick: fn }, 'text', child)`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs<HTMLElementTagNameMap[K]> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      if (key.startsWith('on')) node.addEventListener(key.slice(2), value as EventListener);
    } else if (typeof value === 'object') {
      if (key === 'dataset') Object.assign(node.dataset, value);
    } else if (key === 'class') node.className = String(value);
    else if (key === 'text') node.textContent = String(value);
    else if (PROPERTIES.has(key)) Reflect.set(node, key, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node: ParentNode, children: readonly Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (child instanceof Node) node.append(child);
    else if (typeof child === 'object') append(node, child);
    else node.append(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill<N extends ParentNode>(node: N, ...children: Child[]): N {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** An element class, e.g. `HTMLInputElement`. */
export type ElementType<T extends Element> = (abstract new (...args: never[]) => T) & { name: string };

/** The first element matching `selector`, when it is of `type`. */
export function find<T extends Element>(selector: string, type: ElementType<T>, root: ParentNode = document): T | null {
  const node = root.querySelector(selector);
  return node instanceof type ? node : null;
}

/** Like `find`, for an element the page always has. */
export function get<T extends Element>(selector: string, type: ElementType<T>, root: ParentNode = document): T {
  const node = find(selector, type, root);
  if (!node) throw new Error(`The page has no ${type.name} at ${selector}.`);
  return node;
}

/** The element with this id (from the shared table in ids.ts), which the page always has. */
export function byId<T extends HTMLElement>(id: string, type: ElementType<T>): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The page has no ${type.name} #${id}.`);
  return node;
}

/** A `<meta name>`'s content, or ''. */
export const meta = (name: string): string => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';

const SVG = 'http://www.w3.org/2000/svg';
/** A small line of `values` (numbers or null), drawn as SVG; labelled for screen readers. */
export function sparkline(values: ReadonlyArray<number | null | undefined>, label: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('viewBox', '0 0 100 30');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const isValue = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
  const nums = values.filter(isValue);
  if (nums.length === 0) return svg;
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  const span = max - min || 1;
  // A missing value breaks the line (no data is not drawn as a slope), and a value with no
  // neighbour is drawn as a dot, so one data point is visible rather than a blank chart.
  const at = (v: number, i: number) =>
    `${(values.length === 1 ? 50 : (i / (values.length - 1)) * 100).toFixed(2)},${(28 - ((v - min) / span) * 26).toFixed(2)}`;
  let run: string[] = [];
  const close = () => {
    if (run.length > 0) {
      const line = document.createElementNS(SVG, 'polyline');
      if (run.length === 1) {
        line.setAttribute('class', 'dot');
        run.push(run[0]!);
      }
      line.setAttribute('points', run.join(' '));
      svg.append(line);
    }
    run = [];
  };
  values.forEach((v, i) => {
    if (isValue(v)) run.push(at(v, i));
    else close();
  });
  close();
  return svg;
}
