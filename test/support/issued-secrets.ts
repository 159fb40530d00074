import type { SandboxStoreReader } from '../../dev/sandbox/sandbox.js';

/** A Secret as the sandbox stores it, reduced to what the tests compare. */
export interface StoredSecret {
  readonly name: string;
  readonly resourceVersion: string;
  readonly data: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** The Secrets of `namespace` in the sandbox by name, read from its store (no API request is made). */
export function storedSecrets(store: SandboxStoreReader, namespace: string): Map<string, StoredSecret> {
  const secrets = new Map<string, StoredSecret>();
  for (const object of store.list('secrets', namespace)) {
    const metadata = (object['metadata'] ?? {}) as {
      name?: unknown;
      resourceVersion?: unknown;
      annotations?: unknown;
    };
    if (typeof metadata.name !== 'string') continue;
    secrets.set(metadata.name, {
      name: metadata.name,
      resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
      data: stringMap(object['data']),
      annotations: stringMap(metadata.annotations),
    });
  }
  return secrets;
}

/** Names in `names` whose Secret does not hold an issued certificate yet (kube-lego/not-after is set once stored). */
export function notYetIssued(
  store: SandboxStoreReader,
  namespace: string,
  names: readonly string[],
): string[] {
  const secrets = storedSecrets(store, namespace);
  return names.filter((name) => secrets.get(name)?.annotations['kube-lego/not-after'] === undefined);
}

/**
 * Waits until every Secret in `names` holds an issued certificate; throws after `timeoutMs` naming the
 * missing ones and what `context()` returns (the controller's last log lines).
 */
export async function waitForIssued(
  store: SandboxStoreReader,
  options: {
    readonly namespace: string;
    readonly names: readonly string[];
    readonly timeoutMs: number;
    readonly context: () => string;
  },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const missing = notYetIssued(store, options.namespace, options.names);
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for certificates in ${missing.length} secret(s): ${missing.slice(0, 10).join(', ')}\n${options.context()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
