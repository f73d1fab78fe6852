import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadSnapshot } from './api';

const root = createRoot(document.getElementById('root')!);
loadSnapshot().then(
  (snapshot) => root.render(<App initial={snapshot} />),
  (error: unknown) => root.render(<p role="alert">{String(error)}</p>),
);
