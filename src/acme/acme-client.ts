import { USER_AGENT } from '../version.js';
import type { AccountKey } from './account-key.js';
import { ariCertId } from './ari-cert-id.js';
import {
  AcmeOrderRefusedError,
  AcmeProblemError,
  AcmeTransportError,
  AcmeUsageError,
  type AcmeIdentifier,
  type AcmeRequestRef,
} from './errors.js';
import type { AcmeResource } from './acme-resource.js';
import { HttpTransport, type AcmeExchange, type HttpResponse } from './http-transport.js';
import { alternateLinks } from './link-header.js';
import { jwsPayload, signFlattenedJws, type FlattenedJws } from './jws.js';
import { dns01TxtValue, keyAuthorization } from './key-authorization.js';
import { NoncePool } from './nonce-pool.js';
import { NonceSupply } from './nonce-supply.js';
import { isRecord, parseProblem } from './parse-problem.js';
import {
  parseAccount,
  parseAuthorization,
  parseChallenge,
  parseDirectory,
  parseOrder,
  ResourceShapeError,
  type AcmeAccount,
  type AcmeAuthorization,
  type AcmeChallenge,
  type AcmeDirectory,
  type AcmeOrder,
} from './resources.js';
import { parseRetryAfter } from '../net/retry-after.js';

/** Options of `AcmeClient`. */
export interface AcmeClientOptions {
  /** The CA's directory URL, e.g. `https://acme-v02.api.letsencrypt.org/directory`. */
  readonly directoryUrl: string;
  readonly accountKey: AccountKey;
  /** The account URL (`kid`) when it is already known; otherwise `createAccount` or `findAccount` sets it. */
  readonly accountUrl?: string | undefined;
  /** Extra trusted CAs for a private ACME server, added to Node's default roots. Verification is never off. */
  readonly caPem?: string | readonly string[] | undefined;
  /** @default USER_AGENT (kube-lego and its version) */
  readonly userAgent?: string | undefined;
  /** Deadline of each HTTP request. @default 30000 */
  readonly requestTimeoutMs?: number | undefined;
  /** Aborts every request of this client (shutdown). */
  readonly signal?: AbortSignal | undefined;
  /** How many times one request is re-sent after `badNonce` (RFC 8555 §6.5). @default 10 */
  readonly maxBadNonceRetries?: number | undefined;
  /** Called before each HTTP request (counting requests in tests and benchmarks). */
  readonly onRequest?: ((request: AcmeRequestRef) => void) | undefined;
  /** Called once per HTTP request when it ends, with its status or failure and duration (metrics). */
  readonly onResponse?: ((exchange: AcmeExchange) => void) | undefined;
}

/** Counters of one client, for tests, benchmarks and metrics. */
export interface AcmeClientStats {
  /** HTTP requests sent, the directory included. */
  readonly requests: number;
  /** `newNonce` requests (only when the pool ran dry). */
  readonly newNonceRequests: number;
  /** Requests re-sent after a `badNonce` answer. */
  readonly badNonceRetries: number;
}

/** What `createAccount` sends. */
export interface NewAccountOptions {
  /** Contact URLs, e.g. `["mailto:admin@example.com"]`. */
  readonly contact?: readonly string[];
  /** Agreement to `directory.meta.termsOfService`; CAs with terms refuse accounts without it. */
  readonly termsOfServiceAgreed: boolean;
  /** External account binding (RFC 8555 §7.3.4): key id and base64url HMAC key from the CA (ZeroSSL, Google). */
  readonly externalAccountBinding?: ExternalAccountBinding;
}

/** EAB credentials. The HMAC key is secret: it is only used to sign and never appears in errors. */
export interface ExternalAccountBinding {
  readonly kid: string;
  /** base64url (padding tolerated; standard base64 as some CAs print it is accepted too). */
  readonly hmacKey: string;
  /** @default 'HS256' */
  readonly alg?: 'HS256' | 'HS384' | 'HS512';
}

/** What `newOrder` sends. */
export interface NewOrderOptions {
  readonly identifiers: readonly AcmeIdentifier[];
  /** A profile from `directory.meta.profiles` (draft-aaron-acme-profiles). */
  readonly profile?: string | undefined;
  /** The ARI CertID of the certificate this order replaces (RFC 9773 §5). */
  readonly replaces?: string | undefined;
  readonly notBefore?: string | undefined;
  readonly notAfter?: string | undefined;
}

/** A downloaded certificate chain and the alternates the CA offered (`Link: rel="alternate"`). */
export interface CertificateDownload {
  /** PEM: leaf first, then the chain. */
  readonly pem: string;
  readonly alternateUrls: readonly string[];
}

/** ARI's suggested renewal window for a certificate (RFC 9773 §4.2). */
export interface RenewalInfo {
  readonly window: { readonly startMs: number; readonly endMs: number };
  readonly explanationUrl?: string;
  /** When to ask again (the response's `Retry-After`). */
  readonly retryAfterMs?: number;
}

/** RFC 5280 CRLReason codes accepted by `revokeCertificate`. */
export type RevocationReason = 0 | 1 | 3 | 4 | 5 | 9;

interface SignedRequest {
  readonly url: string;
  /** What the request addresses, for metrics (never the URL, whose ids are unbounded). */
  readonly resource: AcmeResource;
  /** JSON payload; `undefined` for POST-as-GET. */
  readonly payload: unknown;
  /** Sign with the `jwk` header (newAccount, revocation by certificate key) instead of `kid`. */
  readonly useJwk?: boolean;
  readonly signal?: AbortSignal | undefined;
}

const JOSE_CONTENT_TYPE = 'application/jose+json';

/**
 * A low-level RFC 8555 client: one method per ACME operation, no sleeping and no polling loops. Retries only
 * `badNonce` (with the nonce from the error response); every other failure is returned as a typed error with
 * `retryAfterMs`, for the caller to schedule. `obtainCertificate` drives a whole issuance on top of it.
 */
export class AcmeClient {
  readonly #options: AcmeClientOptions;
  readonly #transport: HttpTransport;
  readonly #nonces = new NonceSupply((signal) => this.#newNonce(signal));
  #accountKey: AccountKey;
  #accountUrl: string | undefined;
  #directory: Promise<AcmeDirectory> | undefined;
  #newNonceRequests = 0;
  #badNonceRetries = 0;

  constructor(options: AcmeClientOptions) {
    this.#options = options;
    this.#accountKey = options.accountKey;
    this.#accountUrl = options.accountUrl;
    this.#transport = new HttpTransport({
      caPem: options.caPem,
      userAgent: options.userAgent ?? USER_AGENT,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      signal: options.signal,
      onRequest: options.onRequest,
      onResponse: options.onResponse,
    });
  }

  /** The directory URL this client talks to. */
  get directoryUrl(): string {
    return this.#options.directoryUrl;
  }

  /** The account URL (`kid`), once known. */
  get accountUrl(): string | undefined {
    return this.#accountUrl;
  }

  /** The current account key (changes after `rolloverKey`). */
  get accountKey(): AccountKey {
    return this.#accountKey;
  }

  /** Request counters. */
  get stats(): AcmeClientStats {
    return {
      requests: this.#transport.requestCount,
      newNonceRequests: this.#newNonceRequests,
      badNonceRetries: this.#badNonceRetries,
    };
  }

  /** Closes pooled connections. The client must not be used afterwards. */
  close(): void {
    this.#transport.close();
  }

  /** The directory, fetched once and cached (a failed fetch is not cached). */
  directory(signal?: AbortSignal): Promise<AcmeDirectory> {
    this.#directory ??= this.#fetchDirectory(signal).catch((err: unknown) => {
      this.#directory = undefined;
      throw err;
    });
    return this.#directory;
  }

  /** The key authorization for a challenge token under the current account key. */
  keyAuthorization(token: string): string {
    return keyAuthorization(token, this.#accountKey.thumbprint);
  }

  /** The dns-01 TXT value for a challenge token under the current account key. */
  dns01TxtValue(token: string): string {
    return dns01TxtValue(this.keyAuthorization(token));
  }

  // ---- accounts (RFC 8555 §7.3) ----

  /** Creates an account (or returns the existing one for this key) and remembers its URL. */
  async createAccount(options: NewAccountOptions, signal?: AbortSignal): Promise<AcmeAccount> {
    const directory = await this.directory(signal);
    const payload: Record<string, unknown> = { termsOfServiceAgreed: options.termsOfServiceAgreed };
    if (options.contact !== undefined) payload.contact = options.contact;
    if (options.externalAccountBinding !== undefined) {
      payload.externalAccountBinding = await this.#externalAccountBinding(
        options.externalAccountBinding,
        directory.newAccount,
      );
    }
    return this.#accountRequest(directory.newAccount, payload, signal);
  }

  /**
   * Finds the account of this key without creating one (`onlyReturnExisting`, RFC 8555 §7.3.1).
   *
   * @throws AcmeProblemError `accountDoesNotExist` when the CA has no account for the key
   */
  async findAccount(signal?: AbortSignal): Promise<AcmeAccount> {
    const directory = await this.directory(signal);
    return this.#accountRequest(directory.newAccount, { onlyReturnExisting: true }, signal);
  }

  /** Fetches the account object (POST-as-GET, RFC 8555 §7.3). */
  async getAccount(signal?: AbortSignal): Promise<AcmeAccount> {
    const url = this.#requireAccount();
    const response = await this.#post({ url, resource: 'account', payload: undefined, signal });
    return parseAccount(this.#json(response, url), url);
  }

  /** Replaces the account's contact URLs. */
  async updateAccount(
    update: { readonly contact: readonly string[] },
    signal?: AbortSignal,
  ): Promise<AcmeAccount> {
    const url = this.#requireAccount();
    const response = await this.#post({
      url,
      resource: 'account',
      payload: { contact: update.contact },
      signal,
    });
    return parseAccount(this.#json(response, url), url);
  }

  /** Rolls the account over to `newKey` (RFC 8555 §7.3.5); later requests sign with the new key. */
  async rolloverKey(newKey: AccountKey, signal?: AbortSignal): Promise<void> {
    const account = this.#requireAccount();
    const directory = await this.directory(signal);
    const inner = await signFlattenedJws({
      header: { alg: newKey.alg, jwk: { ...newKey.publicJwk }, url: directory.keyChange },
      payload: jwsPayload({ account, oldKey: this.#accountKey.publicJwk }),
      key: newKey.privateKey,
    });
    await this.#post({ url: directory.keyChange, resource: 'keyChange', payload: inner, signal });
    this.#accountKey = newKey;
  }

  /** Deactivates the account (RFC 8555 §7.3.6). Irreversible. */
  async deactivateAccount(signal?: AbortSignal): Promise<AcmeAccount> {
    const url = this.#requireAccount();
    const response = await this.#post({
      url,
      resource: 'account',
      payload: { status: 'deactivated' },
      signal,
    });
    return parseAccount(this.#json(response, url), url);
  }

  // ---- orders (RFC 8555 §7.4) ----

  /** Creates an order. */
  async newOrder(options: NewOrderOptions, signal?: AbortSignal): Promise<AcmeOrder> {
    const directory = await this.directory(signal);
    this.#requireAccount();
    if (options.profile !== undefined && Object.keys(directory.meta.profiles).length === 0) {
      throw new AcmeUsageError(
        'unsupportedByServer',
        `Cannot order with profile "${options.profile}": the ACME server at ${this.#options.directoryUrl} offers no profiles`,
      );
    }
    const payload: Record<string, unknown> = { identifiers: options.identifiers };
    if (options.profile !== undefined) payload.profile = options.profile;
    if (options.replaces !== undefined) payload.replaces = options.replaces;
    if (options.notBefore !== undefined) payload.notBefore = options.notBefore;
    if (options.notAfter !== undefined) payload.notAfter = options.notAfter;
    let response: HttpResponse;
    try {
      response = await this.#post({ url: directory.newOrder, resource: 'newOrder', payload, signal });
    } catch (err) {
      throw err instanceof AcmeProblemError ? new AcmeOrderRefusedError(err) : err;
    }
    const url = this.#location(response, directory.newOrder);
    return this.#order(response, url);
  }

  /** Fetches an order (POST-as-GET). `retryAfterMs` carries the server's polling hint. */
  async getOrder(url: string, signal?: AbortSignal): Promise<AcmeOrder> {
    const response = await this.#post({ url, resource: 'order', payload: undefined, signal });
    return this.#order(response, url);
  }

  /** Fetches an authorization (POST-as-GET). */
  async getAuthorization(url: string, signal?: AbortSignal): Promise<AcmeAuthorization> {
    const response = await this.#post({ url, resource: 'authz', payload: undefined, signal });
    return this.#authorization(response, url);
  }

  /** Tells the CA the challenge is ready to be validated (POST `{}`, RFC 8555 §7.5.1). */
  async respondToChallenge(url: string, signal?: AbortSignal): Promise<AcmeChallenge> {
    const response = await this.#post({ url, resource: 'challenge', payload: {}, signal });
    return this.#shaped(url, () => parseChallenge(this.#json(response, url)));
  }

  /** Deactivates an authorization (RFC 8555 §7.5.2). */
  async deactivateAuthorization(url: string, signal?: AbortSignal): Promise<AcmeAuthorization> {
    const response = await this.#post({ url, resource: 'authz', payload: { status: 'deactivated' }, signal });
    return this.#authorization(response, url);
  }

  /** Finalizes a `ready` order with a DER CSR (RFC 8555 §7.4). The result is often still `processing`. */
  async finalizeOrder(order: AcmeOrder, csrDer: Uint8Array, signal?: AbortSignal): Promise<AcmeOrder> {
    const response = await this.#post({
      url: order.finalize,
      resource: 'finalize',
      payload: { csr: Buffer.from(csrDer).toString('base64url') },
      signal,
    });
    return this.#order(response, order.url);
  }

  /** Downloads a certificate chain (POST-as-GET) and lists the alternate chains the CA links to. */
  async downloadCertificate(url: string, signal?: AbortSignal): Promise<CertificateDownload> {
    const response = await this.#post({ url, resource: 'certificate', payload: undefined, signal });
    const pem = response.body.toString('utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw this.#invalid(url, 'the certificate download is not a PEM chain');
    }
    return { pem, alternateUrls: alternateLinks(response.headers.link, url) };
  }

  /** Revokes a certificate with the account key (RFC 8555 §7.6). */
  async revokeCertificate(
    certDer: Uint8Array,
    reason?: RevocationReason,
    signal?: AbortSignal,
  ): Promise<void> {
    const directory = await this.directory(signal);
    this.#requireAccount();
    const payload: Record<string, unknown> = { certificate: Buffer.from(certDer).toString('base64url') };
    if (reason !== undefined) payload.reason = reason;
    await this.#post({ url: directory.revokeCert, resource: 'revokeCert', payload, signal });
  }

  // ---- ARI (RFC 9773) ----

  /**
   * Fetches the CA's suggested renewal window for a certificate (unauthenticated GET).
   *
   * @throws AcmeUsageError `unsupportedByServer` when the directory has no `renewalInfo`
   */
  async renewalInfo(certPem: string, signal?: AbortSignal): Promise<RenewalInfo> {
    const directory = await this.directory(signal);
    if (directory.renewalInfo === undefined) {
      throw new AcmeUsageError(
        'unsupportedByServer',
        `Cannot fetch renewal information: the ACME server at ${this.#options.directoryUrl} does not offer ARI (no renewalInfo in its directory)`,
      );
    }
    const url = `${directory.renewalInfo.replace(/\/+$/, '')}/${ariCertId(certPem)}`;
    const response = await this.#unsigned('GET', url, 'renewalInfo', signal);
    const body = this.#json(response, url);
    const window = isRecord(body) && isRecord(body.suggestedWindow) ? body.suggestedWindow : undefined;
    const startMs = typeof window?.start === 'string' ? Date.parse(window.start) : Number.NaN;
    const endMs = typeof window?.end === 'string' ? Date.parse(window.end) : Number.NaN;
    if (Number.isNaN(startMs) || Number.isNaN(endMs) || endMs < startMs) {
      throw this.#invalid(
        url,
        'the renewal information has no valid suggestedWindow (start <= end, RFC 3339)',
      );
    }
    const explanationUrl =
      isRecord(body) && typeof body.explanationURL === 'string' ? body.explanationURL : undefined;
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
    return {
      window: { startMs, endMs },
      ...(explanationUrl === undefined ? {} : { explanationUrl }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }

  // ---- plumbing ----

  async #fetchDirectory(signal: AbortSignal | undefined): Promise<AcmeDirectory> {
    const url = this.#options.directoryUrl;
    const response = await this.#unsigned('GET', url, 'directory', signal);
    return this.#shaped(url, () => parseDirectory(this.#json(response, url)));
  }

  async #accountRequest(
    url: string,
    payload: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<AcmeAccount> {
    const response = await this.#post({ url, resource: 'newAccount', payload, useJwk: true, signal });
    const accountUrl = this.#location(response, url);
    this.#accountUrl = accountUrl;
    return this.#shaped(url, () => parseAccount(this.#json(response, url), accountUrl));
  }

  async #externalAccountBinding(eab: ExternalAccountBinding, url: string): Promise<FlattenedJws> {
    return signFlattenedJws({
      header: { alg: eab.alg ?? 'HS256', kid: eab.kid, url },
      payload: jwsPayload(this.#accountKey.publicJwk),
      key: Buffer.from(eab.hmacKey.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url'),
    });
  }

  #requireAccount(): string {
    if (this.#accountUrl === undefined) {
      throw new AcmeUsageError(
        'accountRequired',
        'Cannot send this ACME request before the account is known: call createAccount or findAccount first',
      );
    }
    return this.#accountUrl;
  }

  /** A signed POST with nonce handling: the pool first, newNonce only when empty, badNonce retried. */
  async #post(request: SignedRequest): Promise<HttpResponse> {
    const maxRetries = this.#options.maxBadNonceRetries ?? 10;
    for (let attempt = 0; ; attempt++) {
      const response = await this.#sendSigned(request);
      if (response.status < 400) return response;
      const error = this.#httpError(response, { method: 'POST', url: request.url });
      // The error response carried a fresh nonce (now pooled): RFC 8555 §6.5 says to retry with it.
      if (error instanceof AcmeProblemError && error.code === 'badNonce' && attempt < maxRetries) {
        this.#badNonceRetries += 1;
        continue;
      }
      throw error;
    }
  }

  /** One signed POST; concurrent callers share nonces through the supply (see NonceSupply). */
  async #sendSigned(request: SignedRequest): Promise<HttpResponse> {
    let nonce: string;
    try {
      nonce = await this.#nonces.take(request.signal);
    } catch (err) {
      if (request.signal?.aborted !== true) throw err;
      throw new AcmeTransportError({
        code: 'aborted',
        message: `ACME request POST ${request.url} was aborted while waiting for a nonce`,
        request: { method: 'POST', url: request.url },
        cause: err,
      });
    }
    try {
      const key = this.#accountKey;
      const identity =
        request.useJwk === true ? { jwk: { ...key.publicJwk } } : { kid: this.#requireAccount() };
      const jws = await signFlattenedJws({
        header: { alg: key.alg, nonce, url: request.url, ...identity },
        payload: jwsPayload(request.payload),
        key: key.privateKey,
      });
      const response = await this.#transport.request({
        method: 'POST',
        url: request.url,
        resource: request.resource,
        body: JSON.stringify(jws),
        contentType: JOSE_CONTENT_TYPE,
        signal: request.signal,
      });
      this.#nonces.offer(replayNonce(response));
      return response;
    } finally {
      this.#nonces.release();
    }
  }

  async #newNonce(signal: AbortSignal | undefined): Promise<string> {
    const directory = await this.directory(signal);
    this.#newNonceRequests += 1;
    const response = await this.#transport.request({
      method: 'HEAD',
      url: directory.newNonce,
      resource: 'newNonce',
      signal,
    });
    const nonce = replayNonce(response);
    if (response.status >= 400) throw this.#httpError(response, { method: 'HEAD', url: directory.newNonce });
    if (nonce === undefined || !NoncePool.isNonce(nonce)) {
      throw this.#invalid(directory.newNonce, 'the newNonce response has no valid Replay-Nonce header');
    }
    return nonce;
  }

  async #unsigned(
    method: 'GET',
    url: string,
    resource: AcmeResource,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const response = await this.#transport.request({ method, url, resource, signal });
    this.#nonces.offer(replayNonce(response));
    if (response.status >= 400) throw this.#httpError(response, { method, url });
    return response;
  }

  #httpError(response: HttpResponse, request: AcmeRequestRef): AcmeProblemError | AcmeTransportError {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
    const problem = parseProblem(parseJson(response.body), {
      status: response.status,
      request,
      retryAfterMs,
    });
    if (problem !== undefined) return problem;
    return new AcmeTransportError({
      code: 'httpStatus',
      message: `ACME request ${request.method} ${request.url} failed with HTTP ${response.status} and no problem document`,
      request,
      status: response.status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  #json(response: HttpResponse, url: string): unknown {
    const body = parseJson(response.body);
    if (body === undefined) throw this.#invalid(url, 'the response is not JSON');
    return body;
  }

  #location(response: HttpResponse, url: string): string {
    const location = response.headers.location;
    if (typeof location !== 'string' || location === '')
      throw this.#invalid(url, 'the response has no Location header');
    return new URL(location, url).toString();
  }

  #order(response: HttpResponse, url: string): AcmeOrder {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
    return this.#shaped(url, () => parseOrder(this.#json(response, url), url, retryAfterMs));
  }

  #authorization(response: HttpResponse, url: string): AcmeAuthorization {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
    return this.#shaped(url, () => parseAuthorization(this.#json(response, url), url, retryAfterMs));
  }

  #shaped<T>(url: string, parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      if (err instanceof ResourceShapeError) throw this.#invalid(url, err.message, err);
      throw err;
    }
  }

  #invalid(url: string, why: string, cause?: unknown): AcmeTransportError {
    return new AcmeTransportError({
      code: 'invalidResponse',
      message: `Cannot use the ACME server's answer to ${url}: ${why}`,
      request: { method: 'POST', url },
      cause,
    });
  }
}

function replayNonce(response: HttpResponse): string | undefined {
  const value = response.headers['replay-nonce'];
  return typeof value === 'string' ? value : undefined;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
