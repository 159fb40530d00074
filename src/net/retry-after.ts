/**
 * Parses an HTTP `Retry-After` header (RFC 9110 §10.2.3) into a delay in milliseconds from `nowMs`.
 *
 * Accepts both forms: a non-negative number of seconds (`"120"`) and an HTTP date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`). A date in the past gives 0. Anything else gives `undefined`,
 * so a garbled header never turns into a hot retry loop or a retry years away by accident.
 *
 * @example parseRetryAfter('3', Date.now()) // 3000
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  nowMs: number,
): number | undefined {
  const header: string | undefined = typeof value === 'string' || value === undefined ? value : value[0];
  if (typeof header !== 'string') return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined;
  }
  // Only the date forms RFC 9110 allows start with a day name; Date.parse alone would accept "1 2 3".
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const atMs = Date.parse(text);
  if (Number.isNaN(atMs)) return undefined;
  return Math.max(0, atMs - nowMs);
}
