// Starts the conformance fixture (`actum-conformance`, built by cargo) on a free port of
// 127.0.0.1 for one test file, and stops it when the file is done.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The fixture binary: $ACTUM_CONFORMANCE_BIN, else the debug build in the workspace. */
export function fixtureBinary() {
  return process.env.ACTUM_CONFORMANCE_BIN ?? path.join(root, 'target', 'debug', 'actum-conformance');
}

/** The example app: $ACTUM_EXAMPLE_BIN, else the debug build in the workspace. */
export function exampleBinary() {
  return process.env.ACTUM_EXAMPLE_BIN ?? path.join(root, 'target', 'debug', 'actum-example-app');
}

/**
 * Starts the fixture with `--test-endpoints` and resolves with `{ url, log, stop }` once it
 * prints `listening on …`.
 * @param {string[]} [extraArgs]
 * @param {Record<string, string>} [env]
 */
export function startFixture(extraArgs = [], env = {}) {
  return startServer(fixtureBinary(), ['--port', '0', '--test-endpoints', ...extraArgs], env);
}

/**
 * Starts a server binary and resolves with `{ url, log, stop }` once it prints
 * `listening on http://127.0.0.1:N`.
 * @param {string} binary
 * @param {string[]} args
 * @param {Record<string, string>} env
 * @returns {Promise<{ url: string, log: () => string, stop: () => void }>}
 */
export function startServer(binary, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${binary} did not start within 20 s:\n${output}`));
    }, 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${binary}: ${err.message} (build it with cargo first)`));
    });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], log: () => output, stop: () => child.kill() });
      }
    });
  });
}

/**
 * How many times each action's body ran (`GET /__log`).
 * @param {string} url
 * @returns {Promise<Record<string, number>>}
 */
export async function runs(url) {
  const response = await fetch(`${url}/__log`);
  return response.json();
}
