import { goQuote } from './go-quote.js';
import {
  LOGRUS_LEVEL_NAMES,
  rfc3339Seconds,
  withoutClashes,
  type LogEntry,
  type LogValue,
} from './log-entry.js';

const bare = /^[A-Za-z0-9\-._/@^+]*$/;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Go's time.Time String() for a UTC time: `2018-09-01 10:00:00.5 +0000 UTC`. */
function goTimeString(time: Date): string {
  const fraction =
    time.getUTCMilliseconds() === 0 ? '' : `.${pad(time.getUTCMilliseconds(), 3).replace(/0+$/, '')}`;
  return (
    `${pad(time.getUTCFullYear(), 4)}-${pad(time.getUTCMonth() + 1)}-${pad(time.getUTCDate())} ` +
    `${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())}${fraction} +0000 UTC`
  );
}

/** fmt.Sprint of the Go value the field stands for. */
function sprint(value: LogValue): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '<nil>';
  if (value instanceof Error) return value.message;
  if (value instanceof Date) return goTimeString(value);
  if (Array.isArray(value)) return `[${value.map(String).join(' ')}]`;
  return String(value);
}

/** logrus TextFormatter.appendValue: bare when only `[A-Za-z0-9-._/@^+]`, else Go-quoted; empty stays bare. */
function textValue(value: LogValue): string {
  const text = sprint(value);
  return bare.test(text) ? text : goQuote(text);
}

/**
 * One logrus TextFormatter line (no colours, as when not on a terminal):
 * `time="2018-02-10T17:44:12Z" level=info msg="requesting certificate" context=ingress_tls name=web`.
 * Fields follow `msg` in sorted key order; `msg` is left out when empty, as logrus does.
 */
export function formatTextEntry(entry: LogEntry): string {
  const pairs: string[] = [
    `time=${textValue(rfc3339Seconds(entry.time))}`,
    `level=${LOGRUS_LEVEL_NAMES[entry.level]}`,
  ];
  if (entry.msg !== '') pairs.push(`msg=${textValue(entry.msg)}`);
  const fields = withoutClashes(entry.fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of fields) pairs.push(`${key}=${textValue(value)}`);
  return `${pairs.join(' ')}\n`;
}
