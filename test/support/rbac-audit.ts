// RBAC checked against the API sandbox's audit log: the permissions a set of rules grants and the ones the
// controller's requests needed, in one notation, so a test compares them as two sorted lists.
import type { AuditEntry } from '../../dev/sandbox/sandbox.js';

/** An RBAC rule as read from a Role or ClusterRole. */
export interface Rule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs: readonly string[];
}
/** One permission: verb on group/resource, either cluster-wide or in kube-lego's own namespace. */
function permission(
  verb: string,
  group: string,
  resource: string,
  scope: 'cluster' | 'own-namespace',
): string {
  return `${scope} ${verb} ${group === '' ? 'core' : group}/${resource}`;
}

/** The permissions `rules` grant, in `scope`. */
export function grants(rules: readonly Rule[], scope: 'cluster' | 'own-namespace'): string[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) =>
        rule.verbs.map((verb) => permission(verb, group, resource, scope)),
      ),
    ),
  );
}

/** The API group of an audited request, from its path (`/api/v1/...` is the core group ''). */
function groupOf(entry: AuditEntry): string {
  const match = /^\/apis\/([^/]+)\//.exec(entry.path);
  return match?.[1] ?? '';
}

/**
 * The minimum permissions behind the controller's requests: a (verb, resource) used only in kube-lego's own
 * namespace needs a Role there; used anywhere else (or across all namespaces) it needs the ClusterRole.
 */
export function neededPermissions(
  audit: readonly AuditEntry[],
  controller: { readonly user: string; readonly ownNamespace: string },
): string[] {
  const namespaces = new Map<string, Set<string>>();
  for (const entry of audit) {
    if (entry.user !== controller.user || entry.resource === '') continue;
    // Every authenticated user may ask what it may do (the default system:basic-user ClusterRole).
    if (entry.resource === 'selfsubjectaccessreviews') continue;
    const key = `${entry.verb} ${groupOf(entry)} ${entry.resource}`;
    const seen = namespaces.get(key) ?? new Set<string>();
    seen.add(entry.namespace);
    namespaces.set(key, seen);
  }
  return [...namespaces].map(([key, seen]) => {
    const [verb = '', group = '', resource = ''] = key.split(' ');
    const scope = seen.size === 1 && seen.has(controller.ownNamespace) ? 'own-namespace' : 'cluster';
    return permission(verb, group, resource, scope);
  });
}
