const nanosecondsPerUnit: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 MICRO SIGN
  μs: 1e3, // U+03BC GREEK SMALL LETTER MU
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

// Go's time.Duration is an int64 of nanoseconds: anything from 2^63 on is a parse error there.
const nanosecondsLimit = 2 ** 63;

const component = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;

/**
 * Parses Go duration syntax (`time.ParseDuration`): `30s`, `5m`, `720h`, `1h30m`, `1.5h`, `300ms`, `-2m`, `0`.
 * Returns milliseconds (possibly fractional), or undefined when Go would reject the text. There is no `d` unit.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let totalNs = 0;
  while (rest !== '') {
    const match = component.exec(rest);
    if (match === null) return undefined;
    const [whole, integer = '', fraction, unit = ''] = match;
    // Go needs a digit on at least one side of the point: "1.h" and ".5h" parse, "."+unit does not.
    if (integer === '' && (fraction === undefined || fraction === '')) return undefined;
    const perUnit = nanosecondsPerUnit[unit];
    if (perUnit === undefined) return undefined;
    const value = Number(`${integer === '' ? '0' : integer}.${fraction ?? ''}0`);
    totalNs += value * perUnit;
    if (totalNs >= nanosecondsLimit) return undefined;
    rest = rest.slice(whole.length);
  }
  return (sign * totalNs) / 1e6;
}
