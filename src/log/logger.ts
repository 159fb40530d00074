import { formatJsonEntry } from './json-format.js';
import type { LogContext } from './log-context.js';
import type { LogEntry, EntryFields, LogLevel, LogType, LogValue } from './log-entry.js';
import { Redactor } from './redactor.js';
import { formatTextEntry } from './text-format.js';

/** Fields of a log line; `context` is one of the closed set of log contexts. */
export type LoggerFields = EntryFields & { readonly context?: LogContext };

/** kube-lego's structured logger (logrus-compatible output). */
export interface Logger {
  debug(msg: string, fields?: LoggerFields): void;
  info(msg: string, fields?: LoggerFields): void;
  warn(msg: string, fields?: LoggerFields): void;
  error(msg: string, fields?: LoggerFields): void;
  /** A logger that adds `fields` to every line (later fields win), e.g. `logger.with({ context: 'acme', domain })`. */
  with(fields: LoggerFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

/** Where log lines go: stderr in production, a capturing stream in tests. */
export interface LogSink {
  write(line: string): unknown;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogType;
  readonly sink: LogSink;
  /** Scrubs private keys and registered secrets; a fresh one (private keys only) by default. */
  readonly redactor?: Redactor;
  /** Clock for the `time` field; the wall clock by default. */
  readonly now?: () => Date;
}

const severity: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

function redactValue(value: LogValue, redactor: Redactor): LogValue {
  if (typeof value === 'string') return redactor.redact(value);
  if (value instanceof Error) return new Error(redactor.redact(value.message));
  if (Array.isArray(value)) {
    return value.map((item: string | number) => (typeof item === 'string' ? redactor.redact(item) : item));
  }
  return value;
}

function redactFields(fields: EntryFields, redactor: Redactor): EntryFields {
  const redacted: Record<string, LogValue> = {};
  for (const [key, value] of Object.entries(fields)) redacted[key] = redactValue(value, redactor);
  return redacted;
}

/** Creates a logger writing kube-lego's text or JSON lines to `sink`, dropping lines below `level`. */
export function createLogger(options: LoggerOptions): Logger {
  const redactor = options.redactor ?? new Redactor();
  const now = options.now ?? (() => new Date());
  const format = options.format === 'json' ? formatJsonEntry : formatTextEntry;
  const threshold = severity[options.level];

  const build = (bound: EntryFields): Logger => {
    const log = (level: LogLevel, msg: string, fields: EntryFields | undefined): void => {
      if (severity[level] < threshold) return;
      const entry: LogEntry = {
        time: now(),
        level,
        msg: redactor.redact(msg),
        fields: redactFields({ ...bound, ...fields }, redactor),
      };
      options.sink.write(format(entry));
    };
    return {
      debug: (msg, fields) => {
        log('debug', msg, fields);
      },
      info: (msg, fields) => {
        log('info', msg, fields);
      },
      warn: (msg, fields) => {
        log('warn', msg, fields);
      },
      error: (msg, fields) => {
        log('error', msg, fields);
      },
      with: (fields) => build({ ...bound, ...fields }),
      isLevelEnabled: (level) => severity[level] >= threshold,
    };
  };
  return build({});
}
