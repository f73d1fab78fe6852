// The seeds' Thread: the message shows at once (useOptimistic) and goes away if the action fails.
import { startTransition, useOptimistic, useState } from 'react';
import { ActumError, send, type Message } from '../actions';

type Shown = Message & { sending?: boolean };

export function Thread({ messages, onSent }: { messages: Message[]; onSent: (message: Message) => void }) {
  const [optimisticMessages, addOptimisticMessage] = useOptimistic<Shown[], string>(
    messages,
    (state, newMessage) => [...state, { message: newMessage, sending: true }],
  );
  const [error, setError] = useState('');

  const formAction = async (formData: FormData) => {
    const message = formData.get('message') as string;
    addOptimisticMessage(message);
    setError('');
    try {
      const sent = await send(message);
      startTransition(() => onSent(sent));
    } catch (e) {
      setError(e instanceof ActumError ? (e.field('message') ?? e.message) : String(e));
    }
  };

  return (
    <div>
      <ul id="messages">
        {optimisticMessages.map((m, i) => (
          <li key={i} data-sending={m.sending ? '' : undefined}>
            {m.message}
            {m.sending && <small> (sending…)</small>}
          </li>
        ))}
      </ul>
      <form action={formAction}>
        <input type="text" name="message" aria-label="Message" />
        <button type="submit">Send</button>
      </form>
      <p role="alert" id="thread-error">{error}</p>
    </div>
  );
}
