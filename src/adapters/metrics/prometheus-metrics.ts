import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AcmeExchange } from '../../acme/http-transport.js';
import type { CertificateReports, IssuanceMetrics, OrderResult } from '../../ports/metrics.js';
import type { KubeExchange } from '../kube/kube-client.js';
import { apiRequestKind } from '../kube/api-request-kind.js';
import { certificateExpositionChunks } from './certificate-exposition.js';

/** The work queue as the metrics read it at scrape time. */
export interface QueueReading {
  /** Keys waiting for a worker. */
  readonly length: number;
  /** How long the longest-waiting key has waited. */
  oldestWaitMs(): number;
}

export interface PrometheusMetricsOptions {
  readonly version: string;
  readonly nowMs?: () => number;
}

/** What the scrape-time gauges read: attached once the controller's caches and queue exist. */
export interface ScrapeSources {
  readonly certificates: CertificateReports;
  readonly queue: QueueReading;
  /** Whether this replica leads (always, without leader election). */
  readonly leading?: () => boolean;
}

function seconds(ms: number): number {
  return ms / 1000;
}

/**
 * kube-lego's Prometheus metrics in their own registry, plus the per-certificate gauges written by
 * certificateExposition(). Per-certificate gauges are computed when scraped,
 * from the caches the controller already keeps: nothing is pushed, so nothing goes stale, and a certificate
 * that stops being managed has no series at the next scrape. Counters count as requests and orders end.
 */
export class PrometheusMetrics implements IssuanceMetrics {
  readonly registry = new Registry();
  readonly #options: PrometheusMetricsOptions;
  #sources: ScrapeSources | undefined;
  readonly #orders: Counter<'result'>;
  readonly #acmeRequests: Counter<'method' | 'path' | 'status'>;
  readonly #acmeDuration: Histogram<'method' | 'path'>;
  readonly #kubeRequests: Counter<'verb' | 'resource' | 'code'>;

  constructor(options: PrometheusMetricsOptions) {
    this.#options = options;
    const registers = [this.registry];
    const sources = (): ScrapeSources | undefined => this.#sources;
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'kube_lego_build_info',
      help: 'Always 1: the version of kube-lego and of Node.js that runs it',
      labelNames: ['version', 'node_version'],
      registers,
    }).set({ version: options.version, node_version: process.version }, 1);
    this.#orders = new Counter({
      name: 'kube_lego_orders_total',
      help: 'Issuance attempts by result: issued, or the failure reason recorded on the Secret',
      labelNames: ['result'],
      registers,
    });
    this.#acmeRequests = new Counter({
      name: 'kube_lego_acme_client_requests_total',
      help: 'HTTP requests to the ACME server by method, ACME resource (path) and status ("error": no response)',
      labelNames: ['method', 'path', 'status'],
      registers,
    });
    this.#acmeDuration = new Histogram({
      name: 'kube_lego_acme_client_request_duration_seconds',
      help: 'Duration of HTTP requests to the ACME server by method and ACME resource (path)',
      labelNames: ['method', 'path'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#kubeRequests = new Counter({
      name: 'kube_lego_kube_api_requests_total',
      help: 'Requests to the Kubernetes API by verb, resource and HTTP status code ("error": no response)',
      labelNames: ['verb', 'resource', 'code'],
      registers,
    });
    new Gauge({
      name: 'kube_lego_leader',
      help: '1 while this replica holds the Lease and acts (always 1 without leader election), else 0',
      registers,
      collect() {
        this.set(sources()?.leading?.() === false ? 0 : 1);
      },
    });
    new Gauge({
      name: 'kube_lego_workqueue_depth',
      help: 'Keys waiting for a worker',
      registers,
      collect() {
        this.set(sources()?.queue.length ?? 0);
      },
    });
    new Gauge({
      name: 'kube_lego_workqueue_oldest_item_age_seconds',
      help: 'How long the key that has waited longest for a worker has waited',
      registers,
      collect() {
        this.set(seconds(sources()?.queue.oldestWaitMs() ?? 0));
      },
    });
  }

  /** Attaches the caches and the queue the scrape-time gauges read; before, they report no certificate. */
  readFrom(sources: ScrapeSources): void {
    this.#sources = sources;
  }

  orderFinished(result: OrderResult): void {
    this.#orders.inc({ result });
  }

  /** Counts one finished ACME request (AcmeClient's `onResponse`). */
  acmeExchange(exchange: AcmeExchange): void {
    const labels = { method: exchange.method, path: exchange.resource };
    this.#acmeRequests.inc({
      ...labels,
      status: exchange.status === undefined ? 'error' : String(exchange.status),
    });
    this.#acmeDuration.observe(labels, seconds(exchange.durationMs));
  }

  /** Counts one Kubernetes API request (KubeClient's `onResponse`). */
  kubeExchange(exchange: KubeExchange): void {
    const kind = apiRequestKind(exchange.method, exchange.path, exchange.query);
    this.#kubeRequests.inc({
      verb: kind.verb,
      resource: kind.resource,
      code: exchange.status === undefined ? 'error' : String(exchange.status),
    });
  }

  /**
   * The exposition text of one scrape, in chunks written as they are made; the certificate reports are read
   * once, when it starts.
   */
  async render(): Promise<Iterable<string>> {
    const nowMs = this.#options.nowMs?.() ?? Date.now();
    const reports = [...(this.#sources?.certificates.reports(nowMs) ?? [])];
    const processWide = await this.registry.metrics();
    return (function* () {
      yield `${processWide}\n`;
      yield* certificateExpositionChunks(reports);
    })();
  }

  /** The Content-Type of render()'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
