import { defineConfig } from 'vitest/config';

// The development machine is a shared 2-core box: a whole-trace run that takes 1 s alone can take many times that
// under load, so no test relies on vitest's 5 s default. Speed targets live in `npm run bench`, not in timeouts.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
