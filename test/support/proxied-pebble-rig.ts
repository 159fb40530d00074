import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../dev/sandbox/sandbox.js';
import { startCountingAcmeProxy, type CountingAcmeProxy } from './counting-acme-proxy.js';
import { startPebble, type PebbleRig } from './pebble.js';

/** The API sandbox and Pebble behind a counting proxy, with an admin kubeconfig and the proxy's CA file. */
export interface ProxiedPebbleRig {
  readonly sandbox: Sandbox;
  readonly pebble: PebbleRig;
  readonly proxy: CountingAcmeProxy;
  /** A temporary directory, removed by `close()`. */
  readonly dir: string;
  readonly kubeconfig: string;
  /** The proxy listener's CA (LEGO_ACME_CA_FILE). */
  readonly caFile: string;
  close(): Promise<void>;
}

/** Starts the rig; `prefix` names its temporary directory, `sandboxOptions` shape the API sandbox. */
export async function startProxiedPebbleRig(
  prefix: string,
  sandboxOptions: SandboxOptions = {},
): Promise<ProxiedPebbleRig> {
  const [sandbox, pebble] = await Promise.all([
    startSandbox(sandboxOptions),
    startPebble({ nonceRejectPercent: 0 }),
  ]);
  const proxy = await startCountingAcmeProxy({
    pebbleDirectoryUrl: pebble.directoryUrl,
    pebbleCaPem: pebble.caPem,
  });
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const kubeconfig = join(dir, 'kubeconfig');
  const caFile = join(dir, 'proxy-ca.pem');
  await Promise.all([sandbox.writeKubeconfig(kubeconfig), writeFile(caFile, proxy.caPem)]);
  return {
    sandbox,
    pebble,
    proxy,
    dir,
    kubeconfig,
    caFile,
    close: async () => {
      await proxy.close();
      await Promise.all([sandbox.close(), pebble.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
