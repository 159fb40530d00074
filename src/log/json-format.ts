import {
  LOGRUS_LEVEL_NAMES,
  rfc3339Seconds,
  withoutClashes,
  type LogEntry,
  type LogValue,
} from './log-entry.js';

type JsonValue = string | number | boolean | null | readonly (string | number)[];

function jsonValue(value: LogValue): JsonValue {
  if (value === undefined || value === null) return null;
  // logrus's JSONFormatter turns errors into their message; Go marshals time.Time as RFC 3339.
  if (value instanceof Error) return value.message;
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** Go's encoding/json escapes <, >, & and the JavaScript line separators; JSON.stringify does not. */
function goJsonEscapes(json: string): string {
  return json
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/**
 * One logrus JSONFormatter line: an object with `level`, `msg`, `time` and the fields, keys sorted as Go
 * marshals maps: `{"context":"kubelego","level":"info","msg":"kube-lego 1.0.0 starting","time":"..."}`.
 */
export function formatJsonEntry(entry: LogEntry): string {
  const object: Record<string, JsonValue> = {};
  for (const [key, value] of withoutClashes(entry.fields)) object[key] = jsonValue(value);
  object.level = LOGRUS_LEVEL_NAMES[entry.level];
  object.msg = entry.msg;
  object.time = rfc3339Seconds(entry.time);
  const sorted = Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${goJsonEscapes(JSON.stringify(sorted))}\n`;
}
