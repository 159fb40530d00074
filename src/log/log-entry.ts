/** Log levels, in increasing severity (`LEGO_LOG_LEVEL`). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** How lines are written (`LEGO_LOG_TYPE`): logrus text or JSON lines. */
export type LogType = 'text' | 'json';

/** A value a log field may hold; formatted as logrus formats the matching Go value. */
export type LogValue =
  string | number | boolean | bigint | null | undefined | Error | Date | readonly (string | number)[];

/** The fields of one entry, as the logger accepts them (wider than the Log port's: errors, dates). */
export type EntryFields = Readonly<Record<string, LogValue>>;

/** One log line before formatting; values are already redacted. */
export interface LogEntry {
  readonly time: Date;
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: EntryFields;
}

/** logrus's level names: warn is printed as "warning". */
export const LOGRUS_LEVEL_NAMES: Readonly<Record<LogLevel, string>> = {
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  error: 'error',
};

/** logrus renames data fields that clash with its own keys (prefixFieldClashes). */
export function withoutClashes(fields: EntryFields): [string, LogValue][] {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => [
      key === 'time' || key === 'msg' || key === 'level' ? `fields.${key}` : key,
      value,
    ]);
}

/** RFC 3339 in UTC with whole seconds: logrus's default timestamp (Go's time.RFC3339). */
export function rfc3339Seconds(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
