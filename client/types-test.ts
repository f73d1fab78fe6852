// Checked by `npm run check`, never run: a page's script uses actum.d.ts as intended (the import
// below resolves to the .d.ts; actum.js itself is checked from its JSDoc).
import * as declared from './actum.js';

export async function example(form: HTMLFormElement): Promise<void> {
  document.addEventListener('actum:end', (event) => {
    const envelope: declared.Envelope | null = event.detail;
    void envelope;
  });
  form.addEventListener('actum:error', (event) => {
    const status: number = event.detail.status;
    void status;
  });
  form.addEventListener('actum:stale', (event) => {
    const restored: string[] = event.detail.fields;
    if (restored.length) event.preventDefault();
  });
  try {
    await declared.call(form);
    await declared.call(form, undefined, { signal: AbortSignal.timeout(5000) });
    await declared.call('/_actum/todos.add_todo.5e1f09c2', { title: 'Buy milk' });
  } catch (error) {
    if (error instanceof declared.ActumError) console.log(error.fields, error.digest);
  }
}
