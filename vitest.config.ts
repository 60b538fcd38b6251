import { defineConfig } from 'vitest/config';

// The suite runs on shared, busy machines: a test checks behaviour, never how fast the machine is. Tests that
// simulate real workloads also carry their own, larger timeouts; speed targets live in `npm run bench`.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
