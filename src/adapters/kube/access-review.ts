import type { AccessQuestion, WriteAccess } from '../../ports/write-access.js';
import type { KubeClient } from './kube-client.js';

interface AccessReviewBody {
  readonly status?: { readonly allowed?: boolean; readonly reason?: string };
}

/**
 * Answers "may this controller do X" with a SelfSubjectAccessReview, caching answers for `ttlMs` so
 * a burst of reconciles in one namespace costs one review.
 */
export class AccessReview implements WriteAccess {
  readonly #client: KubeClient;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { readonly allowed: boolean; readonly atMs: number }>();

  constructor(client: KubeClient, ttlMs = 60_000) {
    this.#client = client;
    this.#ttlMs = ttlMs;
  }

  /** Whether the API server says the request would be authorized. */
  async allowed(question: AccessQuestion, nowMs: number): Promise<boolean> {
    const key = [
      question.verb,
      question.group ?? '',
      question.resource,
      question.namespace,
      question.name ?? '',
    ].join('|');
    const cached = this.#cache.get(key);
    if (cached !== undefined && nowMs - cached.atMs < this.#ttlMs) return cached.allowed;
    const body = (await this.#client.request({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb: question.verb,
            resource: question.resource,
            group: question.group ?? '',
            namespace: question.namespace,
            ...(question.name === undefined ? {} : { name: question.name }),
          },
        },
      },
    })) as AccessReviewBody;
    const allowed = body.status?.allowed === true;
    this.#cache.set(key, { allowed, atMs: nowMs });
    return allowed;
  }
}
