// Written by actum (`actum::typescript::module`) from the mounted actions: do not edit, write it
// again (docs/typescript.md). It holds the action IDs of the build that wrote it.

// ---- The actions' input and output types (from the Rust types, by ts-rs).

/**
 * What the server kept of a file: its name and size (the bytes are dropped).
 */
export type Attachment = {
/**
 * The browser's file name.
 */
name: string,
/**
 * Its size in bytes.
 */
bytes: number, };

/**
 * The avatar the server kept.
 */
export type Avatar = {
/**
 * The file's name and size.
 */
picture: Attachment,
/**
 * Its content type, as the browser claimed it.
 */
content_type: string, };

/**
 * A saved entry.
 */
export type Entry = {
/**
 * Its number.
 */
id: number,
/**
 * Its text.
 */
text: string,
/**
 * The attached file's name and size, if any.
 */
attachment: Attachment | null, };

/**
 * One message of `Thread`.
 */
export type Message = {
/**
 * What was said.
 */
message: string, };

/**
 * A picture, sent as a typed object holding a `File` (so as a multipart form).
 */
export type NewAvatar = {
/**
 * The picture.
 */
picture: File, };

/**
 * `Entry`'s form: the text, and a file if one was picked.
 */
export type NewEntry = {
/**
 * The text of the entry.
 */
entry: string,
/**
 * A file attached to it.
 */
attachment?: File, };

/**
 * `EditPost`'s form.
 */
export type Post = {
/**
 * The post's text.
 */
content: string, };

/**
 * `Signup`'s form.
 */
export type SignUp = {
/**
 * The address to sign up.
 */
email: string, };

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

/** A bound action's URL, as the server rendered it with `action.bind(…)`. */
function boundUrl(url: string, id: string): string {
  const path = new URL(url, location.href).pathname;
  if (!path.endsWith('/_actum/' + id)) {
    throw new ActumError({ status: 0, message: `${url} is not a URL of this action` });
  }
  return url;
}

// ---- One function per action, and its `useActionState` form.

/** `actum_example_react::actions::add_entry`. */
export function addEntry(input: NewEntry | FormData): Promise<Entry>;
/** As a form action (`<form action={addEntry}>`): React drops the result. */
export function addEntry(formData: FormData): Promise<void>;
export async function addEntry(input: NewEntry | FormData): Promise<Entry | void> {
  return call<Entry>('/_actum/actions.add_entry.c1b45a26', input);
}

/** `addEntry` for `useActionState`: `{ result }`, or `{ error }` for an error the user can fix. */
export async function addEntryWithState(_state: ActionState<Entry>, input: NewEntry | FormData): Promise<ActionState<Entry>> {
  return withState(() => addEntry(input));
}

/** `actum_example_react::actions::create_user`. */
export function createUser(input: SignUp | FormData): Promise<null>;
/** As a form action (`<form action={createUser}>`): React drops the result. */
export function createUser(formData: FormData): Promise<void>;
export async function createUser(input: SignUp | FormData): Promise<null | void> {
  return call<null>('/_actum/actions.create_user.c5c911fd', input);
}

/** `createUser` for `useActionState`: `{ result }`, or `{ error }` for an error the user can fix. */
export async function createUserWithState(_state: ActionState<null>, input: SignUp | FormData): Promise<ActionState<null>> {
  return withState(() => createUser(input));
}

/** `actum_example_react::actions::delete_entry` (takes the URL rendered by `bind`). */
export function deleteEntry(url: string, input?: FormData | null): Promise<null>;
/** As a form action (`<form action={deleteEntry}>`): React drops the result. */
export function deleteEntry(url: string, formData: FormData): Promise<void>;
export async function deleteEntry(url: string, input?: FormData | null): Promise<null | void> {
  return call<null>(boundUrl(url, 'actions.delete_entry.5483461a'), input);
}

/** `deleteEntry` for `useActionState`: `{ result }`, or `{ error }` for an error the user can fix. */
export async function deleteEntryWithState(url: string, _state: ActionState<null>, input?: FormData | null): Promise<ActionState<null>> {
  return withState(() => deleteEntry(url, input));
}

/** `actum_example_react::actions::increment_like`. */
export function incrementLike(input?: FormData | null): Promise<number>;
/** As a form action (`<form action={incrementLike}>`): React drops the result. */
export function incrementLike(formData: FormData): Promise<void>;
export async function incrementLike(input?: FormData | null): Promise<number | void> {
  return call<number>('/_actum/actions.increment_like.6daa9d82', input);
}

/** `incrementLike` for `useActionState`: `{ result }`, or `{ error }` for an error the user can fix. */
export async function incrementLikeWithState(_state: ActionState<number>, input?: FormData | null): Promise<ActionState<number>> {
  return withState(() => incrementLike(input));
}

/** `actum_example_react::actions::increment_views`. */
export function incrementViews(input?: FormData | null): Promise<number>;
/** As a form action (`<form action={incrementViews}>`): React drops the result. */
export function incrementViews(formData: FormData): Promise<void>;
export async function incrementViews(input?: FormData | null): Promise<number | void> {
  return call<number>('/_actum/actions.increment_views.1a9e6f5b', input);
}

/** `incrementViews` for `useActionState`: `{ result }`, or `{ error }` for an error the user can fix. */
export async function incrementViewsWithState(_state: ActionState<number>, input?: FormData | null): Promise<ActionState<number>> {
  return withState(() => incrementViews(input));
}

/** `actum_example_react::actions::publish_post`. */
export function publishPost(input: Post | FormData): Promise<null>;
/** As a form action (`<form action={publishPost}>`): React drops the result. */
export function publishPost(formData: FormData): Promise<void>;
export async function publishPost(input: Post | FormData): Promise<null | void> {
  return call<null>('/_actum/actions.publish_post.dea3490f', input);
}

/** `publishPost` for `useActionState`: `{ result }`, or `{ error }` for an error the user can fix. */
export async function publishPostWithState(_state: ActionState<null>, input: Post | FormData): Promise<ActionState<null>> {
  return withState(() => publishPost(input));
}

/** `actum_example_react::actions::save_draft`. */
export function saveDraft(input: string): Promise<null>;
export async function saveDraft(input: string): Promise<null | void> {
  return call<null>('/_actum/actions.save_draft.d0a7abdd', input);
}

/** `saveDraft` for `useActionState`: `{ result }`, or `{ error }` for an error the user can fix. */
export async function saveDraftWithState(_state: ActionState<null>, input: string): Promise<ActionState<null>> {
  return withState(() => saveDraft(input));
}

/** `actum_example_react::actions::send`. */
export function send(input: string): Promise<Message>;
export async function send(input: string): Promise<Message | void> {
  return call<Message>('/_actum/actions.send.183d92cf', input);
}

/** `send` for `useActionState`: `{ result }`, or `{ error }` for an error the user can fix. */
export async function sendWithState(_state: ActionState<Message>, input: string): Promise<ActionState<Message>> {
  return withState(() => send(input));
}

/** `actum_example_react::actions::upload_avatar` (body limit 2097152 bytes). */
export function uploadAvatar(input: NewAvatar | FormData): Promise<Avatar>;
/** As a form action (`<form action={uploadAvatar}>`): React drops the result. */
export function uploadAvatar(formData: FormData): Promise<void>;
export async function uploadAvatar(input: NewAvatar | FormData): Promise<Avatar | void> {
  return call<Avatar>('/_actum/actions.upload_avatar.7e122b3c', input);
}

/** `uploadAvatar` for `useActionState`: `{ result }`, or `{ error }` for an error the user can fix. */
export async function uploadAvatarWithState(_state: ActionState<Avatar>, input: NewAvatar | FormData): Promise<ActionState<Avatar>> {
  return withState(() => uploadAvatar(input));
}
