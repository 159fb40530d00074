/** The Kubernetes verb and resource of one REST request, as the API server's audit log names them. */
export interface ApiRequestKind {
  /** get, list, watch, create, update, patch, delete, deletecollection; the lower-case method otherwise. */
  readonly verb: string;
  /** The plural resource (`secrets`, `ingresses`, `events`), with `/subresource` when there is one; the path for non-resource URLs (`/version`). */
  readonly resource: string;
}

/**
 * Names a request by verb and resource from its method, path and query, so metrics have a bounded label set:
 * object names and namespaces never appear. `/api/v1/...` and `/apis/<group>/<version>/...` are resource
 * paths; anything else is a non-resource URL.
 */
export function apiRequestKind(
  method: string,
  path: string,
  query: Readonly<Record<string, string | undefined>>,
): ApiRequestKind {
  const segments =
    path
      .split('?')[0]
      ?.split('/')
      .filter((s) => s !== '') ?? [];
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) rest = segments.slice(2);
  else if (segments[0] === 'apis' && segments.length >= 3) rest = segments.slice(3);
  else return { verb: method.toLowerCase(), resource: path };
  // `namespaces/<ns>/<resource>...` addresses a namespaced resource; `namespaces` or `namespaces/<ns>` the namespaces.
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource, name, subresource] = rest;
  if (resource === undefined) return { verb: method.toLowerCase(), resource: path };
  const named = name !== undefined;
  return {
    verb: verbOf(method, named, query['watch'] === 'true' || query['watch'] === '1'),
    resource: subresource === undefined ? resource : `${resource}/${subresource}`,
  };
}

function verbOf(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}
