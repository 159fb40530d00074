import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ChallengeSolver, SolverSource } from '../../acme/challenge-solver.js';
import { dns01RecordName, dns01TxtValue } from '../../acme/key-authorization.js';
import type { AcmeAuthorization, AcmeChallenge } from '../../acme/resources.js';
import { RecordType } from '../../dns/dns-codes.js';
import { DnsError } from '../../dns/dns-error.js';
import { findZone, lookupNs, lookupTxt, queryDns } from '../../dns/dns-query.js';
import { formatServer, type DnsServer } from '../../dns/dns-transport.js';
import { sendUpdate, type UpdateOperation } from '../../dns/dns-update.js';
import type { TsigKey } from '../../dns/tsig.js';
import { canonicalName, nextCnameStep, zoneOf } from '../../domain/dns01-target.js';
import type { Dns01Journal, Dns01Record } from '../../ports/dns01-journal.js';
import type { Log } from '../../ports/log.js';
import { abortableSleep } from '../../runtime/abortable-sleep.js';
import { Dns01Error } from './dns01-error.js';

export interface Dns01Settings {
  /** The primary that accepts the signed updates (`LEGO_DNS01_RFC2136_NAMESERVER`). */
  readonly nameserver: DnsServer;
  readonly key: TsigKey;
  /** `LEGO_DNS01_ZONES`; empty: the zone of a record is found by an SOA query to the nameserver. */
  readonly zones: readonly string[];
  readonly propagationTimeoutMs: number;
  /** TTL of the TXT records. @default 60 */
  readonly ttlSeconds?: number;
  /** First wait between two propagation checks, doubling up to 2 s. @default 250 */
  readonly firstCheckDelayMs?: number;
}

/** One authoritative nameserver of a zone, as it is queried. */
interface Authority {
  readonly label: string;
  readonly server: DnsServer | undefined;
  /** Why it could not be asked (its name does not resolve). */
  readonly problem?: string;
}

const DNS_PORT = 53;
const QUERY_TIMEOUT_MS = 2_000;
const MAX_CHECK_DELAY_MS = 2_000;

/**
 * dns-01 over RFC 2136: the TXT record of each challenge is added by a TSIG-signed UPDATE to the configured
 * nameserver, at the end of the `_acme-challenge.<name>` CNAME chain (CNAME delegation), and deleted again by
 * value, so a wildcard and its apex, which share the name, each delete only their own. The challenge is
 * answered once every authoritative nameserver of the zone answers the record, queried directly.
 */
export class Dns01Solvers implements SolverSource {
  readonly #settings: Dns01Settings;
  readonly #journal: Dns01Journal;
  readonly #log: Log;
  readonly #resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: 2 });

  constructor(options: {
    readonly settings: Dns01Settings;
    readonly journal: Dns01Journal;
    readonly log: Log;
  }) {
    this.#settings = options.settings;
    this.#journal = options.journal;
    this.#log = options.log;
  }

  /** A solver for one order; it remembers which record each of its challenges wrote. */
  solverFor(_target: unknown, signal?: AbortSignal): ChallengeSolver {
    const written = new Map<string, Dns01Record>();
    return {
      type: 'dns-01',
      present: async (authz: AcmeAuthorization, challenge: AcmeChallenge, keyAuthorization: string) => {
        const record = await this.#recordFor(authz, dns01TxtValue(keyAuthorization), signal);
        written.set(challenge.url, record);
        await this.#journal.remember(record);
        await this.#update(
          record,
          { kind: 'add', name: record.name, ttlSeconds: this.#ttl(), data: txt(record) },
          signal,
        );
        this.#logFor(authz).info(`added TXT record ${record.name} in zone ${record.zone}`);
      },
      ready: async (authz: AcmeAuthorization, challenge: AcmeChallenge) => {
        const record = written.get(challenge.url);
        if (record !== undefined) await this.#waitForPropagation(authz, record, signal);
      },
      cleanup: async (authz: AcmeAuthorization, challenge: AcmeChallenge) => {
        const record = written.get(challenge.url);
        if (record === undefined) return;
        await this.#remove(record);
        written.delete(challenge.url);
        this.#logFor(authz).debug(`removed TXT record ${record.name}`);
      },
    };
  }

  /** Deletes the records an earlier run wrote and did not delete (an order cut short by a restart). */
  async removeLeftovers(): Promise<void> {
    for (const record of await this.#journal.records()) {
      try {
        await this.#remove(record);
        this.#log.info(`removed TXT record ${record.name} left by an earlier run`);
      } catch (err) {
        this.#log.warn(`cannot remove TXT record ${record.name} left by an earlier run: ${String(err)}`);
      }
    }
  }

  async #remove(record: Dns01Record): Promise<void> {
    await this.#update(record, { kind: 'deleteRecord', name: record.name, data: txt(record) });
    await this.#journal.forget(record);
  }

  #update(record: Dns01Record, operation: UpdateOperation, signal?: AbortSignal): Promise<void> {
    const { nameserver, key } = this.#settings;
    return sendUpdate(
      nameserver,
      { zone: record.zone, key, operations: [operation] },
      signal === undefined ? {} : { signal },
    );
  }

  #ttl(): number {
    return this.#settings.ttlSeconds ?? 60;
  }

  #logFor(authz: AcmeAuthorization): Log {
    const domain = authz.wildcard ? `*.${authz.identifier.value}` : authz.identifier.value;
    return this.#log.with({ context: 'acme', domain });
  }

  /** Where the TXT record of `authz` goes: the end of the CNAME chain, in its zone. */
  async #recordFor(authz: AcmeAuthorization, value: string, signal?: AbortSignal): Promise<Dns01Record> {
    const identifier = authz.wildcard ? `*.${authz.identifier.value}` : authz.identifier.value;
    const chain = [canonicalName(dns01RecordName(authz.identifier.value))];
    for (;;) {
      const step = nextCnameStep(chain, await this.#cname(chain.at(-1) ?? '', signal));
      if (step.kind === 'follow') {
        chain.push(step.name);
        continue;
      }
      if (step.kind !== 'write') {
        throw new Dns01Error(
          step.kind === 'loop' ? 'dns01CnameLoop' : 'dns01CnameTooDeep',
          `Cannot write the dns-01 record of "${identifier}": ${step.detail}; fix the CNAME records`,
        );
      }
      return { name: step.name, zone: await this.#zoneFor(identifier, chain, signal), value };
    }
  }

  async #zoneFor(identifier: string, chain: readonly string[], signal?: AbortSignal): Promise<string> {
    const name = chain.at(-1) ?? '';
    const { zones, nameserver } = this.#settings;
    if (zones.length === 0) return canonicalName(await findZone(nameserver, name, queryOptions(signal)));
    const zone = zoneOf(name, zones);
    if (zone !== undefined) return zone;
    const via = chain.length > 1 ? ` (reached through CNAMEs: ${chain.join(' -> ')})` : '';
    throw new Dns01Error(
      'dns01OutsideZones',
      `Cannot write the dns-01 record of "${identifier}": ${name}${via} is outside the zones kube-lego updates (LEGO_DNS01_ZONES=${zones.join(',')}); point the CNAME into one of them or add its zone`,
    );
  }

  /**
   * The CNAME at `name`: asked of the configured nameserver when it is authoritative for the name, else of the
   * system's resolver (a CNAME delegation lives at the other provider, Cloudflare or Route 53).
   */
  async #cname(name: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const answer = await queryDns(this.#settings.nameserver, name, RecordType.CNAME, queryOptions(signal));
      if (answer.authoritative) {
        const found = answer.answers.find((r) => canonicalName(r.name) === name && r.data.type === 'CNAME');
        return found?.data.type === 'CNAME' ? found.data.target : undefined;
      }
    } catch (err) {
      if (!(err instanceof DnsError) || (err.code !== 'dnsRefused' && err.code !== 'dnsNotAuth')) throw err;
    }
    try {
      return (await this.#resolver.resolveCname(name))[0];
    } catch {
      return undefined; // NXDOMAIN or NODATA: no CNAME, the record is written at `name`
    }
  }

  /** Waits until every authoritative nameserver of the zone answers the value, bounded by the timeout. */
  async #waitForPropagation(
    authz: AcmeAuthorization,
    record: Dns01Record,
    signal?: AbortSignal,
  ): Promise<void> {
    const startedMs = Date.now();
    const deadlineMs = startedMs + this.#settings.propagationTimeoutMs;
    const authorities = await this.#authorities(record.zone, signal);
    const lagging = new Map<string, string>(authorities.map((a) => [a.label, a.problem ?? 'not asked yet']));
    let delayMs = this.#settings.firstCheckDelayMs ?? 250;
    for (;;) {
      for (const authority of authorities) {
        if (!lagging.has(authority.label) || authority.server === undefined) continue;
        try {
          const remainingMs = Math.max(1, Math.min(QUERY_TIMEOUT_MS, deadlineMs - Date.now()));
          const values = await lookupTxt(authority.server, record.name, {
            ...queryOptions(signal),
            timeoutMs: remainingMs,
          });
          if (values.includes(record.value)) lagging.delete(authority.label);
          else lagging.set(authority.label, 'does not answer the value yet');
        } catch (err) {
          if (signal?.aborted === true) throw err;
          lagging.set(authority.label, err instanceof Error ? err.message : String(err));
        }
      }
      if (lagging.size === 0) {
        this.#logFor(authz).debug(
          `TXT record ${record.name} answered by ${authorities.map((a) => a.label).join(', ')} after ${Date.now() - startedMs} ms`,
        );
        return;
      }
      if (Date.now() + delayMs > deadlineMs || signal?.aborted === true) break;
      await abortableSleep(delayMs, signal);
      delayMs = Math.min(MAX_CHECK_DELAY_MS, delayMs * 2);
    }
    const which = [...lagging].map(([label, why]) => `${label}: ${why}`).join('; ');
    const identifier = authz.wildcard ? `*.${authz.identifier.value}` : authz.identifier.value;
    throw new Dns01Error(
      'dns01PropagationTimeout',
      `Cannot answer the dns-01 challenge of "${identifier}": TXT record ${record.name} was not answered by every authoritative nameserver of zone ${record.zone} within ${Math.round(this.#settings.propagationTimeoutMs / 1000)} s (LEGO_DNS01_PROPAGATION_TIMEOUT); lagging: ${which}`,
    );
  }

  /**
   * The zone's NS records, each resolved (at the configured nameserver first, then the system's resolver) and
   * asked on port 53; the configured nameserver itself is asked on its configured port.
   */
  async #authorities(zone: string, signal?: AbortSignal): Promise<Authority[]> {
    const { nameserver } = this.#settings;
    const primary: Authority = { label: formatServer(nameserver), server: nameserver };
    const hosts = await lookupNs(nameserver, zone, queryOptions(signal));
    if (hosts.length === 0) return [primary];
    const authorities: Authority[] = [];
    for (const host of hosts.map(canonicalName)) {
      const addresses = await this.#addresses(host, signal);
      if (addresses.length === 0) {
        authorities.push({ label: host, server: undefined, problem: 'its name does not resolve' });
        continue;
      }
      for (const address of addresses) {
        const port =
          address === nameserver.host || host === canonicalName(nameserver.host) ? nameserver.port : DNS_PORT;
        const server = { host: address, port };
        authorities.push({ label: `${host} (${formatServer(server)})`, server });
      }
    }
    return authorities;
  }

  async #addresses(host: string, signal?: AbortSignal): Promise<string[]> {
    if (isIP(host) !== 0) return [host];
    try {
      const answer = await queryDns(this.#settings.nameserver, host, RecordType.A, queryOptions(signal));
      const found = answer.answers.flatMap((r) => (r.data.type === 'A' ? [r.data.address] : []));
      if (answer.authoritative && found.length > 0) return found;
    } catch (err) {
      if (!(err instanceof DnsError)) throw err;
    }
    try {
      return (await lookup(host, { all: true })).map((entry) => entry.address);
    } catch {
      return [];
    }
  }
}

function txt(record: Dns01Record): { readonly type: 'TXT'; readonly strings: readonly string[] } {
  return { type: 'TXT', strings: [record.value] };
}

function queryOptions(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
