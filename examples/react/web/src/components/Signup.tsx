// The seeds' Signup: useActionState with server validation; a success redirects to /dashboard.
import { useActionState, useState } from 'react';
import { createUserWithState } from '../actions';
import { SubmitButton } from './SubmitButton';

export function Signup() {
  const [state, formAction, pending] = useActionState(createUserWithState, {});
  // Controlled, so that React's reset of the form after the action keeps what was typed.
  const [email, setEmail] = useState('');
  const error = state.error?.field('email');
  return (
    <form action={formAction} aria-busy={pending}>
      <label htmlFor="email">Email</label>
      <input
        type="text"
        id="email"
        name="email"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby="email-error"
      />
      <p id="email-error" aria-live="polite">{error ?? state.error?.message}</p>
      <SubmitButton />
    </form>
  );
}
