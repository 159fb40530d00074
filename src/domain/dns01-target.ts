// Pure decisions of the dns-01 solver: where the TXT record goes after `_acme-challenge` CNAMEs, and which
// configured zone holds it. The lookups themselves are the adapter's.

/** How many CNAMEs are followed from `_acme-challenge.<name>` before giving up (RFC 1034 §3.6.2 chains). */
export const MAX_CNAME_DEPTH = 8;

/** A name compared and printed as DNS compares it: lower-case, no final dot. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The configured zone that contains `name` (the longest, so a delegated child zone wins), if any. */
export function zoneOf(name: string, zones: readonly string[]): string | undefined {
  const target = canonicalName(name);
  let best: string | undefined;
  for (const zone of zones.map(canonicalName)) {
    const inside = target === zone || target.endsWith(`.${zone}`);
    if (inside && (best === undefined || zone.length > best.length)) best = zone;
  }
  return best;
}

/** The next step after looking up the CNAME at the last name of `chain` (`target`: its CNAME, if any). */
export type CnameStep =
  | { readonly kind: 'write'; readonly name: string }
  | { readonly kind: 'follow'; readonly name: string }
  | { readonly kind: 'loop' | 'tooDeep'; readonly detail: string };

/**
 * Follows one CNAME of the chain that starts at `_acme-challenge.<name>`: no CNAME means the last name is
 * where the TXT record is written; a name seen before is a loop; more than `MAX_CNAME_DEPTH` CNAMEs is refused.
 */
export function nextCnameStep(chain: readonly string[], target: string | undefined): CnameStep {
  const last = chain.at(-1) ?? '';
  if (target === undefined) return { kind: 'write', name: canonicalName(last) };
  const next = canonicalName(target);
  const path = [...chain.map(canonicalName), next].join(' -> ');
  if (chain.some((name) => canonicalName(name) === next)) {
    return { kind: 'loop', detail: `the CNAMEs form a loop (${path})` };
  }
  if (chain.length > MAX_CNAME_DEPTH) {
    return { kind: 'tooDeep', detail: `more than ${MAX_CNAME_DEPTH} CNAMEs in a row (${path})` };
  }
  return { kind: 'follow', name: next };
}
