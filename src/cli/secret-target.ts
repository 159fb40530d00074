/**
 * Reads a command's `NAMESPACE/SECRET` argument; a bare `SECRET` is in `defaultNamespace` (`-n`, else the
 * kubeconfig context's namespace), as kubectl's own arguments are.
 */
export function secretTarget(text: string, defaultNamespace: string): { namespace: string; name: string } {
  const parts = text.split('/');
  const [first, second] = parts;
  if (parts.length === 1 && first !== undefined && first !== '')
    return { namespace: defaultNamespace, name: first };
  if (parts.length === 2 && first !== undefined && first !== '' && second !== undefined && second !== '')
    return { namespace: first, name: second };
  throw new RangeError(
    `Cannot read "${text}" as a Secret: expected NAMESPACE/SECRET or SECRET, e.g. default/web-tls`,
  );
}
