import type { ConfigProblem, ConfigProblemCode, ConfigWarning, ConfigWarningCode } from './config.js';
import { parseGoDuration } from './go-duration.js';
import { CONFIG_VARIABLES, type ConfigVariableName } from './variables.js';

/** Variables whose value must never be echoed in a message. */
const secretVariables: ReadonlySet<ConfigVariableName> = new Set([
  'LEGO_EAB_HMAC_KEY',
  'LEGO_DNS01_RFC2136_TSIG_SECRET',
]);

const defaults: ReadonlyMap<string, string | undefined> = new Map(
  CONFIG_VARIABLES.map((variable) => [variable.name, variable.defaultValue]),
);

export interface DurationRule {
  /** Smallest accepted value in milliseconds (inclusive). */
  readonly minMs: number;
  /** What to say when the value is below `minMs`, e.g. `the minimum check interval is 5 minutes`. */
  readonly belowMinimum: string;
}

/**
 * Reads catalogued variables from an environment snapshot, collecting every problem and warning instead of
 * stopping at the first. As in kube-lego (Go's os.Getenv), an empty value counts as unset.
 */
export class EnvironmentReader {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: ConfigWarning[] = [];
  readonly #values: ReadonlyMap<ConfigVariableName, string | undefined>;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    // Read every catalogued variable exactly once, and nothing else.
    this.#values = new Map(
      CONFIG_VARIABLES.map((variable) => {
        const value = env[variable.name];
        return [variable.name, value === '' ? undefined : value];
      }),
    );
  }

  /** The value as set, or undefined when unset or empty. */
  raw(name: ConfigVariableName): string | undefined {
    return this.#values.get(name);
  }

  /** Whether the variable has a non-empty value. */
  isSet(name: ConfigVariableName): boolean {
    return this.raw(name) !== undefined;
  }

  /** The value, else the documented default (which must exist for this variable). */
  text(name: ConfigVariableName): string {
    return this.raw(name) ?? defaults.get(name) ?? '';
  }

  /** `Cannot use NAME="value"` (or `Cannot use NAME (value hidden)` for secrets). */
  subject(name: ConfigVariableName, value: string): string {
    return secretVariables.has(name)
      ? `Cannot use ${name} (value hidden)`
      : `Cannot use ${name}=${JSON.stringify(value)}`;
  }

  problem(code: ConfigProblemCode, variable: ConfigVariableName, message: string): void {
    this.problems.push({ code, variable, message });
  }

  invalid(name: ConfigVariableName, value: string, reason: string): void {
    this.problem('CONFIG_INVALID', name, `${this.subject(name, value)}: ${reason}`);
  }

  warn(code: ConfigWarningCode, variable: ConfigVariableName, message: string): void {
    this.warnings.push({ code, variable, message });
  }

  /** A Go duration in milliseconds; on a problem, records it and returns the default's value. */
  duration(name: ConfigVariableName, rule: DurationRule): number {
    return this.durationOf(name, this.text(name), rule);
  }

  /** Like `duration`, for a value read under `name` through an alias. */
  durationOf(name: ConfigVariableName, value: string, rule: DurationRule): number {
    const fallback = parseGoDuration(defaults.get(name) ?? '0') ?? 0;
    const parsed = parseGoDuration(value);
    if (parsed === undefined) {
      this.invalid(
        name,
        value,
        'not a duration, expected Go duration syntax such as 90s, 5m, 8h or 1h30m (no d unit)',
      );
      return fallback;
    }
    if (parsed < rule.minMs) {
      this.invalid(name, value, rule.belowMinimum);
      return fallback;
    }
    return parsed;
  }

  /** A decimal integer (Go strconv.Atoi syntax) within [min, max]. */
  integer(
    name: ConfigVariableName,
    range: { readonly min: number; readonly max: number; readonly accepted: string },
  ): number {
    const value = this.text(name);
    const fallback = Number(defaults.get(name) ?? '0');
    if (!/^[+-]?\d+$/.test(value)) {
      this.invalid(name, value, `not an integer, accepted ${range.accepted}`);
      return fallback;
    }
    const parsed = Number(value);
    if (parsed < range.min || parsed > range.max) {
      this.invalid(name, value, `out of range, accepted ${range.accepted}`);
      return fallback;
    }
    return parsed;
  }

  /** `true` or `false`, case-insensitive. */
  boolean(name: ConfigVariableName): boolean {
    const value = this.text(name);
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    this.invalid(name, value, 'not a boolean, accepted values are true and false');
    return defaults.get(name) === 'true';
  }

  /** One of `choices`, case-insensitive; returns the lower-cased choice. */
  choice<T extends string>(name: ConfigVariableName, choices: readonly T[]): T | undefined {
    const value = this.text(name);
    const lower = value.toLowerCase();
    const found = choices.find((choice) => choice === lower);
    if (found === undefined) {
      this.invalid(name, value, `accepted values are ${choices.join(', ')}`);
    }
    return found;
  }
}
