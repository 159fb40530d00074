import { readFileSync } from 'node:fs';

declare const KUBE_LEGO_BUILD_VERSION: string | undefined;

/** kube-lego's version: injected by the bundle step, else read from package.json next to the build. */
export const VERSION: string = (() => {
  if (typeof KUBE_LEGO_BUILD_VERSION === 'string') return KUBE_LEGO_BUILD_VERSION;
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'version' in parsed &&
      typeof parsed.version === 'string'
    ) {
      return parsed.version;
    }
  } catch {
    // fall through: a build without package.json beside it has no known version
  }
  return 'unknown';
})();

/** The User-Agent sent on every ACME and self-check request (Let's Encrypt asks clients to identify themselves). */
export const USER_AGENT = `kube-lego/${VERSION} (+https://github.com/kube-lego/kube-lego)`;
