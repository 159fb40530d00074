/** A structured log field value (kube-lego prints lists as `[a b]`). */
export type LogFieldValue = string | number | boolean | readonly string[];

/**
 * Structured fields of one log line (`context`, `name`, `namespace`, `domains`, `expire_time`, ...):
 * decisions carry them, the Log port takes them.
 */
export type LogFields = Readonly<Record<string, LogFieldValue | undefined>>;
