import type { KeyObject } from 'node:crypto';
import type { AcmeClient } from '../../acme/acme-client.js';
import { ariCertId } from '../../acme/ari-cert-id.js';
import { obtainCertificate, toIdentifiers } from '../../acme/obtain-certificate.js';
import type { IssuedMaterial, Issuer, IssueRequest } from '../../ports/issuer.js';
import { replacesClaim } from '../../domain/replaces-claim.js';
import type { Log } from '../../ports/log.js';
import { createCsr } from '../../x509/create-csr.js';
import { inspectCertificate } from '../../x509/inspect-certificate.js';
import { KeyPool } from '../../x509/key-pool.js';
import { keyToPem, parsePrivateKeyPem, type KeySpec } from '../../x509/private-key.js';
import type { SolverChoice, SolverSource } from '../../acme/challenge-solver.js';
import { challengeForName } from '../../domain/challenge-choice.js';
import { PROFILE_ANNOTATION } from '../../domain/profile-choice.js';
import { AcmeUsageError } from '../../acme/errors.js';
import type { AccountService } from './account-service.js';

export interface CertificateIssuerOptions {
  readonly accounts: AccountService;
  /** The http-01 solvers. */
  readonly solvers: SolverSource;
  /** The dns-01 solvers; absent when dns-01 is not configured (wildcards are then refused). */
  readonly dns01?: SolverSource | undefined;
  readonly keySpec: KeySpec;
  /** `LEGO_ARI`: send `replaces` on renewals when the CA offers ARI. */
  readonly ari: boolean;
  readonly profile?: string;
  readonly preferredChain?: string;
  readonly pollIntervalMs?: number;
  /** Where a refused `replaces` is reported (info: the renewal goes on without it). */
  readonly log?: Log;
}

/**
 * Obtains certificates with a fresh key per certificate (kube-lego never reused keys), choosing the solver
 * per authorization: wildcards and the names of a dns-01 certificate over dns-01, the others over http-01.
 */
export class CertificateIssuer implements Issuer {
  readonly #options: CertificateIssuerOptions;
  readonly #keys: KeyPool;

  constructor(options: CertificateIssuerOptions) {
    this.#options = options;
    this.#keys = KeyPool.forSpec(options.keySpec);
  }

  /** Runs the whole ACME flow for one certificate; errors are the ACME, account or self-check errors. */
  async issue(request: IssueRequest): Promise<IssuedMaterial> {
    const client = await this.#options.accounts.client();
    const profile = request.profile ?? this.#options.profile;
    await refuseUnofferedProfile(client, profile);
    const key = await this.#keys.take();
    const keyPem = keyToPem(key);
    const csr = await createCsr(key, request.hosts);
    const persistedKey = persistedKeyOf(request.resumeKeyPem);
    const persistedCsr =
      persistedKey === undefined ? undefined : await createCsr(persistedKey, request.hosts);
    const replaces = await this.#replaces(client, request);
    const result = await obtainCertificate(client, {
      identifiers: toIdentifiers(request.hosts),
      csrDer: csr.der,
      persistedCsrDer: persistedCsr?.der,
      beforeFinalize: async (choice) => {
        if (choice === 'fresh') await request.onKey(keyPem);
      },
      solver: this.#solverChoice(request),
      profile,
      replaces,
      onReplacesRefused: (refusal) => {
        this.#options.log
          ?.with({ context: 'acme', domains: request.hosts })
          .info(
            `ordering again without ARI replaces for ${request.hosts.join(', ')}: the CA refused it (${refusal.code}): ${refusal.detail}`,
          );
      },
      preferredChain: this.#options.preferredChain,
      existingOrderUrl: request.resumeOrderUrl,
      onOrder: (orderUrl, choice) => request.onOrder(orderUrl, choice === 'fresh' ? keyPem : undefined),
      onAuthorized: request.onAuthorized,
      pollIntervalMs: this.#options.pollIntervalMs,
      signal: request.signal,
    });
    const info = inspectCertificate(result.certificatePem);
    return {
      certificatePem: result.certificatePem,
      privateKeyPem:
        result.csr === 'persisted' && request.resumeKeyPem !== undefined ? request.resumeKeyPem : keyPem,
      orderUrl: result.orderUrl,
      validity: { notBeforeMs: info.notBeforeMs, notAfterMs: info.notAfterMs },
      accountUrl: client.accountUrl,
      certId: certIdOf(result.certificatePem),
    };
  }

  /** Solvers are made once per order, and only for the challenge types its names use. */
  #solverChoice(request: IssueRequest): SolverChoice {
    const made = new Map<SolverSource, ReturnType<SolverSource['solverFor']>>();
    return (authz) => {
      const name = authz.wildcard ? `*.${authz.identifier.value}` : authz.identifier.value;
      const dns01 = challengeForName(name, request.route.challenge) === 'dns-01';
      // Without a dns-01 solver the http-01 one is asked: the CA offers it no challenge for a wildcard,
      // and the refusal says how to configure dns-01.
      const source = dns01 ? (this.#options.dns01 ?? this.#options.solvers) : this.#options.solvers;
      const solver = made.get(source) ?? source.solverFor(request.route, request.signal);
      made.set(source, solver);
      return solver;
    };
  }

  async #replaces(client: AcmeClient, request: IssueRequest): Promise<string | undefined> {
    const certPem = request.replacesCertPem;
    if (!this.#options.ari || certPem === undefined) return undefined;
    const directory = await client.directory();
    if (directory.renewalInfo === undefined) return undefined;
    const claim = replacesClaim({
      record: request.replacesRecord ?? { failures: 0 },
      certId: certIdOf(certPem),
      directoryUrl: client.directoryUrl,
      accountUrl: client.accountUrl ?? '',
    });
    return claim.send ? claim.certId : undefined;
  }
}

/**
 * Refuses, before any order is opened, a profile the directory does not list in `meta.profiles` (the
 * desired state refuses it too once the directory has been read; this covers the orders started earlier).
 * A CA without profiles is left to the client, which names it.
 */
async function refuseUnofferedProfile(client: AcmeClient, profile: string | undefined): Promise<void> {
  if (profile === undefined) return;
  const names = Object.keys((await client.directory()).meta.profiles);
  if (names.length === 0 || names.includes(profile)) return;
  throw new AcmeUsageError(
    'unsupportedByServer',
    `Cannot order with profile "${profile}": the ACME server at ${client.directoryUrl} offers only ${names.join(', ')}, set ${PROFILE_ANNOTATION} (or LEGO_ACME_PROFILE) to one of them`,
  );
}

/**
 * The key persisted for a resumed order; `undefined` when there is none or it does not parse (someone
 * edited it): the order is then completed only if it is not finalized yet, with the fresh key.
 */
function persistedKeyOf(pem: string | undefined): KeyObject | undefined {
  if (pem === undefined) return undefined;
  try {
    return parsePrivateKeyPem(pem);
  } catch {
    return undefined;
  }
}

/** The ARI CertID of a certificate; `undefined` when it cannot be named (no Authority Key Identifier). */
function certIdOf(certPem: string): string | undefined {
  try {
    return ariCertId(certPem);
  } catch {
    return undefined;
  }
}
