import { InstalledObjects } from '../adapters/kube/installed-objects.js';
import { KubeClient } from '../adapters/kube/kube-client.js';
import { loadKubeConnection } from '../adapters/kube/kube-connection.js';
import { loadInstallationConfig } from '../config/load-config.js';
import { uninstallPlan, type InstallationNames, type UninstallStep } from '../domain/uninstall-plan.js';
import { USER_AGENT } from '../version.js';
import { kubeconfigSource, type ClusterFlags } from './cluster-connection.js';
import type { CommandIo } from './command-context.js';

/** Where deploy/ installs kube-lego: the namespace looked in when LEGO_NAMESPACE is not set either. */
const DEFAULT_NAMESPACE = 'kube-lego';

export interface UninstallOptions extends Omit<ClusterFlags, 'namespace'> {
  /** kube-lego's own namespace (`--lego-namespace`), else LEGO_NAMESPACE, else `kube-lego`. */
  readonly legoNamespace?: string;
  readonly deleteSecrets: boolean;
  readonly dryRun: boolean;
}

function line(step: UninstallStep, dryRun: boolean): string {
  const what = `${step.object.kind} ${step.object.namespace}/${step.object.name}`;
  const verb = { delete: 'removed', revert: 'reverted', keep: 'kept' }[step.kind];
  const said = dryRun ? `would ${{ delete: 'remove', revert: 'revert', keep: 'keep' }[step.kind]}` : verb;
  const note = step.kind === 'keep' ? ': --delete-secrets removes it' : '';
  return `${said} ${what} (${step.reason}${note})\n`;
}

/**
 * `kube-lego uninstall`: removes what the controller created in the cluster (challenge Ingresses,
 * Services, Endpoints and EndpointSlices, the Lease, the challenges Secret) and reverts the gce provider's
 * edits of users' Ingresses, with the operator's kubeconfig; keeps the TLS Secrets and the account Secret
 * unless `--delete-secrets`. Stop the controller first, or it creates its objects again.
 */
export async function uninstallCommand(options: UninstallOptions, io: CommandIo): Promise<number> {
  const loaded = loadInstallationConfig(io.env);
  for (const warning of loaded.warnings) io.err.write(`warning: ${warning.message}\n`);
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.err.write(`error: ${problem.message}\n`);
    return 1;
  }
  const config = loaded.config;
  const names: InstallationNames = {
    namespace: options.legoNamespace ?? config.namespace ?? DEFAULT_NAMESPACE,
    accountSecretName: config.accountSecretName,
    leaseName: config.leaseName,
    annotation: config.annotation,
    gce: { serviceName: config.gceServiceName, port: config.port },
  };
  let client: KubeClient | undefined;
  try {
    const connection = loadKubeConnection(kubeconfigSource(options, io.env), { env: io.env });
    client = new KubeClient(connection, { userAgent: USER_AGENT, requestTimeoutMs: 30_000 });
    const cluster = new InstalledObjects(client);
    const steps = uninstallPlan(await cluster.find(names), names, { deleteSecrets: options.deleteSecrets });
    const counts = { delete: 0, revert: 0, keep: 0 };
    for (const step of steps) {
      if (!options.dryRun && (await cluster.apply(step, names)) === 'gone') continue;
      counts[step.kind] += 1;
      io.out.write(line(step, options.dryRun));
    }
    const summary = `${String(counts.delete)} removed, ${String(counts.revert)} reverted, ${String(counts.keep)} kept`;
    io.err.write(options.dryRun ? `dry run, nothing changed: ${summary}\n` : `${summary}\n`);
    return 0;
  } catch (err) {
    io.err.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
