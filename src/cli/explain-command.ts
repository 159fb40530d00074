import { describeProfile } from '../domain/profile-choice.js';
import type { InventorySecret, RecordedEvent } from '../adapters/kube/certificate-inventory.js';
import type { CertificateStatus } from '../domain/certificate-status.js';
import { renewalBasisText } from '../domain/decide.js';
import { parseIssuanceRecord, formatTime, isManagedSecret } from '../domain/secret-annotations.js';
import { servedOutcomeText, type ServedOutcome } from '../domain/served-outcome.js';
import type { IssuanceRecord } from '../domain/types.js';
import { certificateReport } from './certificate-report.js';
import type { ClusterFlags } from './cluster-connection.js';
import { runWithCluster, type CommandIo } from './command-context.js';
import { secretTarget } from './secret-target.js';

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function failureLines(record: IssuanceRecord): string[] {
  if (record.failures === 0 && record.lastFailureMs === undefined)
    return ['No failure is recorded since the last issuance.'];
  const last =
    record.lastFailureMs === undefined
      ? ''
      : `, the last at ${formatTime(record.lastFailureMs)} (${record.lastFailureReason ?? 'Unknown'})`;
  const retry =
    record.retryNotBeforeMs === undefined
      ? ''
      : `; the next attempt is not before ${formatTime(record.retryNotBeforeMs)}`;
  return [`${record.failures} consecutive failure(s) are recorded${last}${retry}.`];
}

function historyLines(status: CertificateStatus | undefined, secret: InventorySecret): string[] {
  const { record } = parseIssuanceRecord(secret.snapshot.annotations);
  const lines: string[] = [];
  const cert = secret.snapshot.certificate;
  if (cert.state === 'parsed' && !cert.info.selfSigned) {
    const serial = secret.serialHex === undefined ? '' : ` (serial ${secret.serialHex})`;
    const directory = record.directoryUrl === undefined ? '' : ` from ${record.directoryUrl}`;
    lines.push(
      `The Secret holds a certificate${serial} issued by "${cert.info.issuerCn}"${directory} for ${[...cert.info.dnsNames, ...cert.info.ipAddresses].join(', ')}, valid from ${formatTime(cert.info.notBeforeMs)} until ${formatTime(cert.info.notAfterMs)}.`,
    );
  } else if (cert.state === 'parsed') {
    lines.push(
      'The Secret holds a temporary self-signed certificate: no certificate from the CA is stored yet.',
    );
  } else {
    lines.push('The Secret holds no readable certificate.');
  }
  if (status?.renewal !== undefined) {
    lines.push(
      `Its renewal time is ${formatTime(status.renewal.atMs)}: ${renewalBasisText(status.renewal.basis)}.`,
    );
  }
  lines.push(...failureLines(record));
  if (record.ariWindow !== undefined) {
    const explanation =
      record.ariExplanationUrl === undefined ? '' : `; the CA explains it at ${record.ariExplanationUrl}`;
    lines.push(
      `The CA suggests renewing between ${formatTime(record.ariWindow.startMs)} and ${formatTime(record.ariWindow.endMs)} (ARI)${explanation}.`,
    );
  } else {
    lines.push('No renewal window from the CA (ARI) is recorded.');
  }
  if (record.renewRequestedMs !== undefined)
    lines.push(`A renewal was requested at ${formatTime(record.renewRequestedMs)} and is not served yet.`);
  if (record.orderUrl !== undefined) lines.push(`An order is in flight: ${record.orderUrl}.`);
  return lines;
}

function servedLine(outcome: ServedOutcome | undefined): string {
  const what = ((): string => {
    switch (outcome?.kind) {
      case undefined:
        return 'no served-certificate check of the stored certificate is recorded';
      case 'pending':
        return 'the check that the load balancer serves the stored certificate is running (or LEGO_SERVED_CHECK is off)';
      case 'served':
        return 'the load balancer serves the stored certificate (CertificateServed)';
      case 'notServed':
        return 'the load balancer still served another certificate at the time limit (CertificateNotServed says which, and why)';
      case 'notCheckable':
        return 'the Ingress has no load balancer address to check (CertificateNotCheckable); this is not a failure';
    }
  })();
  return `Served: ${servedOutcomeText(outcome)}: ${what}.`;
}

function eventLines(events: readonly RecordedEvent[]): string[] {
  if (events.length === 0) return ['  (none)'];
  return events.map((event) => {
    const when = event.lastMs === undefined ? '' : `${formatTime(event.lastMs)} `;
    const count = event.count > 1 ? ` (${event.count} times)` : '';
    return `  ${when}${event.type} ${event.reason}${count}: ${event.message}`;
  });
}

/**
 * `kube-lego explain NAMESPACE/SECRET`: in sentences, what the controller will do for the certificate and why
 * (the decision's own detail), its recorded history, and the Events on the Ingresses that ask for it.
 */
export function explainCommand(target: string, flags: ClusterFlags, io: CommandIo): Promise<number> {
  return runWithCluster(flags, io, async ({ cluster, policy }) => {
    const { namespace, name } = secretTarget(target, cluster.namespace);
    const report = await certificateReport(cluster.inventory, { namespace, policy, nowMs: io.nowMs() });
    const status = report.statuses.find((s) => s.namespace === namespace && s.secret === name);
    const secret =
      report.secrets.get(`${namespace}/${name}`) ?? (await cluster.inventory.secret(namespace, name));
    const out: string[] = [];
    if (status === undefined) {
      if (secret === undefined) {
        io.err.write(
          `error: no Ingress in namespace "${namespace}" asks kube-lego for secret "${name}", and it does not exist\n`,
        );
        return 1;
      }
      const managed = isManagedSecret(
        secret.snapshot.labels,
        secret.snapshot.annotations,
        policy.annotationKey,
      );
      out.push(`Secret ${namespace}/${name}`);
      out.push(
        managed
          ? `No Ingress in namespace "${namespace}" asks for it any more: kube-lego leaves it in place and no longer renews it.`
          : `No Ingress in namespace "${namespace}" asks for it and kube-lego does not manage it.`,
      );
      if (managed) out.push('', 'History:', ...historyLines(undefined, secret).map((l) => `  ${l}`));
      io.out.write(`${out.join('\n')}\n`);
      return 0;
    }
    const ingresses = status.ingresses.map((i) => `${namespace}/${i}`).join(', ');
    out.push(`Certificate ${namespace}/${name} for ${status.hosts.join(', ')} (Ingress ${ingresses})`);
    out.push(`Profile: ${describeProfile(status.profile)}`);
    out.push(`State: ${status.state}`);
    out.push(`What kube-lego will do: ${sentence(status.detail)}`);
    out.push(servedLine(status.served));
    if (secret !== undefined) out.push('', 'History:', ...historyLines(status, secret).map((l) => `  ${l}`));
    else out.push('', 'History:', '  The Secret does not exist yet.');
    // The report's one list of the namespace's Events: listing each Ingress's again printed nothing new.
    if (report.events.kind === 'refused') throw report.events.error;
    for (const ingress of status.ingresses) {
      const events = report.events.byIngress.get(`${namespace}/${ingress}`) ?? [];
      out.push('', `Events on Ingress ${namespace}/${ingress}:`, ...eventLines(events));
    }
    io.out.write(`${out.join('\n')}\n`);
    return 0;
  });
}
