import type { ChallengeTokens } from '../http01/http01-solver.js';
import type { ChallengeStore } from '../../ports/challenge-store.js';
import type { Log } from '../../ports/log.js';
import { Informer } from '../../runtime/informer.js';
import type { MemoryChallengeStore } from '../../http/challenge-store.js';
import type { KubeClient } from './kube-client.js';
import { isKubeError } from './kube-errors.js';
import { kubeListWatcher } from './kube-list-watcher.js';
import { KubeObjects } from './kube-objects.js';
import type { SecretObject } from './kube-types.js';
import { SECRETS } from './resources.js';
import { CHALLENGES_LABEL } from '../../domain/secret-annotations.js';

export { CHALLENGES_LABEL };

export interface SharedChallengeStoreOptions {
  readonly client: KubeClient;
  readonly local: MemoryChallengeStore;
  /** LEGO_NAMESPACE. */
  readonly namespace: string;
  /** The Secret's name. */
  readonly name: string;
  readonly log: Log;
}

/**
 * Pending http-01 key authorizations shared between replicas through one Secret in LEGO_NAMESPACE
 * (data: token -> key authorization): the leader writes a token before it asks the CA to validate and removes
 * it once the authorization is settled; every replica watches the Secret and answers an exact token, so the
 * CA may reach any pod behind the challenge Service. Tokens are 128-bit random values bound to the account
 * key, so answering one without the Host check the local store makes gives nothing away; key authorizations
 * are public by design (the CA fetches them over plain HTTP).
 */
export class SharedChallengeStore implements ChallengeStore, ChallengeTokens {
  readonly #options: SharedChallengeStoreOptions;
  readonly #objects: KubeObjects;
  readonly #informer: Informer<SecretObject>;
  /** Tokens this replica presents, and the changes not yet written. */
  readonly #pending = new Map<string, string | null>();
  #published: ReadonlyMap<string, string> = new Map();
  #writing: Promise<void> = Promise.resolve();

  constructor(options: SharedChallengeStoreOptions) {
    this.#options = options;
    this.#objects = new KubeObjects(options.client);
    this.#informer = new Informer<SecretObject>({
      name: 'challenges',
      source: kubeListWatcher<SecretObject>(options.client, {
        resource: SECRETS,
        namespace: options.namespace,
        labelSelector: `${CHALLENGES_LABEL}=true`,
      }),
      onChange: (_key, current) => {
        if (current?.metadata?.name !== options.name) return;
        const published = new Map<string, string>();
        for (const [token, value] of Object.entries(current.data ?? {})) {
          published.set(token, Buffer.from(value, 'base64').toString('utf8'));
        }
        this.#published = published;
      },
      onError: (err, retryInMs) => {
        options.log.warn(`watching the challenge secret failed, retrying in ${retryInMs} ms: ${String(err)}`);
      },
    });
  }

  start(): void {
    this.#informer.start();
  }

  waitForSync(): Promise<void> {
    return this.#informer.waitForSync();
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }

  /**
   * On taking the Lease: tokens a former leader left in the Secret are dropped (its orders have stopped; a
   * resumed order presents its challenges again).
   */
  adoptLeftovers(): Promise<void> {
    for (const token of this.#published.keys()) {
      if (!this.#pending.has(token) && !this.#options.local.hasToken(token)) this.#pending.set(token, null);
    }
    return this.publish();
  }

  add(host: string, token: string, keyAuthorization: string): void {
    const known = this.#options.local.lookup(host, token);
    this.#options.local.add(host, token, keyAuthorization);
    if (known !== keyAuthorization) this.#pending.set(token, keyAuthorization);
  }

  remove(host: string, token: string): void {
    this.#options.local.remove(host, token);
    this.#pending.set(token, null);
    void this.publish().catch((err: unknown) => {
      this.#options.log.warn(`cannot remove token ${token} from the challenge secret: ${String(err)}`);
    });
  }

  lookup(host: string, token: string): string | undefined {
    return this.#options.local.lookup(host, token) ?? this.#published.get(token);
  }

  markFetched(host: string, token: string): void {
    this.#options.local.markFetched(host, token);
  }

  whenFetched(host: string, token: string): Promise<void> {
    return this.#options.local.whenFetched(host, token);
  }

  /** Writes every change so far (one merge patch for all of them); resolves once the API has them. */
  publish(): Promise<void> {
    const run = this.#writing.then(() => this.#write());
    this.#writing = run.catch(() => undefined);
    return run;
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const changes = new Map(this.#pending);
    this.#pending.clear();
    const data: Record<string, string | null> = {};
    for (const [token, value] of changes)
      data[token] = value === null ? null : Buffer.from(value).toString('base64');
    const target = { namespace: this.#options.namespace, name: this.#options.name };
    try {
      try {
        await this.#objects.mergePatch(SECRETS, target, { data });
      } catch (err) {
        if (!isKubeError(err, 'notFound')) throw err;
        const added = Object.fromEntries(
          Object.entries(data).filter((entry): entry is [string, string] => entry[1] !== null),
        );
        await this.#objects.create<SecretObject>(SECRETS, this.#options.namespace, {
          metadata: { name: this.#options.name, labels: { [CHALLENGES_LABEL]: 'true' } },
          type: 'Opaque',
          data: added,
        });
      }
    } catch (err) {
      // Kept for the next write, unless a later change replaced it.
      for (const [token, value] of changes) if (!this.#pending.has(token)) this.#pending.set(token, value);
      throw err;
    }
  }
}
