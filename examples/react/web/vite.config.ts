// `npm run build` writes dist/, which the Rust app serves; `npm run dev` serves the app with hot
// reload and sends action calls and /api to the Rust app (`cargo run -p actum-example-react`).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const rust = 'http://127.0.0.1:3001';

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/_actum': rust, '/api': rust } },
});
