import { randomInt } from 'node:crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A random 16-letter id for this process, served at `/.well-known/acme-challenge/_selftest`: a
 * self-check that reads it back proves the public route reaches this very pod (kube-lego's contract).
 */
export function createInstanceId(): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += LETTERS.charAt(randomInt(LETTERS.length));
  return id;
}
