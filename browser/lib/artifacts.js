// Where tests keep their screenshots (browser/test-results/, not committed): the key states of
// each flow, to look at when a test fails or a page changes.

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
mkdirSync(dir, { recursive: true });

/**
 * The path of an artifact file.
 * @param {string} name
 */
export function artifact(name) {
  return path.join(dir, name);
}
