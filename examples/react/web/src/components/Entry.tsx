// The seeds' Entry: Cmd/Ctrl+Enter submits the form (requestSubmit); a file can go with it.
// Each saved entry has a delete button: its URL, sealed by the server, is bound to the action.
import type { KeyboardEvent } from 'react';
import { addEntry, deleteEntry } from '../actions';
import type { Snapshot } from '../api';

export function Entry({ entries }: { entries: Snapshot['entries'] }) {
  const handleKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if ((e.ctrlKey || e.metaKey) && (e.key === 'Enter' || e.key === 'NumpadEnter')) {
      e.preventDefault();
      e.currentTarget.form?.requestSubmit();
    }
  };
  return (
    <div>
      <form action={addEntry}>
        <textarea name="entry" rows={5} required aria-label="Entry" onKeyDown={handleKeyDown} />
        <input type="file" name="attachment" aria-label="Attachment" />
        <button type="submit">Save entry</button>
      </form>
      <ul id="entries">
        {entries.map((entry) => (
          <li key={entry.id}>
            <span>{entry.text}</span>
            {entry.attachment && <small> {`${entry.attachment.name}, ${entry.attachment.bytes} bytes`}</small>}
            <form action={deleteEntry.bind(null, entry.delete_url)}>
              <button type="submit">Delete</button>
            </form>
          </li>
        ))}
      </ul>
    </div>
  );
}
