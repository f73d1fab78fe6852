// Types used only inside actum.js (kept here so the served script carries none of them).

/** One call, from its submit to its answer. */
export interface Call {
  url: string;
  body: BodyInit;
  /** The form or element the call came from: events fire there, it is marked pending. */
  el: Element | null;
  form: HTMLFormElement | null;
  /** The submitter: its name and value were sent, it is marked pending. */
  by: HTMLElement | null;
  /** What was sent, by field name, for optimistic templates and the morph. */
  data: { get(name: string): unknown };
  /** An autosave, which must not move focus. */
  auto?: boolean;
  /** The submit buttons the call disables while it is pending. */
  buttons?: HTMLButtonElement[];
  /** Its optimistic templates (kept: the morph may remove them from the page). */
  templates?: HTMLTemplateElement[];
  /** The action URL's path, which the concurrency policies go by. */
  path?: string;
  /** Its idempotency key (`actum-idempotency-key`). */
  key?: string;
  /** The caller's signal (`call(ref, input, { signal })`). */
  signal?: AbortSignal;
  /** Aborts the call (a newer latest-wins submit, leaving the page). */
  abort?: AbortController;
}

/** What a stale reload keeps in `sessionStorage` for the reloaded page. */
export interface Saved {
  /** The page (path and query) the form was on: restored only there. */
  url: string;
  /** The form's `id` ('' when it has none) and its index among the page's forms. */
  id: string;
  at: number;
  /** Each kept field in order: its name, and its value (`checked` for a box, the chosen values
   * of a multiple select). */
  fields: Array<[string, string | boolean | string[]]>;
}

/** An optimistic copy on the page: its target, its nodes, and the content it stands in for. */
export type Shown = [target: Element, nodes: ChildNode[], stash: ChildNode[] | null];
