import { certificateReport } from './certificate-report.js';
import type { ClusterFlags } from './cluster-connection.js';
import { runWithCluster, type CommandIo } from './command-context.js';
import { formatStatuses, type StatusFormat } from './status-output.js';

export interface StatusOptions extends ClusterFlags {
  readonly allNamespaces: boolean;
  /** Only the certificates this Ingress asks for. */
  readonly ingress?: string;
  readonly format: StatusFormat;
}

/** `kube-lego status`: one row per certificate of the namespace (or of all), in the format asked for. */
export function statusCommand(options: StatusOptions, io: CommandIo): Promise<number> {
  return runWithCluster(options, io, async ({ cluster, policy }) => {
    const report = await certificateReport(cluster.inventory, {
      namespace: options.allNamespaces ? undefined : cluster.namespace,
      policy,
      nowMs: io.nowMs(),
    });
    const wanted = options.ingress;
    const statuses =
      wanted === undefined ? report.statuses : report.statuses.filter((s) => s.ingresses.includes(wanted));
    if (wanted !== undefined && statuses.length === 0) {
      io.err.write(
        `error: ingress "${wanted}" in namespace "${cluster.namespace}" asks kube-lego for no certificate (it does not exist, lacks the ${policy.annotationKey}: "true" annotation, or has an unsupported class)\n`,
      );
      return 1;
    }
    io.out.write(formatStatuses(statuses, { format: options.format, withNamespace: options.allNamespaces }));
    return 0;
  });
}
