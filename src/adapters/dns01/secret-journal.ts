import { createHash } from 'node:crypto';
import type { Dns01Journal, Dns01Record } from '../../ports/dns01-journal.js';
import { isKubeError } from '../kube/kube-errors.js';
import type { KubeObjects } from '../kube/kube-objects.js';
import type { SecretObject } from '../kube/kube-types.js';
import { SECRETS } from '../kube/resources.js';

/** The label of the Secret that remembers the dns-01 TXT records kube-lego wrote. */
export const DNS01_RECORDS_LABEL = 'kube-lego/dns01-records';

/** A data key per record: the TXT value is public, but a key must be `[-._a-zA-Z0-9]+`. */
function keyOf(record: Dns01Record): string {
  return createHash('sha256').update(`${record.name} ${record.value}`).digest('hex').slice(0, 40);
}

function parse(value: string): Dns01Record | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { name, zone, value: txt } = parsed as Record<string, unknown>;
    if (typeof name !== 'string' || typeof zone !== 'string' || typeof txt !== 'string') return undefined;
    return { name, zone, value: txt };
  } catch {
    return undefined;
  }
}

/**
 * The journal in one Secret of LEGO_NAMESPACE (data: one key per record, its JSON as value). Each change is a
 * JSON merge patch of one data key, so concurrent orders never overwrite each other's entries.
 */
export class SecretDns01Journal implements Dns01Journal {
  readonly #objects: KubeObjects;
  readonly #target: { readonly namespace: string; readonly name: string };

  constructor(objects: KubeObjects, target: { readonly namespace: string; readonly name: string }) {
    this.#objects = objects;
    this.#target = target;
  }

  async remember(record: Dns01Record): Promise<void> {
    const data = { [keyOf(record)]: Buffer.from(JSON.stringify(record)).toString('base64') };
    try {
      await this.#objects.mergePatch(SECRETS, this.#target, { data });
      return;
    } catch (err) {
      if (!isKubeError(err, 'notFound')) throw err;
    }
    try {
      await this.#objects.create<SecretObject>(SECRETS, this.#target.namespace, {
        metadata: { name: this.#target.name, labels: { [DNS01_RECORDS_LABEL]: 'true' } },
        type: 'Opaque',
        data,
      });
    } catch (err) {
      // Another order created it first: add the entry to theirs.
      if (!isKubeError(err, 'alreadyExists')) throw err;
      await this.#objects.mergePatch(SECRETS, this.#target, { data });
    }
  }

  async forget(record: Dns01Record): Promise<void> {
    try {
      await this.#objects.mergePatch(SECRETS, this.#target, { data: { [keyOf(record)]: null } });
    } catch (err) {
      if (!isKubeError(err, 'notFound')) throw err;
    }
  }

  async records(): Promise<readonly Dns01Record[]> {
    const secret = await this.#objects.find<SecretObject>(SECRETS, this.#target.namespace, this.#target.name);
    return Object.values(secret?.data ?? {}).flatMap((value) => parse(value) ?? []);
  }
}
