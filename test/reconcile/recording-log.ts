import type { LogFields } from '../../src/domain/log-fields.js';
import type { Log } from '../../src/ports/log.js';

/** One captured log line. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A Log that records every line (bound fields merged), for assertions on kube-lego's log lines. */
export function recordingLog(lines: LogLine[], bound: LogFields = {}): Log {
  const write =
    (level: LogLine['level']) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields: { ...bound, ...fields } });
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    with: (fields) => recordingLog(lines, { ...bound, ...fields }),
  };
}
