import type { Log } from '../../src/ports/log.js';

/** A Log that drops every line, for tests that assert outcomes rather than log output. */
export const silentLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  with: () => silentLog,
};
