import { Component, type ReactNode } from 'react';
import { ActumError } from '../actions';

interface State {
  error: Error | null;
}

/** Where a form action's error lands (the seeds' `error.js`): its message, and the digest. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const digest = error instanceof ActumError && error.digest ? ` (digest ${error.digest})` : '';
    return (
      <div role="alert" className="error-boundary">
        <p>{error.message + digest}</p>
        {error instanceof ActumError &&
          error.fields.map((f) => <p key={f.field}>{`${f.field}: ${f.message}`}</p>)}
        <button type="button" onClick={() => this.setState({ error: null })}>Try again</button>
      </div>
    );
  }
}
