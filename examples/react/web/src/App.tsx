import { useEffect, useState } from 'react';
import type { Snapshot } from './api';
import { loadSnapshot } from './api';
import { ErrorBoundary } from './components/ErrorBoundary';
import { LikeButton } from './components/LikeButton';
import { ViewCount } from './components/ViewCount';
import { Signup } from './components/Signup';
import { Thread } from './components/Thread';
import { EditPost } from './components/EditPost';
import { Entry } from './components/Entry';
import { AvatarPicker } from './components/AvatarPicker';

export function App({ initial }: { initial: Snapshot }) {
  const [snapshot, setSnapshot] = useState(initial);
  const [revalidations, setRevalidations] = useState(0);

  // An action marked data stale: fetch it again (the generated functions fire this event).
  useEffect(() => {
    const reload = () => {
      setRevalidations((n) => n + 1);
      loadSnapshot().then(setSnapshot, () => {});
    };
    document.addEventListener('actum:revalidate', reload);
    return () => document.removeEventListener('actum:revalidate', reload);
  }, []);

  if (location.pathname === '/dashboard') {
    return (
      <main>
        <h1>Dashboard</h1>
        <p id="welcome">Welcome, {snapshot.users.at(-1) ?? 'nobody'}</p>
        <a href="/">Back</a>
      </main>
    );
  }

  return (
    <main data-revalidations={revalidations}>
      <h1>actum + React 19</h1>
      <section id="like"><h2>LikeButton</h2><LikeButton initialLikes={snapshot.likes} /></section>
      <section id="views"><h2>ViewCount</h2><ViewCount initialViews={snapshot.views} /></section>
      <section id="signup"><h2>Signup</h2><Signup /></section>
      <section id="thread">
        <h2>Thread</h2>
        <Thread
          messages={snapshot.messages}
          onSent={(message) => setSnapshot((s) => ({ ...s, messages: [...s.messages, message] }))}
        />
      </section>
      <section id="edit-post">
        <h2>EditPost</h2>
        <ErrorBoundary>
          <EditPost draft={snapshot.draft} />
        </ErrorBoundary>
        <ul id="posts">{snapshot.posts.map((post, i) => <li key={i}>{post}</li>)}</ul>
      </section>
      <section id="entry">
        <h2>Entry</h2>
        <ErrorBoundary>
          <Entry entries={snapshot.entries} />
        </ErrorBoundary>
      </section>
      <section id="avatar"><h2>Avatar</h2><AvatarPicker avatar={snapshot.avatar} /></section>
    </main>
  );
}
