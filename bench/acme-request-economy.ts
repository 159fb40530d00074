// Request economy and speed of one 3-name http-01 issuance on Pebble: our ACME client against acme-client
// 5.4.0 (polling tuned to 100 ms), measured in the same run on the same Pebble. Run after the build:
//   node dist/bench/acme-request-economy.js [runs]
// Each run registers a fresh account (key made beforehand) and issues one certificate for 3 new names; the
// timed part is registration through the downloaded chain. Requests are counted per HTTP request sent,
// excluding the directory fetch. Our client counts through its onRequest hook; acme-client through an
// https.Agent wrapper handed to its axios instance (its internals are not touched).
import '../src/x509/x509-runtime.js';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import acme from 'acme-client';
import { AcmeClient } from '../src/acme/acme-client.js';
import { generateAccountKey } from '../src/acme/account-key.js';
import { obtainCertificate, toIdentifiers } from '../src/acme/obtain-certificate.js';
import { createCsr } from '../src/x509/create-csr.js';
import { inspectCertificate } from '../src/x509/inspect-certificate.js';
import { generateKey } from '../src/x509/private-key.js';
import { startPebble, type PebbleRig } from '../test/support/pebble.js';

interface Sample {
  readonly requests: number;
  readonly ms: number;
}

const runs = Number(process.argv[2] ?? 10);
const POLL_MS = 100;
const tokens = new Map<string, string>();

function startChallengeServer(port: number): Promise<http.Server> {
  const prefix = '/.well-known/acme-challenge/';
  const server = http.createServer((req, res) => {
    const body = req.url?.startsWith(prefix) ? tokens.get(req.url.slice(prefix.length)) : undefined;
    res.writeHead(body === undefined ? 404 : 200).end(body ?? '');
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => {
      resolve(server);
    }),
  );
}

function namesFor(who: string, run: number): string[] {
  return ['a', 'b', 'c'].map((label) => `${label}.${who}-${run}.bench.test`);
}

async function ours(rig: PebbleRig, run: number): Promise<Sample> {
  const names = namesFor('ours', run);
  const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
  const csr = await createCsr(key, names);
  const accountKey = await generateAccountKey();
  let requests = 0;
  const started = performance.now();
  const client = new AcmeClient({
    directoryUrl: rig.directoryUrl,
    caPem: rig.caPem,
    accountKey,
    onRequest: (request) => {
      if (request.url !== rig.directoryUrl) requests += 1;
    },
  });
  await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:bench@example.test'] });
  const result = await obtainCertificate(client, {
    identifiers: toIdentifiers(names),
    csrDer: csr.der,
    pollIntervalMs: POLL_MS,
    solver: {
      type: 'http-01',
      present: (_authz, challenge, keyAuthorization) => {
        tokens.set(challenge.token ?? '', keyAuthorization);
        return Promise.resolve();
      },
      cleanup: (_authz, challenge) => {
        tokens.delete(challenge.token ?? '');
        return Promise.resolve();
      },
    },
  });
  const ms = performance.now() - started;
  client.close();
  check(result.certificatePem, names);
  return { requests, ms };
}

async function theirs(rig: PebbleRig, run: number): Promise<Sample> {
  const names = namesFor('acme-client', run);
  const key = await generateKey({ type: 'ecdsa', curve: 'P-256' });
  const csr = await createCsr(key, names);
  const accountKey = await acme.crypto.createPrivateEcdsaKey('P-256');
  const agent = new https.Agent({ keepAlive: true, ca: [...tls.rootCertificates, rig.caPem] });
  let requests = 0;
  // Count at the agent: every request acme-client's axios sends passes through addRequest.
  const hook = agent as unknown as { addRequest(req: http.ClientRequest, options: unknown): void };
  const addRequest = hook.addRequest.bind(agent);
  hook.addRequest = (req, options) => {
    if (req.path !== new URL(rig.directoryUrl).pathname) requests += 1;
    addRequest(req, options);
  };
  acme.axios.defaults.httpsAgent = agent;
  const started = performance.now();
  const client = new acme.Client({
    directoryUrl: rig.directoryUrl,
    accountKey,
    backoffAttempts: 100,
    backoffMin: POLL_MS,
    backoffMax: POLL_MS,
  });
  const pem = await client.auto({
    csr: Buffer.from(csr.pem),
    email: 'bench@example.test',
    termsOfServiceAgreed: true,
    challengePriority: ['http-01'],
    skipChallengeVerification: true,
    challengeCreateFn: (_authz, challenge, keyAuthorization) => {
      tokens.set(challenge.token, keyAuthorization);
      return Promise.resolve();
    },
    challengeRemoveFn: (_authz, challenge) => {
      tokens.delete(challenge.token);
      return Promise.resolve();
    },
  });
  const ms = performance.now() - started;
  agent.destroy();
  check(pem, names);
  return { requests, ms };
}

function check(pem: string, names: readonly string[]): void {
  const got = [...inspectCertificate(pem).dnsNames].sort().join(',');
  if (got !== [...names].sort().join(',')) throw new Error(`issued names ${got}, wanted ${names.join(',')}`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function summary(samples: readonly Sample[]): { requests: number; ms: number; minMs: number; maxMs: number } {
  const ms = samples.map((s) => s.ms);
  return {
    requests: median(samples.map((s) => s.requests)),
    ms: Math.round(median(ms)),
    minMs: Math.round(Math.min(...ms)),
    maxMs: Math.round(Math.max(...ms)),
  };
}

async function main(): Promise<void> {
  const rig = await startPebble({ nonceRejectPercent: 0, authzReusePercent: 0 });
  const server = await startChallengeServer(rig.httpPort);
  try {
    // One unmeasured run each warms up the JIT, TLS session and Pebble.
    await ours(rig, -1);
    await theirs(rig, -1);
    const mine: Sample[] = [];
    const peer: Sample[] = [];
    for (let run = 0; run < runs; run++) {
      // Alternate who goes first so drift on the shared machine hits both equally.
      if (run % 2 === 0) {
        mine.push(await ours(rig, run));
        peer.push(await theirs(rig, run));
      } else {
        peer.push(await theirs(rig, run));
        mine.push(await ours(rig, run));
      }
    }
    const result = {
      pebble: rig.version,
      node: process.version,
      runs,
      pollMs: POLL_MS,
      ours: { ...summary(mine), samples: mine },
      acmeClient: { ...summary(peer), samples: peer },
    };
    console.log(`Pebble ${rig.version}, Node ${process.version}, ${runs} runs, medians:`);
    console.log(
      `  kube-lego acme:     ${result.ours.requests} requests after the directory, ${result.ours.ms} ms (min ${result.ours.minMs}, max ${result.ours.maxMs})`,
    );
    console.log(
      `  acme-client 5.4.0:  ${result.acmeClient.requests} requests after the directory, ${result.acmeClient.ms} ms (min ${result.acmeClient.minMs}, max ${result.acmeClient.maxMs})`,
    );
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/acme-request-economy.json', JSON.stringify(result, null, 2));
  } finally {
    server.closeAllConnections();
    server.close();
    await rig.stop();
  }
}

await main();
