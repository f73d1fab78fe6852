// What the components start from: `GET /api/state` (the Rust app's `snapshot.rs`). The seeds'
// server components pass this down as props; here the app fetches it, and again whenever an
// action marks something stale (`actum:revalidate`).
import type { Avatar, Entry, Message } from './actions';

export interface Snapshot {
  likes: number;
  views: number;
  users: string[];
  messages: Message[];
  draft: string;
  posts: string[];
  /** Each entry with the URL that deletes it, sealed by the server (`delete_entry.bind(id)`). */
  entries: Array<Entry & { delete_url: string }>;
  avatar: Avatar | null;
}

export async function loadSnapshot(): Promise<Snapshot> {
  const response = await fetch('/api/state');
  if (!response.ok) throw new Error(`GET /api/state answered ${response.status}`);
  return (await response.json()) as Snapshot;
}
