import type { DriverAvailability, KubeLegoDriver } from './kube-lego-driver.js';

function isDriverModule(value: unknown): value is { createKubeLegoDriver: () => KubeLegoDriver } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'createKubeLegoDriver' in value &&
    typeof value.createKubeLegoDriver === 'function'
  );
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/**
 * The controller's own driver (`bench/controller-driver.ts`) when this build has it; otherwise the generic
 * process driver of `bench/drivers/`, once the controller's composition root (`src/app/main.ts`) is built.
 */
export async function loadKubeLegoDriver(): Promise<DriverAvailability> {
  // A computed specifier keeps the compiler from requiring the module before the controller exists.
  const specifier = new URL('./controller-driver.js', import.meta.url).href;
  let loaded: unknown;
  try {
    loaded = await import(specifier);
  } catch (error) {
    if (errorCode(error) !== 'ERR_MODULE_NOT_FOUND') throw error;
    const { controllerEntry, kubeLegoProcessDriver } = await import('./drivers/kube-lego-process-driver.js');
    return controllerEntry().available
      ? { available: true, driver: kubeLegoProcessDriver() }
      : { available: false, reason: 'the controller (src/app/main.ts) is not in this build' };
  }
  if (!isDriverModule(loaded)) {
    return { available: false, reason: 'bench/controller-driver.ts does not export createKubeLegoDriver()' };
  }
  return { available: true, driver: loaded.createKubeLegoDriver() };
}
