import { AcmeClient, type ExternalAccountBinding } from '../../acme/acme-client.js';
import type { AcmeExchange } from '../../acme/http-transport.js';
import type { AcmeDirectory } from '../../acme/resources.js';
import {
  accountKeyToPem,
  generateAccountKey,
  importAccountKey,
  type AccountKey,
} from '../../acme/account-key.js';
import { AcmeProblemError } from '../../acme/errors.js';
import { caUnavailableDelayMs, retryNotBeforeMs } from '../../domain/backoff.js';
import { KubeLegoError } from '../../domain/kube-lego-error.js';
import { formatTime, parseTime, toWholeSecondsMs } from '../../domain/secret-annotations.js';
import type { Log } from '../../ports/log.js';
import type { KubeObjects } from '../kube/kube-objects.js';
import type { SecretObject } from '../kube/kube-types.js';
import { isKubeError } from '../kube/kube-errors.js';
import { SECRETS } from '../kube/resources.js';
import { AccountError } from './account-errors.js';

/** Data keys of the account Secret: kube-lego 0.1.7's, plus the v2 account and directory URLs. */
export const ACCOUNT_KEYS = Object.freeze({
  privateKey: 'tls.key',
  legacyRegistrationUrl: 'acme-registration-url',
  legacyRegistrationJson: 'acme-registration.json',
  accountUrl: 'acme-account-url',
  directoryUrl: 'acme-directory-url',
});

/** Annotations on the account Secret that carry the registration backoff across restarts. */
export const ACCOUNT_ANNOTATIONS = Object.freeze({
  failures: 'kube-lego/registration-failures',
  retryNotBefore: 'kube-lego/registration-retry-not-before',
  /** The directory the failures were with: a backoff recorded against another `LEGO_URL` does not hold. */
  directoryUrl: 'kube-lego/registration-directory-url',
  /**
   * `CaUnavailable` when the wait is for a CA that was not there (no failure counted), so a restarted
   * process waits for it the same way instead of asking at once.
   */
  reason: 'kube-lego/registration-wait-reason',
});

/** A registration backoff to persist on the account Secret. */
interface RegistrationBackoff {
  readonly retryAtMs: number;
  /** Consecutive registration failures; unset for an unavailable CA (the count stays as it is). */
  readonly failures?: number;
}

export interface AccountSettings {
  readonly namespace: string;
  readonly secretName: string;
  readonly email: string;
  readonly directoryUrl: string;
  readonly caPem?: string;
  readonly userAgent: string;
  readonly eab?: ExternalAccountBinding;
  readonly requestTimeoutMs?: number;
}

export interface AccountServiceOptions {
  readonly objects: KubeObjects;
  readonly settings: AccountSettings;
  readonly log: Log;
  readonly nowMs?: () => number;
  readonly onAcmeRequest?: () => void;
  /** Every finished ACME request of the account's client (metrics). */
  readonly onAcmeResponse?: (exchange: AcmeExchange) => void;
}

function decode(data: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  const value = data?.[key];
  if (value === undefined || value === '') return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

function encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * Keeps one ready ACME client with a registered account, stored in kube-lego's account Secret
 * (`LEGO_SECRET_NAME` in `LEGO_NAMESPACE`). A new key is generated only when that Secret is truly
 * NotFound; any other read error, or a Secret that cannot be used, fails without touching it
 * (kube-lego bug 7). Failures never exit the process (bug 6); registration failures back off, and the
 * backoff is stored on the Secret so a restart loop does not turn into a registration loop.
 */
export class AccountService {
  readonly #options: AccountServiceOptions;
  readonly #log: Log;
  #ready: Promise<AcmeClient> | undefined;
  #retryNotBeforeMs = 0;
  /**
   * While the CA is unavailable: the error that said so (unset when the wait was read back from the
   * Secret after a restart) and the last wait (doubled, capped).
   */
  #unavailable: { readonly cause?: KubeLegoError; readonly delayMs: number } | undefined;

  constructor(options: AccountServiceOptions) {
    this.#options = options;
    this.#log = options.log.with({ context: 'acme' });
  }

  /** The ready client; concurrent callers share one account set-up. */
  client(): Promise<AcmeClient> {
    const nowMs = this.#now();
    if (this.#ready === undefined && nowMs < this.#retryNotBeforeMs) {
      return Promise.reject(
        new AccountError(
          'accountBackingOff',
          this.#unavailable === undefined
            ? `Cannot use the ACME account yet: the last registration attempt failed, next attempt at ${formatTime(this.#retryNotBeforeMs)}`
            : `Cannot use the ACME account yet: the CA at ${this.#options.settings.directoryUrl} was unavailable, next attempt at ${formatTime(this.#retryNotBeforeMs)}`,
          {
            retryNotBeforeMs: this.#retryNotBeforeMs,
            ...(this.#unavailable?.cause === undefined ? {} : { cause: this.#unavailable.cause }),
            ...(this.#unavailable === undefined
              ? {}
              : { caUnavailableForMs: this.#retryNotBeforeMs - nowMs }),
          },
        ),
      );
    }
    this.#ready ??= this.#setUp().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /**
   * Fetches the directory once, without touching the account Secret or registering anything: the start-up
   * check that `LEGO_URL` is a reachable ACME server. The client of the account, when it is set up
   * already, answers it; otherwise a client with an ephemeral key that never signs anything.
   */
  async probeDirectory(): Promise<AcmeDirectory> {
    const ready = this.#ready;
    if (ready !== undefined) return (await ready).directory();
    const probe = this.#newClient(await generateAccountKey(), undefined);
    try {
      return await probe.directory();
    } finally {
      probe.close();
    }
  }

  /** Closes the ACME client's connections. */
  async close(): Promise<void> {
    const ready = this.#ready;
    this.#ready = undefined;
    if (ready === undefined) return;
    try {
      (await ready).close();
    } catch {
      // Set-up failed: nothing to close.
    }
  }

  #now(): number {
    return this.#options.nowMs?.() ?? Date.now();
  }

  async #read(): Promise<SecretObject | undefined> {
    const { namespace, secretName } = this.#options.settings;
    try {
      return await this.#options.objects.find<SecretObject>(SECRETS, namespace, secretName);
    } catch (err) {
      throw new AccountError(
        'accountSecretUnreadable',
        `Cannot read account secret "${namespace}/${secretName}": ${err instanceof Error ? err.message : String(err)}; kube-lego will not create a new account until it can read it`,
        { cause: err },
      );
    }
  }

  #newClient(key: AccountKey, accountUrl: string | undefined): AcmeClient {
    const { settings } = this.#options;
    return new AcmeClient({
      directoryUrl: settings.directoryUrl,
      accountKey: key,
      accountUrl,
      caPem: settings.caPem,
      userAgent: settings.userAgent,
      requestTimeoutMs: settings.requestTimeoutMs,
      onRequest: this.#options.onAcmeRequest,
      onResponse: this.#options.onAcmeResponse,
    });
  }

  async #setUp(): Promise<AcmeClient> {
    const { settings } = this.#options;
    const where = `"${settings.namespace}/${settings.secretName}"`;
    let secret = await this.#read();
    const persisted = this.#sameDirectory(secret)
      ? parseTime(secret?.metadata?.annotations?.[ACCOUNT_ANNOTATIONS.retryNotBefore] ?? '')
      : undefined;
    const nowMs = this.#now();
    if (persisted !== undefined && persisted > nowMs) {
      this.#retryNotBeforeMs = persisted;
      const unavailable = secret?.metadata?.annotations?.[ACCOUNT_ANNOTATIONS.reason] === 'CaUnavailable';
      if (unavailable) this.#unavailable = { delayMs: persisted - nowMs };
      throw new AccountError(
        'accountBackingOff',
        unavailable
          ? `Cannot use the ACME account yet: the CA at ${settings.directoryUrl} was unavailable, next attempt at ${formatTime(persisted)}`
          : `Cannot use the ACME account yet: registration failed before, next attempt at ${formatTime(persisted)}`,
        { retryNotBeforeMs: persisted, ...(unavailable ? { caUnavailableForMs: persisted - nowMs } : {}) },
      );
    }
    let key: AccountKey;
    if (secret === undefined) {
      // Persist the key before registering: a registration is idempotent per key, so a crash between the
      // two steps finds the same account again instead of leaving an orphan account behind.
      key = await generateAccountKey();
      secret = await this.#createSecret(key);
      this.#log.info('generated a new ACME account key', {
        name: settings.secretName,
        namespace: settings.namespace,
      });
    } else {
      const pem = decode(secret.data, ACCOUNT_KEYS.privateKey);
      if (pem === undefined) {
        throw new AccountError(
          'accountSecretInvalid',
          `Cannot use account secret ${where}: it has no "${ACCOUNT_KEYS.privateKey}" key; delete the secret to let kube-lego create a new account`,
        );
      }
      try {
        key = await importAccountKey(pem);
      } catch (err) {
        throw new AccountError(
          'accountSecretInvalid',
          `Cannot use account secret ${where}: "${ACCOUNT_KEYS.privateKey}" is not a usable RSA or ECDSA private key; delete the secret to let kube-lego create a new account`,
          { cause: err },
        );
      }
    }
    const storedDirectory = decode(secret.data, ACCOUNT_KEYS.directoryUrl);
    const storedUrl = decode(secret.data, ACCOUNT_KEYS.accountUrl);
    const knownUrl = storedDirectory === settings.directoryUrl ? storedUrl : undefined;
    const client = this.#newClient(key, knownUrl);
    try {
      const account = await this.#register(client, knownUrl !== undefined);
      if (
        account.url !== storedUrl ||
        storedDirectory !== settings.directoryUrl ||
        this.#hasBackoff(secret)
      ) {
        await this.#storeAccount(secret, account.url);
      }
      this.#retryNotBeforeMs = 0;
      this.#unavailable = undefined;
      return client;
    } catch (err) {
      client.close();
      if (err instanceof AccountError) throw err;
      if (err instanceof KubeLegoError && err.reaction.reason === 'CaUnavailable') {
        // The CA is not there: wait for it (its Retry-After, or 30 s doubling to 5 min), in memory only,
        // and count no registration failure; a restart simply tries once more.
        const reaction = err.reaction;
        const delayMs =
          reaction.kind === 'waitUntil'
            ? reaction.retryAfterMs
            : caUnavailableDelayMs(this.#unavailable?.delayMs);
        this.#unavailable = { cause: err, delayMs };
        // Whole seconds (as persisted), rounded up: never before the CA's Retry-After.
        this.#retryNotBeforeMs = toWholeSecondsMs(this.#now() + delayMs + 999);
        // Persisted so a restart waits too; the failure count is left as it is.
        await this.#storeBackoff(secret, { retryAtMs: this.#retryNotBeforeMs }).catch((storeErr: unknown) => {
          this.#log.warn(`cannot store the wait for the unavailable CA: ${String(storeErr)}`);
        });
        throw new AccountError(
          'accountRegistrationFailed',
          `Cannot register or find the ACME account at ${settings.directoryUrl}: the CA is unavailable (${err.message}), next attempt at ${formatTime(this.#retryNotBeforeMs)}`,
          { cause: err, retryNotBeforeMs: this.#retryNotBeforeMs },
        );
      }
      const before = this.#sameDirectory(secret)
        ? secret.metadata?.annotations?.[ACCOUNT_ANNOTATIONS.failures]
        : undefined;
      const failures = Number(before ?? '0') + 1;
      const retryAfterMs =
        err instanceof AcmeProblemError && err.code === 'rateLimited' ? err.retryAfterMs : undefined;
      const retryAt = retryNotBeforeMs({
        nowMs: this.#now(),
        failures: Number.isFinite(failures) ? failures : 1,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
      this.#retryNotBeforeMs = retryAt;
      await this.#storeBackoff(secret, { failures, retryAtMs: retryAt }).catch((storeErr: unknown) => {
        this.#log.warn(`cannot store the account registration backoff: ${String(storeErr)}`);
      });
      throw new AccountError(
        'accountRegistrationFailed',
        `Cannot register or find the ACME account at ${settings.directoryUrl}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err, retryNotBeforeMs: retryAt },
      );
    }
  }

  async #register(client: AcmeClient, urlKnown: boolean): Promise<{ readonly url: string }> {
    const { settings } = this.#options;
    const contact = [`mailto:${settings.email.toLowerCase()}`];
    let account;
    if (urlKnown) {
      // onlyReturnExisting doubles as a POST-as-GET of the account (AcmeClient.getAccount sends an empty
      // update, which Pebble 2.10 refuses as malformed) and proves the stored URL belongs to this key.
      account = await client.findAccount();
    } else {
      try {
        account = await client.findAccount();
        this.#log.info(`found existing ACME account (account url: ${account.url})`);
      } catch (err) {
        if (!(err instanceof AcmeProblemError && err.code === 'accountDoesNotExist')) throw err;
        account = await client.createAccount({
          contact,
          termsOfServiceAgreed: true,
          ...(settings.eab === undefined ? {} : { externalAccountBinding: settings.eab }),
        });
        const directory = await client.directory();
        const tos = directory.meta.termsOfService;
        if (tos !== undefined) {
          this.#log.info(`if you don't accept the TOS (${tos}) please exit the program now`);
        }
        this.#log.info(`created an ACME account (registration url: ${account.url})`);
        return account;
      }
    }
    const same =
      account.contact.length === contact.length && account.contact.every((c, i) => c === contact[i]);
    if (!same) {
      try {
        await client.updateAccount({ contact });
        this.#log.info(`updated ACME account's contact to '[${contact.join(' ')}]'`);
      } catch (err) {
        this.#log.error(
          `failed to update ACME account's contact to '[${contact.join(' ')}]': ${String(err)}`,
        );
      }
    }
    return account;
  }

  /**
   * True when the recorded registration failures were with the directory in use (or the record predates the
   * directory annotation): fixing a wrong `LEGO_URL` must not leave the new one waiting out the old backoff.
   */
  #sameDirectory(secret: SecretObject | undefined): boolean {
    const recorded = secret?.metadata?.annotations?.[ACCOUNT_ANNOTATIONS.directoryUrl];
    return recorded === undefined || recorded === this.#options.settings.directoryUrl;
  }

  #hasBackoff(secret: SecretObject): boolean {
    const annotations = secret.metadata?.annotations ?? {};
    return ACCOUNT_ANNOTATIONS.failures in annotations || ACCOUNT_ANNOTATIONS.retryNotBefore in annotations;
  }

  async #createSecret(key: AccountKey): Promise<SecretObject> {
    const { settings, objects } = this.#options;
    try {
      return await objects.create<SecretObject>(SECRETS, settings.namespace, {
        metadata: { name: settings.secretName, namespace: settings.namespace },
        type: 'Opaque',
        data: { [ACCOUNT_KEYS.privateKey]: encode(accountKeyToPem(key)) },
      });
    } catch (err) {
      throw new AccountError(
        'accountSecretUnreadable',
        `Cannot create account secret "${settings.namespace}/${settings.secretName}": ${err instanceof Error ? err.message : String(err)}; check that kube-lego may create secrets in "${settings.namespace}"`,
        { cause: err },
      );
    }
  }

  async #storeAccount(secret: SecretObject, accountUrl: string): Promise<void> {
    const backoffKeys: readonly string[] = Object.values(ACCOUNT_ANNOTATIONS);
    const annotations = Object.fromEntries(
      Object.entries(secret.metadata?.annotations ?? {}).filter(([key]) => !backoffKeys.includes(key)),
    );
    try {
      await this.#options.objects.replace<SecretObject>(SECRETS, this.#options.settings.namespace, {
        ...secret,
        metadata: { ...secret.metadata, annotations },
        data: {
          ...secret.data,
          [ACCOUNT_KEYS.accountUrl]: encode(accountUrl),
          [ACCOUNT_KEYS.directoryUrl]: encode(this.#options.settings.directoryUrl),
        },
      });
    } catch (err) {
      // The account works; only the cached URL is missing, and it is found by key next time.
      if (!isKubeError(err, 'conflict')) this.#log.warn(`cannot store the ACME account url: ${String(err)}`);
    }
  }

  async #storeBackoff(secret: SecretObject, backoff: RegistrationBackoff): Promise<void> {
    const { [ACCOUNT_ANNOTATIONS.reason]: _reason, ...annotations } = secret.metadata?.annotations ?? {};
    await this.#options.objects.replace<SecretObject>(SECRETS, this.#options.settings.namespace, {
      ...secret,
      metadata: {
        ...secret.metadata,
        annotations: {
          ...annotations,
          ...(backoff.failures === undefined
            ? { [ACCOUNT_ANNOTATIONS.reason]: 'CaUnavailable' }
            : { [ACCOUNT_ANNOTATIONS.failures]: String(backoff.failures) }),
          [ACCOUNT_ANNOTATIONS.retryNotBefore]: formatTime(backoff.retryAtMs),
          [ACCOUNT_ANNOTATIONS.directoryUrl]: this.#options.settings.directoryUrl,
        },
      },
    });
  }
}
