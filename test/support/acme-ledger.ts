import type { ProxiedRequest } from './counting-acme-proxy.js';

/** One order the CA accepted a CSR for, and what became of its certificate as seen through the proxy. */
export interface FinalizedOrder {
  readonly orderId: string;
  /** The certificate URL, from an answer that showed the order `valid`; undefined if none came back. */
  readonly certificateUrl: string | undefined;
  /** The PEM chain the CA answered a download of `certificateUrl` with; undefined if never downloaded. */
  readonly certificatePem: string | undefined;
}

/** One order the CA opened (newOrder answered 201) and whether a client came back to it. */
export interface OpenedOrder {
  readonly orderId: string;
  /** Its finalize was answered 200. */
  readonly finalized: boolean;
  /**
   * A request went to the order's own URLs (`/my-order/<id>`, `/finalize-order/<id>`) after it was opened:
   * a client went on with it or resumed it. An order never used again was lost before anything kept its URL.
   */
  readonly usedAgain: boolean;
  /** The status in the CA's last answer about the order (newOrder, polls, finalize). */
  readonly lastStatus: string;
  /** When a client answered one of the order's challenges (asked the CA to validate). */
  readonly challengesAnsweredAtMs: readonly number[];
}

/** What the CA did for its clients, reconstructed from Pebble's answers through the counting proxy. */
export interface AcmeLedger {
  /** newOrder requests Pebble answered 201 Created: orders that exist at the CA. */
  readonly ordersOpened: number;
  /** newAccount requests Pebble answered 201 Created: accounts created. */
  readonly accountsCreated: number;
  /** The distinct account keys (JWK thumbprint material) newAccount requests were signed with. */
  readonly accountKeys: readonly string[];
  /** The distinct `kid` (account URL) of all other signed requests. */
  readonly accountUrls: readonly string[];
  /** Orders whose finalize Pebble answered 200: each has, or will have, a certificate. */
  readonly finalized: readonly FinalizedOrder[];
  /** Every order opened, in the order they were opened. */
  readonly opened: readonly OpenedOrder[];
}

const lastSegment = (path: string): string => path.split('?')[0]?.split('/').pop() ?? '';

function jsonBody(request: ProxiedRequest): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(request.response?.body ?? '');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads Pebble's paths (`/sign-me-up`, `/order-plz`, `/finalize-order/<id>`, `/my-order/<id>`, `/certZ/<id>`)
 * and answers out of the proxy's record. Answers given after the client died count too: the CA did the work.
 */
export function acmeLedger(requests: readonly ProxiedRequest[]): AcmeLedger {
  const answered = requests.filter((r) => r.method === 'POST' && r.response !== undefined);
  const created = (prefix: string): ProxiedRequest[] =>
    answered.filter((r) => r.path.startsWith(prefix) && r.response?.status === 201);
  const header = (r: ProxiedRequest, member: 'jwk' | 'kid'): unknown => {
    const value = r.protectedHeader;
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)[member]
      : undefined;
  };
  const accountKeys = new Set(
    answered.filter((r) => r.path.startsWith('/sign-me-up')).map((r) => JSON.stringify(header(r, 'jwk'))),
  );
  const accountUrls = new Set(
    answered.map((r) => header(r, 'kid')).filter((kid): kid is string => typeof kid === 'string'),
  );
  // The certificate URL of each order, from any answer showing it valid (finalize or a poll of the order).
  const certificateUrls = new Map<string, string>();
  for (const r of answered) {
    if (!r.path.startsWith('/finalize-order/') && !r.path.startsWith('/my-order/')) continue;
    const certificate = jsonBody(r)?.['certificate'];
    if (typeof certificate === 'string') certificateUrls.set(lastSegment(r.path), certificate);
  }
  const downloads = new Map<string, string>();
  for (const r of answered)
    if (r.path.startsWith('/certZ/') && r.response?.status === 200)
      downloads.set(lastSegment(r.path), r.response.body);
  const finalizedIds = new Set(
    answered
      .filter((r) => r.path.startsWith('/finalize-order/') && r.response?.status === 200)
      .map((r) => lastSegment(r.path)),
  );
  const strings = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const openedOrders = created('/order-plz').map((r) => {
    const body = jsonBody(r);
    const finalize = body?.['finalize'];
    return {
      orderId: typeof finalize === 'string' ? lastSegment(finalize) : '',
      authzIds: strings(body?.['authorizations']).map(lastSegment),
    };
  });
  // Challenge URLs by authorization, from the authorizations' answers.
  const challengeIds = new Map<string, Set<string>>();
  for (const r of answered) {
    if (!r.path.startsWith('/authZ/')) continue;
    const challenges = jsonBody(r)?.['challenges'];
    const ids = challengeIds.get(lastSegment(r.path)) ?? new Set<string>();
    if (Array.isArray(challenges))
      for (const c of challenges as unknown[]) {
        const url = (c as { url?: unknown } | null)?.url;
        if (typeof url === 'string') ids.add(lastSegment(url));
      }
    challengeIds.set(lastSegment(r.path), ids);
  }
  // A POST with a payload (`{}`) to a challenge asks for validation; POST-as-GET has none.
  const answeredAt = (challengeId: string): number[] =>
    requests
      .filter(
        (r) => r.path.startsWith('/chalZ/') && lastSegment(r.path) === challengeId && r.payload !== undefined,
      )
      .map((r) => r.atMs);
  const paths = new Set(requests.map((r) => r.path.split('?')[0]));
  const lastStatus = new Map<string, string>();
  for (const r of answered) {
    const body = jsonBody(r);
    const finalize = body?.['finalize'];
    const status = body?.['status'];
    if (typeof finalize === 'string' && typeof status === 'string')
      lastStatus.set(lastSegment(finalize), status);
  }
  return {
    opened: openedOrders.map(({ orderId, authzIds }) => ({
      orderId,
      challengesAnsweredAtMs: authzIds.flatMap((id) => [...(challengeIds.get(id) ?? [])].flatMap(answeredAt)),
      finalized: finalizedIds.has(orderId),
      usedAgain: paths.has(`/my-order/${orderId}`) || paths.has(`/finalize-order/${orderId}`),
      lastStatus: lastStatus.get(orderId) ?? 'unknown',
    })),
    ordersOpened: openedOrders.length,
    accountsCreated: created('/sign-me-up').length,
    accountKeys: [...accountKeys],
    accountUrls: [...accountUrls],
    finalized: [...finalizedIds].map((orderId) => {
      const certificateUrl = certificateUrls.get(orderId);
      return {
        orderId,
        certificateUrl,
        certificatePem: certificateUrl === undefined ? undefined : downloads.get(lastSegment(certificateUrl)),
      };
    }),
  };
}
