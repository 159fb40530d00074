// Kubernetes' rules for the names and keys kube-lego is configured with (apimachinery's
// validation: IsDNS1123Label, IsDNS1123Subdomain, IsQualifiedName). A name that breaks them is refused
// at start-up instead of by the API server on the first request.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Why `value` is not a namespace name (a DNS-1123 label), or undefined when it is one. */
export function namespaceNameProblem(value: string): string | undefined {
  if (value.length > 63) return `not a namespace name, at most 63 characters (it has ${value.length})`;
  if (!DNS1123_LABEL.test(value)) {
    return 'not a namespace name, expected lower-case letters, digits and "-", starting and ending with a letter or digit, such as kube-lego';
  }
  return undefined;
}

/** Why `value` is not an object name such as a Secret's (a DNS-1123 subdomain), or undefined. */
export function objectNameProblem(value: string, kind: string): string | undefined {
  if (value.length > 253) return `not a ${kind} name, at most 253 characters (it has ${value.length})`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return `not a ${kind} name, expected lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, such as kube-lego-account`;
  }
  return undefined;
}

/** Why `value` is not an annotation key (`[prefix/]name`), or undefined when it is one. */
export function annotationKeyProblem(value: string): string | undefined {
  const expected =
    'expected an optional DNS subdomain prefix and "/" then a name of at most 63 letters, digits, "-", "_" and ".", such as kubernetes.io/tls-acme';
  const parts = value.split('/');
  if (parts.length > 2) return `not an annotation key, it has more than one "/"; ${expected}`;
  const name = parts.length === 2 ? (parts[1] ?? '') : value;
  const prefix = parts.length === 2 ? parts[0] : undefined;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return `not an annotation key, its prefix ${JSON.stringify(prefix)} is not a lower-case DNS subdomain; ${expected}`;
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `not an annotation key, its name ${JSON.stringify(name)} is not valid; ${expected}`;
  }
  return undefined;
}
