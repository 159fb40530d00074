import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DATA_PLANE_CONTROLLER_NAME } from '../../../dev/devenv/data-plane.js';
import {
  SANDBOX_GATEWAY_CLASS,
  startDevEnvironment,
  type DevEnvironment,
} from '../../../dev/devenv/dev-environment.js';
import { eventually } from '../../support/eventually.js';

interface GatewayClassJson {
  readonly spec?: { readonly controllerName?: string };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

describe('the development environment with the Gateway API', () => {
  let dir: string;
  let environment: DevEnvironment | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-gateway-'));
  });

  after(async () => {
    await environment?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('has the GatewayClass of its data plane, accepted by the data plane', async () => {
    const lines: string[] = [];
    environment = await startDevEnvironment({
      kubeconfigPath: join(dir, 'kubeconfig'),
      logSink: { write: (line: string) => lines.push(line) },
    });
    const { sandbox } = environment;
    const accepted = await eventually(
      'the GatewayClass accepted',
      () => {
        const gatewayClass = sandbox.store.get(
          'gatewayclasses.gateway.networking.k8s.io',
          '',
          SANDBOX_GATEWAY_CLASS,
        ) as GatewayClassJson | undefined;
        const condition = gatewayClass?.status?.conditions?.find((c) => c.type === 'Accepted');
        return Promise.resolve(condition?.status === 'True' ? gatewayClass : undefined);
      },
      { timeoutMs: 20_000, context: () => lines.join('') },
    );
    assert.equal(accepted.spec?.controllerName, DATA_PLANE_CONTROLLER_NAME);
  });
});
