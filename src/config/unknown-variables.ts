import type { ConfigWarning } from './config.js';
import { CONFIG_VARIABLES } from './variables.js';

/** The variable names kube-lego reads; any other `LEGO_` variable is a typo or a leftover. */
const KNOWN: readonly string[] = CONFIG_VARIABLES.map((variable) => variable.name);

/** Levenshtein distance (insertions, deletions, substitutions), for naming the intended variable. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known variable closest to `name` (ties: the first in documentation order). */
export function closestVariable(name: string): string {
  let best = KNOWN[0] ?? '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of KNOWN) {
    const distance = editDistance(name, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * A warning for each `LEGO_` variable set (non-empty) in `env` that kube-lego does not read, most likely a
 * typo (`LEGO_EMIAL`), naming the closest known variable. Values are never echoed. Kept apart from
 * loadConfig(), which reads the documented variables only and never enumerates the environment.
 */
export function unknownVariableWarnings(env: Readonly<Record<string, string | undefined>>): ConfigWarning[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('LEGO_') && !KNOWN.includes(name) && (env[name] ?? '') !== '')
    .sort()
    .map((name) => ({
      code: 'CONFIG_UNKNOWN_VARIABLE',
      variable: name,
      message: `Ignoring ${name}: kube-lego has no such variable, did you mean ${closestVariable(name)}? (docs/configuration.md lists them all)`,
    }));
}
