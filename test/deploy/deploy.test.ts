import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { gatewayManifest } from '../support/gateway-manifest.js';
import { loadAll } from 'js-yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { CONFIG_VARIABLES } from '../../src/config/variables.js';
import { startDevEnvironment, type DevEnvironment } from '../../dev/devenv/dev-environment.js';
import { startSandbox, type PolicyRule, type Sandbox } from '../../dev/sandbox/sandbox.js';
import { kustomize, REPO_ROOT } from '../support/kustomize.js';
import { grants, neededPermissions, type Rule } from '../support/rbac-audit.js';

const exec = promisify(execFile);
const CONTROLLER_USER = 'system:serviceaccount:kube-lego:kube-lego';
const OWN_NAMESPACE = 'kube-lego';

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly configMapKeyRef?: { readonly name: string; readonly key: string };
    readonly fieldRef?: { readonly fieldPath: string };
  };
}
interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: number | string };
}
interface Container {
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly resources?: { readonly requests?: object; readonly limits?: object };
  readonly securityContext?: {
    readonly allowPrivilegeEscalation?: boolean;
    readonly readOnlyRootFilesystem?: boolean;
  };
}
interface Deployment {
  readonly apiVersion: string;
  readonly spec: {
    readonly template: {
      readonly spec: {
        readonly serviceAccountName?: string;
        readonly securityContext?: { readonly runAsNonRoot?: boolean };
        readonly containers: readonly Container[];
      };
    };
  };
}

describe('deploy/ manifests', () => {
  let dir: string;
  let sandbox: Sandbox;
  let kubeconfig: string;
  let clusterRules: readonly Rule[] = [];
  let namespaceRules: readonly Rule[] = [];
  let deployment: Deployment;

  const kubectl = async (...args: string[]): Promise<string> =>
    (await exec('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 })).stdout;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lego-deploy-'));
    sandbox = await startSandbox({ auditLog: false });
    kubeconfig = join(dir, 'kubeconfig');
    await sandbox.writeKubeconfig(kubeconfig);
  });

  after(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('render with kubectl kustomize: staging by default, production in its overlay, both on ACME v2', async () => {
    const staging = await kustomize('deploy');
    const production = await kustomize('deploy/overlays/production');
    assert.equal(await kustomize('deploy/overlays/staging'), staging);
    assert.match(staging, /lego\.url: https:\/\/acme-staging-v02\.api\.letsencrypt\.org\/directory/);
    assert.match(production, /lego\.url: https:\/\/acme-v02\.api\.letsencrypt\.org\/directory/);
    for (const rendered of [staging, production]) {
      assert.doesNotMatch(rendered, /acme-v01|extensions\/v1beta1|apps\/v1beta/);
      const kinds = [...rendered.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).sort();
      assert.deepEqual(kinds, [
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'Namespace',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ]);
    }
  });

  it('apply to the API sandbox with strict validation', async () => {
    const file = join(dir, 'rendered.yaml');
    await writeFile(file, await kustomize('deploy'));
    await kubectl('apply', '--validate=strict', '-f', file);
    deployment = JSON.parse(
      await kubectl('get', 'deployment', 'kube-lego', '-n', OWN_NAMESPACE, '-o', 'json'),
    ) as Deployment;
    clusterRules = (
      JSON.parse(await kubectl('get', 'clusterrole', 'kube-lego', '-o', 'json')) as { rules: Rule[] }
    ).rules;
    namespaceRules = (
      JSON.parse(await kubectl('get', 'role', 'kube-lego', '-n', OWN_NAMESPACE, '-o', 'json')) as {
        rules: Rule[];
      }
    ).rules;
    assert.equal(deployment.apiVersion, 'apps/v1');
    const binding = JSON.parse(await kubectl('get', 'clusterrolebinding', 'kube-lego', '-o', 'json')) as {
      subjects: { kind: string; name: string; namespace: string }[];
    };
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'kube-lego', namespace: OWN_NAMESPACE },
    ]);
  });

  it('wire the environment the way the configuration module reads it', async () => {
    const podSpec = deployment.spec.template.spec;
    const [container] = podSpec.containers;
    assert.ok(container !== undefined);
    const env = container.env ?? [];
    const known = new Set<string>(CONFIG_VARIABLES.map((variable) => variable.name));
    for (const variable of env)
      assert.ok(known.has(variable.name), `${variable.name} is a configuration variable`);
    const source = (name: string): unknown => env.find((v) => v.name === name)?.valueFrom;
    assert.deepEqual(source('LEGO_EMAIL'), { configMapKeyRef: { name: 'kube-lego', key: 'lego.email' } });
    assert.deepEqual(source('LEGO_URL'), { configMapKeyRef: { name: 'kube-lego', key: 'lego.url' } });
    assert.deepEqual(source('LEGO_NAMESPACE'), { fieldRef: { fieldPath: 'metadata.namespace' } });
    assert.deepEqual(source('LEGO_POD_IP'), { fieldRef: { fieldPath: 'status.podIP' } });

    // Resolve the references as the kubelet would and load the configuration from them.
    const configMap = JSON.parse(
      await kubectl('get', 'configmap', 'kube-lego', '-n', OWN_NAMESPACE, '-o', 'json'),
    ) as {
      data: Record<string, string>;
    };
    const resolved: Record<string, string> = {};
    for (const variable of env) {
      const ref = variable.valueFrom;
      if (variable.value !== undefined) resolved[variable.name] = variable.value;
      else if (ref?.configMapKeyRef !== undefined)
        resolved[variable.name] = configMap.data[ref.configMapKeyRef.key] ?? '';
      else if (ref?.fieldRef?.fieldPath === 'metadata.namespace') resolved[variable.name] = OWN_NAMESPACE;
      else if (ref?.fieldRef?.fieldPath === 'status.podIP') resolved[variable.name] = '10.8.0.12';
      else if (ref?.fieldRef?.fieldPath === 'metadata.name')
        resolved[variable.name] = 'kube-lego-5d9c7b-x2x7q';
    }
    const loaded = loadConfig(resolved);
    assert.ok(loaded.ok, JSON.stringify(loaded));
    assert.equal(loaded.config.acme.directoryUrl, 'https://acme-staging-v02.api.letsencrypt.org/directory');
    assert.equal(loaded.config.namespace, OWN_NAMESPACE);
    assert.equal(loaded.config.gce.podIp, '10.8.0.12');
    assert.deepEqual(
      [loaded.config.leaderElection.enabled, loaded.config.leaderElection.identity],
      [true, 'kube-lego-5d9c7b-x2x7q'],
      'two replicas elect a leader, each under its pod name',
    );

    // Probes and the container ports follow LEGO_PORT and LEGO_METRICS_PORT (their defaults here).
    const port = loaded.config.port;
    assert.deepEqual(container.ports, [
      { name: 'http', containerPort: port },
      { name: 'metrics', containerPort: loaded.config.metricsPort },
    ]);
    const service = JSON.parse(
      await kubectl('get', 'service', 'kube-lego-metrics', '-n', OWN_NAMESPACE, '-o', 'json'),
    ) as { spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] } };
    assert.deepEqual(service.spec.selector, { app: 'kube-lego' });
    assert.deepEqual(
      service.spec.ports.map((p) => [p.port, p.targetPort]),
      [[loaded.config.metricsPort, 'metrics']],
    );
    assert.deepEqual(container.readinessProbe?.httpGet, { path: '/readyz', port });
    assert.deepEqual(container.livenessProbe?.httpGet, { path: '/healthz', port });
    assert.ok(container.resources?.requests !== undefined && container.resources.limits !== undefined);
    assert.equal(podSpec.serviceAccountName, 'kube-lego');
    assert.equal(podSpec.securityContext?.runAsNonRoot, true);
    const security = container.securityContext ?? {};
    assert.deepEqual(
      [security.allowPrivilegeEscalation, security.readOnlyRootFilesystem],
      [false, true],
      'no privilege escalation, read-only root filesystem',
    );
  });

  it('deploy/monitoring is a kustomize component: PodMonitor on the metrics port, four alerts, the dashboard', async () => {
    // An overlay of the staging install with the component, as docs/observability.md shows.
    const overlay = await mkdtemp(join(dir, 'overlay-'));
    await writeFile(
      join(overlay, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ${relative(overlay, join(REPO_ROOT, 'deploy/overlays/staging'))}
components:
  - ${relative(overlay, join(REPO_ROOT, 'deploy/monitoring'))}
`,
    );
    const rendered = await kustomize(overlay);
    const objects = loadAll(rendered) as {
      kind: string;
      metadata: { name: string; labels?: Record<string, string> };
      spec?: unknown;
      data?: Record<string, string>;
    }[];
    const byKind = (kind: string): (typeof objects)[number] | undefined =>
      objects.find((object) => object.kind === kind);
    const podMonitor = byKind('PodMonitor')?.spec as {
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: { port: string; path: string }[];
    };
    const renderedDeployment = byKind('Deployment')?.spec as Deployment['spec'] & {
      template: { metadata: { labels: Record<string, string> } };
    };
    for (const [key, value] of Object.entries(podMonitor.selector.matchLabels))
      assert.equal(renderedDeployment.template.metadata.labels[key], value, `the pods carry ${key}=${value}`);
    const portNames = renderedDeployment.template.spec.containers
      .flatMap((c) => c.ports ?? [])
      .map((p) => p.name);
    assert.deepEqual(
      podMonitor.podMetricsEndpoints.map((e) => [e.port, e.path]),
      [['metrics', '/metrics']],
    );
    assert.ok(portNames.includes('metrics'));
    const rule = byKind('PrometheusRule')?.spec as { groups: { rules: { alert: string; expr: string }[] }[] };
    const alerts = rule.groups.flatMap((group) => group.rules);
    assert.deepEqual(
      alerts.map((alert) => alert.alert),
      [
        'KubeLegoCertificateRenewalOverdue',
        'KubeLegoCertificateExpiresBeforeNextRetry',
        'KubeLegoCertificateNotReady',
        'KubeLegoRateLimited',
      ],
    );
    // Relative to each certificate's schedule: no alert compares with a fixed number of seconds left.
    for (const alert of alerts) assert.doesNotMatch(alert.expr, /\d{4,}/, alert.alert);
    const dashboard = objects.find((object) => object.metadata.name === 'kube-lego-dashboard');
    assert.equal(dashboard?.metadata.labels?.['grafana_dashboard'], '1');
    const text = dashboard.data?.['kube-lego-dashboard.json'];
    assert.ok(text !== undefined, 'the dashboard ConfigMap holds the JSON');
    const json = JSON.parse(text) as { panels: unknown[] };
    assert.ok(json.panels.length >= 10, 'the dashboard has its panels');
  });

  describe('RBAC against the audit log of an end-to-end run', () => {
    let environment: DevEnvironment | undefined;

    after(async () => {
      await environment?.stop();
    });

    it('deploy/base/rbac.yaml grants exactly what kube-lego used (nginx, gce, dns-01, a Gateway, leftovers, a foreign Secret), no more, no fewer', async () => {
      assert.ok(clusterRules.length > 0, 'the ClusterRole was read back from the sandbox');
      // The controller runs under the deploy/ rules, enforced by the sandbox: a missing rule fails the run.
      const rules: PolicyRule[] = [
        ...clusterRules.map((rule) => ({ ...rule })),
        ...namespaceRules.map((rule) => ({ ...rule, namespaces: [OWN_NAMESPACE] })),
      ];
      const lines: string[] = [];
      environment = await startDevEnvironment({
        kubeconfigPath: join(dir, 'e2e', 'kubeconfig'),
        logSink: { write: (line: string) => lines.push(line.trimEnd()) },
        auditLog: true,
        // As the Deployment runs it: leader election on, the pod's name as holder identity.
        controllerEnvironment: { LEGO_LEADER_ELECT: 'true', LEGO_POD_NAME: 'kube-lego-5d9c7b-x2x7q' },
        controllerIdentity: {
          user: CONTROLLER_USER,
          rules,
          kubeconfigPath: join(dir, 'e2e', 'controller-kubeconfig'),
        },
      });
      const admin = join(dir, 'e2e', 'kubeconfig');
      const running = environment;
      const refused = (): string[] =>
        running.sandbox.audit
          .filter((entry) => entry.user === CONTROLLER_USER && entry.status === 403)
          .map((entry) => `${entry.verb} ${entry.path}`);
      const manifest = join(dir, 'ingresses.yaml');
      const ingressFor = (
        name: string,
        host: string,
        ingressClass: string,
        namespace = 'default',
      ): string => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: ${namespace}
  annotations:
    kubernetes.io/tls-acme: "true"
    kubernetes.io/ingress.class: ${ingressClass}
spec:
  tls:
  - hosts: [${host}]
    secretName: ${name}-tls
  rules:
  - host: ${host}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`;
      // Leftovers of an earlier kube-lego pod (0.1.7 shapes, another pod IP), so the run also updates them.
      const leftovers = `apiVersion: v1
kind: Service
metadata:
  name: kube-lego-nginx
  namespace: kube-lego
  annotations:
    kubernetes.io/kube-lego-managed: "true"
spec:
  selector:
    app: kube-lego
  ports:
  - name: http
    port: 8080
    targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: kube-lego-gce
  namespace: default
  annotations:
    kubernetes.io/kube-lego-managed: "true"
spec:
  type: NodePort
  selector:
    app: kube-lego
  ports:
  - name: http
    port: 8080
    targetPort: 8080
---
apiVersion: v1
kind: Endpoints
metadata:
  name: kube-lego-gce
  namespace: default
  annotations:
    kubernetes.io/kube-lego-managed: "true"
subsets:
- addresses:
  - ip: 10.0.0.99
  ports:
  - name: http
    port: 8080
    protocol: TCP
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-lego-gce
  namespace: default
  labels:
    kube-lego/managed: "true"
    kubernetes.io/service-name: kube-lego-gce
    endpointslice.kubernetes.io/managed-by: kube-lego
addressType: IPv4
endpoints:
- addresses: [10.0.0.99]
  conditions:
    ready: true
ports:
- name: http
  port: 8080
  protocol: TCP
---
apiVersion: v1
kind: Secret
metadata:
  name: foreign-tls
  namespace: default
type: Opaque
data:
  note: Zm9yZWlnbg==
`;
      await writeFile(
        manifest,
        [
          leftovers,
          ingressFor('nginx-web', 'nginx.example.test', 'nginx'),
          ingressFor('gce-web', 'gce.example.test', 'gce'),
          // A wildcard: dns-01 against the sandbox's DNS server, with the journal Secret in kube-lego's namespace.
          ingressFor('wild-web', '"*.wild.example.test"', 'nginx'),
          // A namespace without leftovers: the gce objects are created there.
          'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
          ingressFor('gce-shop', 'shop.example.test', 'gce', 'shop'),
          // A Secret kube-lego does not own: it leaves it alone and warns, again on every change of the Ingress.
          ingressFor('foreign', 'foreign.example.test', 'nginx'),
          // A Gateway: watched with its ListenerSets and ReferenceGrants, http-01 through a challenge HTTPRoute.
          gatewayManifest({
            name: 'edge',
            listeners: [
              { name: 'https', hostname: 'gateway.example.test', secret: 'edge-tls' },
              { name: 'http' },
            ],
          }),
        ].join('---\n'),
      );
      const adminKubectl = (...args: string[]) =>
        exec('kubectl', ['--kubeconfig', admin, ...args], { timeout: 30_000 });
      await adminKubectl('apply', '-f', manifest);
      const deadline = Date.now() + 60_000;
      for (const name of ['nginx-web-tls', 'gce-web-tls', 'wild-web-tls', 'gce-shop-tls', 'edge-tls']) {
        while (
          !lines.some((line) =>
            line.includes(`msg="Secret successfully stored" context=secret name=${name} `),
          )
        ) {
          assert.ok(Date.now() < deadline, `no certificate in ${name}:\n${lines.join('\n')}`);
          assert.deepEqual(refused(), [], 'no request of the controller was refused');
          await sleep(100);
        }
      }
      for (const value of ['1', '2']) {
        await adminKubectl('annotate', '--overwrite', 'ingress', 'foreign', `example.test/touched=${value}`);
        await sleep(500);
      }
      // Let the challenge clean-up (nginx challenge Ingress, gce paths) finish, then end the run: stopping
      // closes the informers' watches, which completes their audit entries.
      await sleep(1500);
      await environment.stop();
      const audit = environment.sandbox.audit;
      assert.deepEqual(refused(), [], 'no request of the controller was refused');
      assert.deepEqual(
        [...grants(clusterRules, 'cluster'), ...grants(namespaceRules, 'own-namespace')].sort(),
        neededPermissions(audit, { user: CONTROLLER_USER, ownNamespace: OWN_NAMESPACE }).sort(),
        'deploy/base/rbac.yaml grants what the audit log shows kube-lego used',
      );
    });
  });
});
