/**
 * The host name of an HTTP request's Host header, lower-cased, without the port and without a
 * trailing dot. IPv6 literals (`[2001:db8::1]:8080`) keep their colons: kube-lego 0.1.7 cut the header
 * at the first colon, so challenges for IPv6 addresses could never match. `undefined` for a missing or
 * malformed header.
 */
export function requestHost(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    const rest = value.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    const literal = value.slice(1, end);
    return literal === '' ? undefined : literal;
  }
  const colon = value.indexOf(':');
  if (colon >= 0 && (value.indexOf(':', colon + 1) >= 0 || !/^\d{1,5}$/.test(value.slice(colon + 1)))) {
    return undefined;
  }
  const name = (colon >= 0 ? value.slice(0, colon) : value).replace(/\.$/, '');
  return name === '' ? undefined : name;
}
