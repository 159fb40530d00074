import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadAll } from 'js-yaml';
import { nginxChallengeIngresses, nginxChallengeService } from '../../src/domain/challenge-routing.js';
import {
  gceChallengeEndpoints,
  gceChallengeEndpointSlice,
  gceChallengeService,
} from '../../src/domain/gce-challenge-routing.js';
import { NGINX_SETTINGS } from '../support/builders.js';
import { kustomize, REPO_ROOT } from '../support/kustomize.js';

// The sandbox checks manifests against its own schemas; these are the upstream OpenAPI schemas of the
// Kubernetes API as the npm package kubernetes-models ships them (an independent second opinion).

interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

interface Model {
  validate(): void;
}

type ModelClass = new (data: unknown) => Model;

/** The kubernetes-models class of an object's apiVersion and kind (`kubernetes-models/apps/v1/Deployment`). */
async function modelOf(object: KubeObject): Promise<ModelClass> {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : [undefined, object.apiVersion];
  const module = `kubernetes-models/${group === undefined ? '' : `${group}/`}${version}/${object.kind}`;
  const loaded = (await import(module)) as Record<string, unknown>;
  const model = loaded[object.kind];
  assert.equal(typeof model, 'function', `${module} exports ${object.kind}`);
  return model as ModelClass;
}

async function validate(object: KubeObject): Promise<void> {
  const Model = await modelOf(object);
  const name = `${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
  assert.doesNotThrow(() => {
    new Model(object).validate();
  }, name);
}

function objectsOf(yaml: string): KubeObject[] {
  return loadAll(yaml) as KubeObject[];
}

describe('manifests against the schemas of kubernetes-models', () => {
  it('every object of deploy/, both overlays, the gateway-challenge-namespace example and deploy/release.yaml is valid', async () => {
    const release = await readFile(join(REPO_ROOT, 'deploy/release.yaml'), 'utf8');
    const renders = [
      release,
      await kustomize('deploy'),
      await kustomize('deploy/overlays/production'),
      await kustomize('deploy/overlays/staging'),
      await kustomize('deploy/examples/gateway-challenge-namespace'),
    ];
    const kinds = new Set<string>();
    for (const rendered of renders) {
      for (const object of objectsOf(rendered)) {
        kinds.add(`${object.apiVersion} ${object.kind}`);
        await validate(object);
      }
    }
    assert.deepEqual(
      [...kinds].sort(),
      [
        'apps/v1 Deployment',
        'policy/v1 PodDisruptionBudget',
        'rbac.authorization.k8s.io/v1 ClusterRole',
        'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
        'rbac.authorization.k8s.io/v1 Role',
        'rbac.authorization.k8s.io/v1 RoleBinding',
        'v1 ConfigMap',
        'v1 Namespace',
        'v1 Service',
        'v1 ServiceAccount',
      ],
      'every kind was checked against its schema',
    );
  });

  it('the challenge objects kube-lego creates are valid: nginx Service and Ingress, gce Service, Endpoints, EndpointSlice', async () => {
    const nginx = NGINX_SETTINGS;
    const gce = { namespace: 'shop', serviceName: 'kube-lego-gce', port: 8080, podIp: '10.8.0.12' };
    const objects: KubeObject[] = [
      nginxChallengeService(nginx),
      ...nginxChallengeIngresses(nginx, [
        { host: 'a.example', ingressClass: 'nginx', classSource: 'annotation' },
        { host: 'b.example', ingressClass: 'internal', classSource: 'ingressClassName' },
      ]),
      gceChallengeService(gce),
      gceChallengeEndpoints(gce),
      gceChallengeEndpointSlice(gce),
      gceChallengeEndpointSlice({ ...gce, podIp: 'fd00::12' }),
    ];
    for (const object of objects) await validate(object);
  });

  it('the schemas reject what is wrong: a string replica count, an HTTP probe without a port', async () => {
    const deployment = objectsOf(await kustomize('deploy')).find(
      (o) => o.kind === 'Deployment',
    ) as KubeObject & {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const Model = await modelOf(deployment);
    assert.throws(() => {
      new Model({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } }).validate();
    }, /replicas must be integer/);
    const [container] = deployment.spec.template.spec.containers;
    const broken = {
      ...deployment,
      spec: {
        ...deployment.spec,
        template: {
          ...deployment.spec.template,
          spec: {
            ...deployment.spec.template.spec,
            containers: [{ ...container, readinessProbe: { httpGet: { path: '/readyz' } } }],
          },
        },
      },
    };
    assert.throws(() => {
      new Model(broken).validate();
    }, /httpGet must have required property port/);
  });
});
