/** JSON with sorted object keys: the API server may return fields in another order than we sent. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Whether two API values are equal up to the order of object keys (routing objects are written only on change). */
export function sameContent(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
