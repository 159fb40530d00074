import { dump } from 'js-yaml';
import { RENEWAL_BASIS_LABELS, type CertificateStatus } from '../domain/certificate-status.js';
import { formatTime } from '../domain/secret-annotations.js';
import { servedOutcomeText } from '../domain/served-outcome.js';

/** The output formats of `kube-lego status`. */
export const STATUS_FORMATS = ['table', 'json', 'yaml'] as const;
export type StatusFormat = (typeof STATUS_FORMATS)[number];

/** Whether `value` names an output format. */
export function isStatusFormat(value: string): value is StatusFormat {
  return STATUS_FORMATS.some((format) => format === value);
}

function time(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : formatTime(ms);
}

/** One certificate as `-o json` and `-o yaml` print it: times in RFC 3339, unset fields left out. */
export function statusDocument(status: CertificateStatus): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    namespace: status.namespace,
    secret: status.secret,
    ingresses: status.ingresses,
    hosts: status.hosts,
    state: status.state,
    detail: status.detail,
    notBefore: time(status.notBeforeMs),
    notAfter: time(status.notAfterMs),
    renewal:
      status.renewal === undefined
        ? undefined
        : { at: formatTime(status.renewal.atMs), basis: status.renewal.basis },
    failures: status.failures,
    lastFailure:
      status.lastFailure === undefined
        ? undefined
        : { at: formatTime(status.lastFailure.atMs), reason: status.lastFailure.reason },
    retryNotBefore: time(status.retryNotBeforeMs),
    ariWindow:
      status.ariWindow === undefined
        ? undefined
        : { start: formatTime(status.ariWindow.startMs), end: formatTime(status.ariWindow.endMs) },
    ariExplanationUrl: status.ariExplanationUrl,
    renewRequested: time(status.renewRequestedMs),
    orderUrl: status.orderUrl,
    served:
      status.served === undefined
        ? undefined
        : {
            outcome: status.served.kind,
            ...(status.served.kind === 'served' ? { seconds: status.served.elapsedMs / 1000 } : {}),
          },
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function tableRow(status: CertificateStatus, withNamespace: boolean): string[] {
  const failure =
    status.lastFailure === undefined
      ? '-'
      : `${formatTime(status.lastFailure.atMs)} ${status.lastFailure.reason} (${status.failures})`;
  const retry =
    status.retryNotBeforeMs === undefined || status.state === 'Ready'
      ? '-'
      : formatTime(status.retryNotBeforeMs);
  const row = [
    status.ingresses.join(','),
    status.secret === '' ? '-' : status.secret,
    status.hosts.join(','),
    status.state,
    time(status.notAfterMs) ?? '-',
    time(status.renewal?.atMs) ?? '-',
    status.renewal === undefined ? '-' : RENEWAL_BASIS_LABELS[status.renewal.basis],
    failure,
    retry,
    servedOutcomeText(status.served),
  ];
  return withNamespace ? [status.namespace, ...row] : row;
}

const HEADERS = [
  'INGRESS',
  'SECRET',
  'HOSTS',
  'STATE',
  'NOT AFTER',
  'NEXT RENEWAL',
  'WHY',
  'LAST FAILURE',
  'NEXT RETRY',
  'SERVED',
];

/** kubectl's table layout: upper-case headers, columns padded to their widest cell, three spaces apart. */
export function statusTable(statuses: readonly CertificateStatus[], withNamespace: boolean): string {
  const rows = [
    withNamespace ? ['NAMESPACE', ...HEADERS] : HEADERS,
    ...statuses.map((status) => tableRow(status, withNamespace)),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('   '),
    )
    .join('\n')
    .concat('\n');
}

/** The status in the format asked for; JSON and YAML are a list document as kubectl prints them. */
export function formatStatuses(
  statuses: readonly CertificateStatus[],
  options: { readonly format: StatusFormat; readonly withNamespace: boolean },
): string {
  const document = {
    apiVersion: 'kube-lego/v1',
    kind: 'CertificateStatusList',
    items: statuses.map(statusDocument),
  };
  switch (options.format) {
    case 'table':
      return statuses.length === 0
        ? 'No certificates found.\n'
        : statusTable(statuses, options.withNamespace);
    case 'json':
      return `${JSON.stringify(document, null, 2)}\n`;
    case 'yaml':
      return dump(document, { lineWidth: -1 });
  }
}
