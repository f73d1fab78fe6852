// The seeds' SubmitButton: disabled while its form's action runs (useFormStatus).
import { useFormStatus } from 'react-dom';

export function SubmitButton() {
  const { pending } = useFormStatus();
  return (
    <button disabled={pending} type="submit">
      {pending ? 'Signing up…' : 'Sign up'}
    </button>
  );
}
