import { testHttpRequest } from './https-request.js';

/** A CAA policy for `addCaa`, e.g. `{ tag: 'issue', value: 'pebble.letsencrypt.org' }`. */
export interface CaaPolicy {
  readonly tag: string;
  readonly value: string;
}

function fqdn(host: string): string {
  return host.endsWith('.') ? host : `${host}.`;
}

/** Client of pebble-challtestsrv's management API (plain HTTP, POST JSON): the DNS Pebble's VA resolves through. */
export class ChalltestClient {
  /** `http://127.0.0.1:<port>` */
  readonly managementUrl: string;

  constructor(managementUrl: string) {
    this.managementUrl = managementUrl;
  }

  private async post(path: string, body: Readonly<Record<string, unknown>>): Promise<string> {
    const response = await testHttpRequest({
      url: `${this.managementUrl}${path}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) {
      throw new Error(`challtestsrv ${path} answered HTTP ${response.status}: ${response.body}`);
    }
    return response.body;
  }

  /** Answer A queries without an explicit mock with `ip` ('' to answer none). */
  async setDefaultIpv4(ip: string): Promise<void> {
    await this.post('/set-default-ipv4', { ip });
  }

  /** Answer AAAA queries without an explicit mock with `ip` ('' to answer none). */
  async setDefaultIpv6(ip: string): Promise<void> {
    await this.post('/set-default-ipv6', { ip });
  }

  /** Answer A queries for `host` with `addresses`. */
  async addA(host: string, addresses: readonly string[]): Promise<void> {
    await this.post('/add-a', { host: fqdn(host), addresses });
  }

  async clearA(host: string): Promise<void> {
    await this.post('/clear-a', { host: fqdn(host) });
  }

  async addAaaa(host: string, addresses: readonly string[]): Promise<void> {
    await this.post('/add-aaaa', { host: fqdn(host), addresses });
  }

  async clearAaaa(host: string): Promise<void> {
    await this.post('/clear-aaaa', { host: fqdn(host) });
  }

  /** Set the TXT record of `host` (e.g. `_acme-challenge.a.example`) to `value`. */
  async setTxt(host: string, value: string): Promise<void> {
    await this.post('/set-txt', { host: fqdn(host), value });
  }

  async clearTxt(host: string): Promise<void> {
    await this.post('/clear-txt', { host: fqdn(host) });
  }

  async addCaa(host: string, policies: readonly CaaPolicy[]): Promise<void> {
    await this.post('/add-caa', { host: fqdn(host), policies });
  }

  async clearCaa(host: string): Promise<void> {
    await this.post('/clear-caa', { host: fqdn(host) });
  }

  /** Make every query for `host` fail with SERVFAIL. */
  async setServfail(host: string): Promise<void> {
    await this.post('/set-servfail', { host: fqdn(host) });
  }

  async clearServfail(host: string): Promise<void> {
    await this.post('/clear-servfail', { host: fqdn(host) });
  }

  async setCname(host: string, target: string): Promise<void> {
    await this.post('/set-cname', { host: fqdn(host), target: fqdn(target) });
  }

  async clearCname(host: string): Promise<void> {
    await this.post('/clear-cname', { host: fqdn(host) });
  }

  /** The DNS queries challtestsrv answered for `host`, as its JSON (an array of records). */
  async dnsRequestHistory(host: string): Promise<unknown> {
    return JSON.parse(await this.post('/dns-request-history', { host: fqdn(host) })) as unknown;
  }

  async clearRequestHistory(host: string): Promise<void> {
    await this.post('/clear-request-history', { host: fqdn(host), type: 'dns' });
  }
}
