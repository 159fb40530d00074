/** Bearer-token authentication and an RBAC-like rule table, with the real server's 401/403 wording. */
import { ApiError, qualifiedResource } from './api-error.js';

/** An RBAC PolicyRule, plus an optional namespace scope (what a RoleBinding would give). */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  /** Namespaces the rule applies in; omitted = every namespace and cluster-scoped resources. */
  readonly namespaces?: readonly string[];
}

/** A user the sandbox knows, by bearer token. Without `rules` the user is an administrator. */
export interface SandboxUser {
  readonly name: string;
  readonly groups?: readonly string[];
  readonly rules?: readonly PolicyRule[];
}

/** What a request wants to do, as the authorizer sees it. */
export interface RequestAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

function matchesList(list: readonly string[] | undefined, value: string): boolean {
  return list === undefined || list.includes('*') || list.includes(value);
}

/** Whether `user` may do `attrs`. Admins (no rules) may do everything. */
export function isAllowed(user: SandboxUser, attrs: RequestAttributes): boolean {
  if (user.rules === undefined) return true;
  const resource = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  return user.rules.some(
    (rule) =>
      matchesList(rule.verbs, attrs.verb) &&
      matchesList(rule.apiGroups ?? ['*'], attrs.group) &&
      matchesList(rule.resources ?? ['*'], resource) &&
      (rule.resourceNames === undefined ||
        rule.resourceNames.length === 0 ||
        rule.resourceNames.includes(attrs.name)) &&
      (rule.namespaces === undefined ||
        (attrs.namespace !== '' && rule.namespaces.includes(attrs.namespace))),
  );
}

/** 403 worded like kube-apiserver's RBAC authorizer. */
export function forbidden(user: SandboxUser, attrs: RequestAttributes): ApiError {
  const qualified = qualifiedResource(attrs.resource, attrs.group);
  const subject = attrs.name === '' ? qualified : `${qualified} "${attrs.name}"`;
  const resource = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const scope = attrs.namespace === '' ? 'at the cluster scope' : `in the namespace "${attrs.namespace}"`;
  return new ApiError(
    403,
    'Forbidden',
    `${subject} is forbidden: User "${user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}`,
    { target: { name: attrs.name, group: attrs.group, kind: attrs.resource } },
  );
}

/** 401 for a missing or unknown token. */
export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

/** Resolves the user of an `Authorization` header, or undefined. */
export function authenticate(
  header: string | undefined,
  users: ReadonlyMap<string, SandboxUser>,
): SandboxUser | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] === undefined ? undefined : users.get(match[1]);
}
