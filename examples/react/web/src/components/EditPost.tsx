// The seeds' EditPost: the draft is saved as it is typed (debounced), the form publishes.
import { useRef, useState } from 'react';
import { publishPost, saveDraft } from '../actions';

/** How long typing must pause before the draft is saved. */
const DEBOUNCE_MS = 300;

export function EditPost({ draft }: { draft: string }) {
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const [status, setStatus] = useState('');
  return (
    <form action={publishPost}>
      <textarea
        name="content"
        aria-label="Post"
        defaultValue={draft}
        onChange={(e) => {
          const content = e.target.value;
          clearTimeout(timer.current);
          timer.current = setTimeout(async () => {
            setStatus('Saving…');
            await saveDraft(content);
            setStatus(`Draft saved (${content.length} characters)`);
          }, DEBOUNCE_MS);
        }}
      />
      <p id="draft-status" aria-live="polite">{status}</p>
      <button type="submit">Publish</button>
    </form>
  );
}
