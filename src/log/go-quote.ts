const shortEscapes: ReadonlyMap<number, string> = new Map([
  [0x07, '\\a'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x0b, '\\v'],
  [0x5c, '\\\\'],
  [0x22, '\\"'],
]);

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex(codePoint: number, width: number): string {
  return codePoint.toString(16).padStart(width, '0');
}

/**
 * Go's `strconv.Quote` (what `fmt.Sprintf("%q", s)` prints): a double-quoted string with Go escapes for control
 * and non-printable characters; printable non-ASCII characters stay as they are.
 */
export function goQuote(text: string): string {
  let quoted = '"';
  for (const character of text) {
    let codePoint = character.codePointAt(0) ?? 0;
    // A lone surrogate reaches Go as the UTF-8 of U+FFFD (Node's encoding), which Go prints as is.
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint = 0xfffd;
    const short = shortEscapes.get(codePoint);
    if (short !== undefined) quoted += short;
    else if (codePoint < 0x20 || codePoint === 0x7f) quoted += `\\x${hex(codePoint, 2)}`;
    else if (printable.test(String.fromCodePoint(codePoint))) quoted += String.fromCodePoint(codePoint);
    else if (codePoint < 0x10000) quoted += `\\u${hex(codePoint, 4)}`;
    else quoted += `\\U${hex(codePoint, 8)}`;
  }
  return `${quoted}"`;
}
