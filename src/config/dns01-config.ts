import { isIP } from 'node:net';
import type { EnvironmentReader } from './environment-reader.js';
import { SecretValue } from './secret-value.js';
import type { ConfigVariableName } from './variables.js';

/** TSIG algorithms kube-lego signs updates with (RFC 8945 §6: HMAC-SHA256 is mandatory to implement). */
export const DNS01_TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha512'] as const;
export type Dns01TsigAlgorithm = (typeof DNS01_TSIG_ALGORITHMS)[number];

/** DNS-01 over RFC 2136 dynamic updates signed with TSIG (`LEGO_DNS01_*`). */
export interface Dns01Config {
  /** The primary server the updates go to (`LEGO_DNS01_RFC2136_NAMESERVER`, port 53 when not given). */
  readonly nameserver: { readonly host: string; readonly port: number };
  readonly tsigKeyName: string;
  readonly tsigAlgorithm: Dns01TsigAlgorithm;
  /** base64, from a Secret through the Deployment's `env[].valueFrom`; never logged. */
  readonly tsigSecret: SecretValue;
  /** Zones this server updates, lower-case without the trailing dot; empty: found by SOA lookup. */
  readonly zones: readonly string[];
  /** How long every authoritative nameserver has to answer a new TXT record before the order fails. */
  readonly propagationTimeoutMs: number;
  /** `LEGO_DNS01_DEFAULT`: names not annotated `kube-lego/challenge` use dns-01 instead of http-01. */
  readonly default: boolean;
}

/** The `LEGO_DNS01_*` variables without a default: set without the nameserver, they would be silently ignored. */
const DEPENDENT: readonly ConfigVariableName[] = [
  'LEGO_DNS01_RFC2136_TSIG_KEY_NAME',
  'LEGO_DNS01_RFC2136_TSIG_SECRET',
  'LEGO_DNS01_ZONES',
];

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

function isDomainName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address; undefined when it is none of them. */
function parseNameserver(value: string): { host: string; port: number } | undefined {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(value);
  if (bracketed !== null) {
    const host = bracketed[1] ?? '';
    return isIP(host) === 6 ? { host, port: Number(bracketed[2] ?? '53') } : undefined;
  }
  if (isIP(value) === 6) return { host: value, port: 53 };
  const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
  if (plain === null) return undefined;
  const host = (plain[1] ?? '').toLowerCase();
  if (isIP(host) === 0 && !isDomainName(host.replace(/\.$/, ''))) return undefined;
  return { host, port: Number(plain[2] ?? '53') };
}

function readNameserver(env: EnvironmentReader, value: string): Dns01Config['nameserver'] {
  const parsed = parseNameserver(value);
  if (parsed === undefined || parsed.port < 1 || parsed.port > 65535) {
    env.invalid(
      'LEGO_DNS01_RFC2136_NAMESERVER',
      value,
      'not a server address, expected host:port of the primary nameserver such as 10.0.0.53:53, ns1.example.com:53 or [2001:db8::53]:53',
    );
    return { host: '127.0.0.1', port: 53 };
  }
  return parsed;
}

function readKeyName(env: EnvironmentReader, nameserver: string): string {
  const value = env.raw('LEGO_DNS01_RFC2136_TSIG_KEY_NAME');
  if (value === undefined) {
    env.problem(
      'CONFIG_MISSING',
      'LEGO_DNS01_RFC2136_TSIG_KEY_NAME',
      `Cannot sign updates to LEGO_DNS01_RFC2136_NAMESERVER=${JSON.stringify(nameserver)} without a key: set LEGO_DNS01_RFC2136_TSIG_KEY_NAME to the TSIG key's name as the server knows it (see docs/dns01.md)`,
    );
    return '';
  }
  const name = value.toLowerCase().replace(/\.$/, '');
  if (!isDomainName(name)) {
    env.invalid(
      'LEGO_DNS01_RFC2136_TSIG_KEY_NAME',
      value,
      'not a key name, expected a domain name such as kube-lego or kube-lego.example.com (labels of letters, digits, hyphens and underscores)',
    );
  }
  return name;
}

function readSecret(env: EnvironmentReader, nameserver: string): SecretValue {
  const value = env.raw('LEGO_DNS01_RFC2136_TSIG_SECRET');
  if (value === undefined) {
    env.problem(
      'CONFIG_MISSING',
      'LEGO_DNS01_RFC2136_TSIG_SECRET',
      `Cannot sign updates to LEGO_DNS01_RFC2136_NAMESERVER=${JSON.stringify(nameserver)} without the key's secret: set LEGO_DNS01_RFC2136_TSIG_SECRET from a Secret (env valueFrom.secretKeyRef) to the base64 secret the server's key has`,
    );
    return new SecretValue('');
  }
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    env.invalid(
      'LEGO_DNS01_RFC2136_TSIG_SECRET',
      value,
      'not base64, expected the secret exactly as tsig-keygen or keymgr printed it (characters A-Z, a-z, 0-9, + and /, padded with =)',
    );
  }
  return new SecretValue(compact);
}

function readZones(env: EnvironmentReader): string[] {
  const value = env.raw('LEGO_DNS01_ZONES');
  if (value === undefined) return [];
  const zones = [
    ...new Set(
      value
        .split(',')
        .map((zone) => zone.trim().toLowerCase().replace(/\.$/, ''))
        .filter((zone) => zone !== ''),
    ),
  ];
  const bad = zones.find((zone) => !isDomainName(zone));
  if (bad !== undefined || zones.length === 0) {
    env.invalid(
      'LEGO_DNS01_ZONES',
      value,
      `${bad === undefined ? 'no zone listed' : `"${bad}" is not a zone name`}, expected the zones this server updates, comma-separated, such as example.com,acme.example.net`,
    );
  }
  return zones;
}

/**
 * `LEGO_DNS01_*`: undefined when `LEGO_DNS01_RFC2136_NAMESERVER` is unset (dns-01 off: wildcards and Ingresses
 * asking for dns-01 are refused with an Event saying what to set). Every variable is read even then, so a
 * dependent one set without the nameserver is reported instead of ignored.
 */
export function readDns01(env: EnvironmentReader): Dns01Config | undefined {
  const nameserverText = env.raw('LEGO_DNS01_RFC2136_NAMESERVER');
  const algorithm = env.choice('LEGO_DNS01_RFC2136_TSIG_ALGORITHM', DNS01_TSIG_ALGORITHMS) ?? 'hmac-sha256';
  const propagationTimeoutMs = env.duration('LEGO_DNS01_PROPAGATION_TIMEOUT', {
    minMs: 1000,
    belowMinimum: 'too short, accepted are durations of 1s or longer such as 2m',
  });
  const defaultDns01 = env.boolean('LEGO_DNS01_DEFAULT');
  if (nameserverText === undefined) {
    const orphan = defaultDns01 ? 'LEGO_DNS01_DEFAULT' : DEPENDENT.find((name) => env.isSet(name));
    if (orphan !== undefined) {
      env.problem(
        'CONFIG_MISSING',
        'LEGO_DNS01_RFC2136_NAMESERVER',
        `Cannot use ${orphan} without LEGO_DNS01_RFC2136_NAMESERVER: dns-01 needs the primary nameserver that accepts the updates, set it to host:port such as 10.0.0.53:53`,
      );
    }
    return undefined;
  }
  return {
    nameserver: readNameserver(env, nameserverText),
    tsigKeyName: readKeyName(env, nameserverText),
    tsigAlgorithm: algorithm,
    tsigSecret: readSecret(env, nameserverText),
    zones: readZones(env),
    propagationTimeoutMs,
    default: defaultDns01,
  };
}
