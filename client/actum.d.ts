// Types of actum.js, the browser script (see README.md). Loading the module enhances every
// action form on the page; these are what a page's own scripts can use.

/** A field the action refused, with why. */
export interface FieldError {
  field: string;
  message: string;
}

/** The envelope's `error`. */
export interface ErrorBody {
  status: number;
  message: string;
  fields?: FieldError[];
  digest?: string;
}

/** What the action marked stale. */
export interface Revalidated {
  /** Pages marked with `revalidate_path`. */
  paths: string[];
  /** Path prefixes marked with `revalidate_layout` (the page and every page under it). */
  layouts: string[];
  /** Tags marked with `revalidate_tag`. */
  tags: string[];
  refresh: boolean;
}

/** A script-mode answer (docs/protocol.md, "Script mode: the envelope"). */
export interface Envelope {
  ok: boolean;
  result?: unknown;
  error?: ErrorBody;
  redirect: string | null;
  revalidated: Revalidated;
  /** The page re-rendered by the server after the action. */
  html?: string;
  /** The same-origin path and query `html` is the page of. */
  url?: string;
}

/** Why an action failed. */
export class ActumError extends Error {
  constructor(error: ErrorBody);
  /** The HTTP status; 0 when no answer came (network failure). */
  status: number;
  fields: FieldError[];
  /** The server log's key for this error (absent for refusals). */
  digest: string | undefined;
}

/** Options of {@link call}. */
export interface CallOptions {
  /** Aborts the call: it rejects with an {@link ActumError}, and the server's action, if it takes
   * `actum::Cancellation`, sees its token fire. */
  signal?: AbortSignal;
}

/**
 * Calls an action from any script and applies the page update.
 *
 * @param actionRef a form element, an action URL, or an element with `data-actum-action="<url>"`
 * @param input FormData (sent as a form), a plain object (sent as JSON), or nothing (a form's
 *   own fields; an empty body otherwise)
 * @param options `signal`: an `AbortSignal` that cancels the call
 * @returns the action's result; rejects with an {@link ActumError} (status 409 at once, without
 *   a request, for an action whose policy is `drop` while a call of it is pending)
 */
export function call(actionRef: string | Element, input?: FormData | Record<string, unknown>, options?: CallOptions): Promise<unknown>;

/** The events actum fires; they bubble from the form (or element) that made the call. */
export interface ActumEventMap {
  /** A call was submitted (it may wait in the queue). */
  'actum:start': CustomEvent<{ url: string; body: BodyInit }>;
  /** A call finished: its envelope, or `null` when it was aborted or went native. */
  'actum:end': CustomEvent<Envelope | null>;
  /** A call failed; `preventDefault()` keeps the error boundary hidden. */
  'actum:error': CustomEvent<ActumError>;
  /** The action marked paths, tags or the page stale. */
  'actum:revalidate': CustomEvent<Revalidated>;
  /** After a reload for a page older than the server's actions (a deploy): the form's typed
   * values are back (`fields`: their names). Fires on that form, else on `document`;
   * `preventDefault()` keeps the message out of the error boundary. */
  'actum:stale': CustomEvent<{ message: string; fields: string[] }>;
}

declare global {
  interface DocumentEventMap extends ActumEventMap {}
  interface HTMLElementEventMap extends ActumEventMap {}
  interface WindowEventMap extends ActumEventMap {}
}
