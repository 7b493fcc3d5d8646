// Building the tester pages' DOM with text only (never markup), and look-ups checked against the
// element type the module expects.

type Child = Node | string | null | undefined | false | readonly Child[];
type Value = string | boolean | undefined | ((event: Event) => unknown);

/** `h('p', { class: 'x', onclick: fn }, 'text')`: strings become text nodes; `true` sets an empty attribute. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, Value> = {}, ...children: Child[]) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, '');
    else if (typeof value === 'string') node.setAttribute(key, value);
  }
  put(node, children);
  return node;
}

function put(node: ParentNode, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (typeof c === 'string') node.append(document.createTextNode(c));
    else if (c instanceof Node) node.append(c);
    else put(node, c);
  }
}

/** Replaces a node's children. */
export function replace(node: ParentNode, ...children: Child[]): void {
  node.replaceChildren();
  put(node, children);
}

/** The element with this id, which the page always has, of the expected type. */
export function element<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The page has no element #${id} of the expected kind.`);
  return node;
}

/** Says `text` in the page's live region: an error as an alert, anything else as a status. */
export function say(box: HTMLElement, text: string, kind: 'success' | 'danger' | 'info' = 'info'): void {
  replace(box, h('div', { class: `alert alert-${kind} mb-0`, role: kind === 'danger' ? 'alert' : 'status' }, text));
}
