// @peculiar/x509 2 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded
// before the library itself; it also needs a WebCrypto provider. Import this module (for its side effect)
// before any import of @peculiar/x509: ES modules evaluate their imports in order.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { cryptoProvider } from '@peculiar/x509';

// The library's `Crypto` is the DOM type, which this Node-only build does not declare; Node's webcrypto is it.
const provider: { set(value: typeof webcrypto): unknown } = cryptoProvider;
provider.set(webcrypto);
