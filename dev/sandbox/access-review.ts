/** The self reviews kubectl sends: `auth can-i` (SelfSubjectAccessReview) and `auth whoami` (SelfSubjectReview). */
import { isAllowed, type SandboxUser } from './access-control.js';
import { badRequest } from './api-error.js';
import { childObject, childString, isJsonObject, type JsonObject, type JsonValue } from './json.js';

/** The SelfSubjectReview (`kubectl auth whoami`) of a user. */
export function selfReview(user: SandboxUser): JsonObject {
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { userInfo: { username: user.name, groups: [...(user.groups ?? []), 'system:authenticated'] } },
  };
}

/** Answers a SelfSubjectAccessReview (`kubectl auth can-i`) from the user's rules. */
export function accessReview(body: JsonValue, user: SandboxUser): JsonObject {
  if (!isJsonObject(body)) throw badRequest('the request body must be a SelfSubjectAccessReview object');
  const spec = childObject(body, 'spec') ?? {};
  const ra = childObject(spec, 'resourceAttributes');
  let allowed: boolean;
  if (ra !== undefined) {
    allowed = isAllowed(user, {
      verb: childString(ra, 'verb') ?? '',
      group: childString(ra, 'group') ?? '',
      resource: childString(ra, 'resource') ?? '',
      subresource: childString(ra, 'subresource') ?? '',
      namespace: childString(ra, 'namespace') ?? '',
      name: childString(ra, 'name') ?? '',
    });
  } else {
    // Non-resource URLs (discovery, /version, /openapi) are open to every authenticated user.
    allowed = user.rules === undefined || childObject(spec, 'nonResourceAttributes') !== undefined;
  }
  const status: JsonObject = { allowed };
  if (allowed)
    status['reason'] =
      user.rules === undefined
        ? 'the sandbox administrator may do anything'
        : 'allowed by the sandbox role table';
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  };
}
