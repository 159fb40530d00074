import {
  describeError,
  type AcmeTarget,
  type IssueOutcome,
  type Peer,
  type PeerAvailability,
} from '../peer.js';
import type {
  ControllerIssueOutcome,
  IngressCertificate,
  KubeLegoDriver,
  RunningController,
} from '../kube-lego-driver.js';
import { loadKubeLegoDriver } from '../load-kube-lego-driver.js';

const applyTimeoutMs = 600_000;

interface Running {
  readonly directoryUrl: string;
  readonly trace: boolean;
  readonly controller: RunningController;
}

function ingressFor(names: readonly string[], index: number): IngressCertificate {
  const base = (names[0] ?? `cert-${index}`).split('.')[0] ?? `cert-${index}`;
  return { namespace: 'default', ingressName: base, secretName: `${base}-tls`, hosts: names };
}

function toOutcomes(
  outcome: ControllerIssueOutcome,
  ingresses: readonly IngressCertificate[],
): IssueOutcome[] {
  if (!outcome.ok) {
    return ingresses.map(() => ({ ok: false, elapsedMs: outcome.elapsedMs, error: outcome.error }));
  }
  // Results are paired with requests by Secret, so a certificate is checked against its own Ingress's hosts.
  return ingresses.map((ingress): IssueOutcome => {
    const stored = outcome.stored.find(
      (candidate) => candidate.namespace === ingress.namespace && candidate.secretName === ingress.secretName,
    );
    return stored === undefined
      ? { ok: false, elapsedMs: outcome.elapsedMs, error: `Secret ${ingress.secretName} was not stored` }
      : { ok: true, elapsedMs: outcome.elapsedMs, bundlePem: stored.certificatePem, keyPem: stored.keyPem };
  });
}

/**
 * The kube-lego controller seen as a peer: one controller process is started (outside the timing) per ACME
 * target and kept running, so a measurement is "Ingress applied" to "Secret stored" on a running controller.
 * `ecdsa-p256` (id `kube-lego`) is the key type every other peer uses; `rsa` (id `kube-lego-rsa`) is the
 * controller's default, measured as a row of its own.
 */
export function kubeLegoControllerPeer(keyType: 'ecdsa-p256' | 'rsa' = 'ecdsa-p256'): Peer {
  let driver: KubeLegoDriver | undefined;
  let running: Running | undefined;

  // Single certificates (case 1) are traced for the phase breakdown; a batch runs at the default log level.
  const ensureRunning = async (
    target: AcmeTarget,
    workDir: string,
    email: string,
    trace: boolean,
  ): Promise<RunningController> => {
    if (running?.directoryUrl === target.directoryUrl && running.trace === trace) return running.controller;
    if (running !== undefined) await running.controller.stop();
    running = undefined;
    if (driver === undefined) throw new Error('the controller driver is not loaded: probe() first');
    const controller = await driver.start({ target, workDir, email, keyType, trace });
    running = { directoryUrl: target.directoryUrl, trace, controller };
    return controller;
  };

  return {
    id: keyType === 'rsa' ? 'kube-lego-rsa' : 'kube-lego',
    name: `kube-lego controller (Ingress to Secret, ${keyType === 'rsa' ? 'RSA 2048' : 'ECDSA P-256'})`,
    kind: 'controller',
    probe: async (): Promise<PeerAvailability> => {
      const loaded = await loadKubeLegoDriver();
      if (!loaded.available) return { available: false, reason: loaded.reason };
      driver = loaded.driver;
      return { available: true, version: await driver.describe() };
    },
    issue: async (request) => {
      try {
        const controller = await ensureRunning(request.target, request.stateDir, request.email, true);
        const ingress = ingressFor(request.names, 0);
        const outcome = await controller.applyAndWait([ingress], applyTimeoutMs);
        const result = toOutcomes(outcome, [ingress])[0] ?? {
          ok: false,
          elapsedMs: outcome.elapsedMs,
          error: 'no result',
        };
        return result.ok && outcome.ok && outcome.trace !== undefined
          ? { ...result, trace: outcome.trace }
          : result;
      } catch (error) {
        return { ok: false, elapsedMs: 0, error: describeError(error) };
      }
    },
    issueMany: async (request) => {
      const ingresses = request.certificates.map((names, index) => ingressFor(names, index));
      try {
        const controller = await ensureRunning(request.target, request.stateDir, request.email, false);
        const outcome = await controller.applyAndWait(ingresses, applyTimeoutMs);
        return {
          elapsedMs: outcome.elapsedMs,
          mode: `${ingresses.length} Ingresses applied at once`,
          results: toOutcomes(outcome, ingresses),
          ...(outcome.ok && outcome.cpuSeconds !== undefined ? { cpuSeconds: outcome.cpuSeconds } : {}),
          ...(outcome.ok && outcome.eventLoopDelay !== undefined
            ? { eventLoopDelay: outcome.eventLoopDelay }
            : {}),
        };
      } catch (error) {
        return {
          elapsedMs: 0,
          mode: 'failed to start',
          results: ingresses.map(() => ({ ok: false, elapsedMs: 0, error: describeError(error) })),
        };
      }
    },
    release: async () => {
      const current = running;
      running = undefined;
      if (current !== undefined) await current.controller.stop();
    },
  };
}
