import type { Config } from './config/config.js';
import type { Logger } from './log/logger.js';

/** Raised when this build lacks a part the command needs. */
export class NotAvailableError extends Error {
  readonly code = 'NOT_AVAILABLE';
  override readonly name = 'NotAvailableError';
}

/**
 * Composition root: builds the adapters from the configuration and runs the controller until it is stopped.
 * This build has no controller yet, so it rejects with NotAvailableError instead of pretending to run.
 */
export function startController(_config: Config, _logger: Logger): Promise<void> {
  return Promise.reject(
    new NotAvailableError('Cannot start the controller: it is not available in this build of kube-lego'),
  );
}
