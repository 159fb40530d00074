/** The `rel="alternate"` targets of a Link header (RFC 8288), resolved against the request URL. */
export function alternateLinks(header: string | readonly string[] | undefined, base: string): string[] {
  if (header === undefined) return [];
  const values = typeof header === 'string' ? [header] : header;
  const links: string[] = [];
  for (const value of values) {
    for (const part of value.split(/,\s*(?=<)/)) {
      const match = /^\s*<([^>]*)>(.*)$/.exec(part);
      if (match === null) continue;
      const [, target = '', params = ''] = match;
      if (/;\s*rel="?([^";]*\s)?alternate(\s[^";]*)?"?\s*(;|$)/i.test(params))
        links.push(new URL(target, base).toString());
    }
  }
  return links;
}
