/** A structured log field value (kube-lego prints lists as `[a b]`). */
export type LogFieldValue = string | number | boolean | readonly string[];

/** Structured fields of one log line (`context`, `name`, `namespace`, `domains`, ...). */
export type LogFields = Readonly<Record<string, LogFieldValue | undefined>>;

/** The logging the controller needs; the composition root adapts the project logger to it. */
export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Log;
}
