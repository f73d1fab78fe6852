// ---- How every function below calls its action (docs/protocol.md, script mode).

/** A field the action refused, with why. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** What the action marked stale: the detail of the `actum:revalidate` event. */
export interface Revalidated {
  readonly paths: string[];
  readonly tags: string[];
  readonly refresh: boolean;
}

interface ErrorBody {
  status: number;
  message: string;
  fields?: FieldError[];
  digest?: string;
}

interface Envelope {
  ok: boolean;
  result?: unknown;
  error?: ErrorBody;
  redirect: string | null;
  revalidated: Revalidated;
}

/** Why an action failed: the envelope's error, or a failure to reach the action at all. */
export class ActumError extends Error {
  /** The HTTP status; 0 when no answer came (network failure). */
  readonly status: number;
  /** The fields the action refused, named as the form (or JSON path) named them. */
  readonly fields: FieldError[];
  /** The server log's key for this error (absent for refusals). */
  readonly digest: string | undefined;

  constructor(error: ErrorBody) {
    super(error.message);
    this.name = 'ActumError';
    this.status = error.status;
    this.fields = error.fields ?? [];
    this.digest = error.digest;
  }

  /** The message for one field, if the action refused it. */
  field(name: string): string | undefined {
    return this.fields.find((f) => f.field === name)?.message;
  }
}

/**
 * The state a `…WithState` function keeps for React's `useActionState`: the last result, or the
 * error the user can fix. Start from `{}`.
 */
export interface ActionState<O> {
  readonly result?: O;
  readonly error?: ActumError;
}

async function call<O>(url: string, input: unknown): Promise<O> {
  const form = input instanceof FormData ? input : hasFile(input) ? toFormData(input) : null;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: form ? { 'actum-request': '1' } : { 'actum-request': '1', 'content-type': 'application/json' },
      body: form ?? JSON.stringify(input ?? null),
    });
  } catch {
    throw new ActumError({ status: 0, message: 'the server could not be reached' });
  }
  const answer = response.headers.get('actum-answer');
  if (answer !== 'envelope' && answer !== 'rejected') {
    const message = answer === 'unknown-action'
      ? 'the server does not know this action: reload the page'
      : 'the server sent no action answer';
    throw new ActumError({ status: response.status, message });
  }
  const envelope = (await response.json()) as Envelope;
  const { revalidated } = envelope;
  if (revalidated.paths.length || revalidated.tags.length || revalidated.refresh) {
    document.dispatchEvent(new CustomEvent('actum:revalidate', { bubbles: true, detail: revalidated }));
  }
  if (!envelope.ok) throw new ActumError(envelope.error ?? { status: response.status, message: 'the action failed' });
  if (envelope.redirect !== null) {
    location.assign(envelope.redirect);
    // The page is going away: stay pending (a form stays busy) until it has.
    return new Promise<never>(() => {});
  }
  return envelope.result as O;
}

/** Errors the user can fix stay in the state; the others go to the nearest error boundary. */
async function withState<O>(run: () => Promise<O>): Promise<ActionState<O>> {
  try {
    return { result: await run() };
  } catch (error) {
    // The same split as a native post's: back to the form, or an error page.
    if (error instanceof ActumError && error.status >= 400 && error.status < 500 && ![401, 403, 404].includes(error.status)) {
      return { error };
    }
    throw error;
  }
}

function hasFile(value: unknown): boolean {
  if (value instanceof Blob) return true;
  if (Array.isArray(value)) return value.some(hasFile);
  return typeof value === 'object' && value !== null && Object.values(value).some(hasFile);
}

/** A typed object with files goes as a multipart form: `a[b]` for nested fields, lists repeated. */
function toFormData(value: unknown): FormData {
  const form = new FormData();
  const add = (name: string, item: unknown): void => {
    if (item === null || item === undefined) return;
    if (item instanceof Blob) form.append(name, item);
    else if (Array.isArray(item)) {
      for (const each of item) {
        if (typeof each === 'object' && each !== null && !(each instanceof Blob)) {
          throw new ActumError({ status: 0, message: `field \`${name}\`: a form cannot carry a list of groups` });
        }
        add(name, each);
      }
    } else if (typeof item === 'object') {
      for (const [key, inner] of Object.entries(item)) add(name ? `${name}[${key}]` : key, inner);
    } else form.append(name, String(item));
  };
  add('', value);
  return form;
}
