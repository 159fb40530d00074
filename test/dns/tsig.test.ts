import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Opcode, Rcode, RecordClass } from '../../src/dns/dns-codes.js';
import { DnsFormatError } from '../../src/dns/dns-format-error.js';
import {
  decodeMessage,
  encodeMessage,
  encodeRecord,
  type DecodedMessage,
} from '../../src/dns/dns-message.js';
import { buildUpdateMessage } from '../../src/dns/dns-update.js';
import { createTsigKey, signMessage, verifyTsig, type TsigAlgorithm } from '../../src/dns/tsig.js';
import { knsupdate } from '../support/dns-server.js';
import { KNSUPDATE_ADD_AND_DELETE_SHA256, KNSUPDATE_ADD_SHA512 } from './knsupdate-captures.js';

interface Capture {
  readonly keyName: string;
  readonly algorithm: TsigAlgorithm;
  readonly secretBase64: string;
  readonly wireHex: string;
}

function tsigOf(message: DecodedMessage): {
  timeSignedSeconds: number;
  fudgeSeconds: number;
  mac: Uint8Array;
} {
  const data = message.additionals.at(-1)?.data;
  assert.equal(data?.type, 'TSIG');
  return data;
}

/** The message as it was before signing: without its TSIG record, ARCOUNT one less. */
function unsignedPart(wire: Buffer, message: DecodedMessage): Buffer {
  assert.ok(message.tsigOffset !== undefined);
  const unsigned = Buffer.from(wire.subarray(0, message.tsigOffset));
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  return unsigned;
}

function checkAgainstReference(capture: Capture): void {
  const wire = Buffer.from(capture.wireHex, 'hex');
  const message = decodeMessage(wire);
  const tsig = tsigOf(message);
  const key = createTsigKey({
    name: capture.keyName,
    algorithm: capture.algorithm,
    secretBase64: capture.secretBase64,
  });
  assert.deepEqual(verifyTsig(wire, message, key, { nowSeconds: tsig.timeSignedSeconds + 10 }), {
    kind: 'verified',
    timeSignedSeconds: tsig.timeSignedSeconds,
  });
  const resigned = signMessage(unsignedPart(wire, message), key, {
    timeSignedSeconds: tsig.timeSignedSeconds,
    fudgeSeconds: tsig.fudgeSeconds,
  });
  assert.equal(resigned.wire.toString('hex'), wire.toString('hex'));
  assert.deepEqual(resigned.mac, Buffer.from(tsig.mac));
  // The MAC covers the canonical (lower-case) key name: the case a key is configured with does not matter.
  const shouted = createTsigKey({
    ...key,
    name: capture.keyName.toUpperCase(),
    secretBase64: capture.secretBase64,
  });
  assert.deepEqual(
    signMessage(unsignedPart(wire, message), shouted, { timeSignedSeconds: tsig.timeSignedSeconds }).mac,
    resigned.mac,
  );
}

/** Runs the installed knsupdate against a UDP listener and returns the first datagram it sends. */
async function captureKnsupdate(script: (port: number) => string, key: Capture): Promise<Buffer> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const datagram = new Promise<Buffer>((resolve) => {
      socket.once('message', (message: Buffer, peer) => {
        // A bare REFUSED header ends knsupdate at once instead of at its timeout.
        const answer = Buffer.alloc(12);
        message.copy(answer, 0, 0, 2);
        answer.writeUInt16BE(0xa805, 2);
        socket.send(answer, peer.port, peer.address);
        resolve(message);
      });
    });
    const run = knsupdate(script(socket.address().port), {
      name: key.keyName,
      algorithm: key.algorithm,
      secretBase64: key.secretBase64,
    });
    const result = await Promise.race([
      datagram,
      run.then((r) => new Error(`knsupdate exited: ${r.output}`)),
    ]);
    if (result instanceof Error) throw result;
    return result;
  } finally {
    socket.close();
  }
}

describe('TSIG (RFC 8945)', () => {
  it("verifies knsupdate's hmac-sha256 signature, and signing the same message gives the same bytes", () => {
    checkAgainstReference(KNSUPDATE_ADD_AND_DELETE_SHA256);
  });

  it("verifies knsupdate's hmac-sha512 signature, and signing the same message gives the same bytes", () => {
    checkAgainstReference(KNSUPDATE_ADD_SHA512);
  });

  for (const algorithm of ['hmac-sha256', 'hmac-sha512'] as const) {
    it(`matches a fresh ${algorithm} capture of the installed knsupdate byte for byte`, async () => {
      const capture: Capture = {
        keyName: `fresh-key.${algorithm}`,
        algorithm,
        secretBase64: randomBytes(algorithm === 'hmac-sha512' ? 64 : 32).toString('base64'),
        wireHex: '',
      };
      const wire = await captureKnsupdate(
        (port) =>
          [
            `server 127.0.0.1 ${port}`,
            'zone example.test',
            'update add _acme-challenge.www.example.test. 60 TXT "value-1"',
            'update delete _acme-challenge.www.example.test. TXT "value-0"',
            'send',
            '',
          ].join('\n'),
        capture,
      );
      checkAgainstReference({ ...capture, wireHex: wire.toString('hex') });
    });
  }

  it('rejects a message signed with another secret, key name or algorithm, or outside the fudge', () => {
    const wire = Buffer.from(KNSUPDATE_ADD_AND_DELETE_SHA256.wireHex, 'hex');
    const message = decodeMessage(wire);
    const { timeSignedSeconds } = tsigOf(message);
    const base = { name: KNSUPDATE_ADD_AND_DELETE_SHA256.keyName, algorithm: 'hmac-sha256' as const };
    const other = createTsigKey({ ...base, secretBase64: randomBytes(32).toString('base64') });
    assert.deepEqual(verifyTsig(wire, message, other, { nowSeconds: timeSignedSeconds }), {
      kind: 'invalid',
      reason: 'its MAC does not match the key',
    });
    const right = createTsigKey({ ...base, secretBase64: KNSUPDATE_ADD_AND_DELETE_SHA256.secretBase64 });
    assert.match(
      JSON.stringify(verifyTsig(wire, message, right, { nowSeconds: timeSignedSeconds + 301 })),
      /outside the fudge of 300 s/,
    );
    const renamed = createTsigKey({
      ...base,
      name: 'other',
      secretBase64: KNSUPDATE_ADD_AND_DELETE_SHA256.secretBase64,
    });
    assert.equal(verifyTsig(wire, message, renamed, { nowSeconds: timeSignedSeconds }).kind, 'invalid');
    const sha512 = createTsigKey({
      ...base,
      algorithm: 'hmac-sha512',
      secretBase64: KNSUPDATE_ADD_AND_DELETE_SHA256.secretBase64,
    });
    assert.equal(verifyTsig(wire, message, sha512, { nowSeconds: timeSignedSeconds }).kind, 'invalid');
    const tampered = Buffer.from(wire);
    tampered[40] = (tampered[40] ?? 0) ^ 1;
    assert.equal(
      verifyTsig(tampered, decodeMessage(tampered), right, { nowSeconds: timeSignedSeconds }).kind,
      'invalid',
    );
  });

  it('a response verifies only with the MAC of its request (RFC 8945 §5.3)', () => {
    const key = createTsigKey({
      name: 'k',
      algorithm: 'hmac-sha256',
      secretBase64: randomBytes(32).toString('base64'),
    });
    const request = signMessage(encodeMessage(buildUpdateMessage(9, 'example.test', [])), key, {
      timeSignedSeconds: 1000,
    });
    const response = { ...buildUpdateMessage(9, 'example.test', []), response: true };
    const signed = signMessage(encodeMessage(response), key, {
      timeSignedSeconds: 1001,
      requestMac: request.mac,
    });
    const decoded = decodeMessage(signed.wire);
    assert.equal(
      verifyTsig(signed.wire, decoded, key, { nowSeconds: 1000, requestMac: request.mac }).kind,
      'verified',
    );
    assert.equal(verifyTsig(signed.wire, decoded, key, { nowSeconds: 1000 }).kind, 'invalid');
    assert.equal(
      verifyTsig(encodeMessage(response), decodeMessage(encodeMessage(response)), key, { nowSeconds: 1000 })
        .kind,
      'unsigned',
    );
  });

  it("reports the server's error and, for BADTIME, the server's clock from Other Data (RFC 8945 §5.2.3)", () => {
    const key = createTsigKey({
      name: 'k',
      algorithm: 'hmac-sha256',
      secretBase64: randomBytes(32).toString('base64'),
    });
    const header = { ...buildUpdateMessage(3, 'example.test', []), response: true, rcode: Rcode.NOTAUTH };
    const unsignedError = (error: number, otherData: Buffer): Buffer => {
      const wire = encodeMessage({ ...header, additionals: [] });
      wire.writeUInt16BE(1, 10);
      const tsig = encodeRecord({
        name: 'k',
        recordClass: RecordClass.ANY,
        ttlSeconds: 0,
        data: {
          type: 'TSIG',
          algorithm: 'hmac-sha256',
          timeSignedSeconds: 5000,
          fudgeSeconds: 300,
          mac: Buffer.alloc(0),
          originalId: 3,
          error,
          otherData,
        },
      });
      return Buffer.concat([wire, tsig]);
    };
    const badSig = unsignedError(Rcode.BADSIG, Buffer.alloc(0));
    assert.deepEqual(verifyTsig(badSig, decodeMessage(badSig), key, { nowSeconds: 5000 }), {
      kind: 'serverError',
      error: Rcode.BADSIG,
      serverTimeSeconds: 5000,
    });
    const serverClock = Buffer.alloc(6);
    serverClock.writeUIntBE(8600, 0, 6);
    const badTime = unsignedError(Rcode.BADTIME, serverClock);
    assert.deepEqual(verifyTsig(badTime, decodeMessage(badTime), key, { nowSeconds: 5000 }), {
      kind: 'serverError',
      error: Rcode.BADTIME,
      serverTimeSeconds: 8600,
    });
    assert.equal(decodeMessage(badTime).opcode, Opcode.UPDATE);
  });

  it('a key never shows its secret, and a bad secret or algorithm is refused naming only the key', () => {
    const secretBase64 = randomBytes(32).toString('base64');
    const key = createTsigKey({ name: 'kube-lego', algorithm: 'hmac-sha256', secretBase64 });
    assert.doesNotMatch(JSON.stringify(key), new RegExp(secretBase64.slice(0, 12).replace(/[+/]/g, '.')));
    assert.doesNotMatch(
      inspect(key, { showHidden: true, depth: 5 }),
      new RegExp(secretBase64.slice(0, 12).replace(/[+/]/g, '.')),
    );
    assert.throws(
      () => createTsigKey({ name: 'kube-lego', algorithm: 'hmac-sha256', secretBase64: 'not base64!' }),
      (error: unknown) => {
        assert.ok(error instanceof DnsFormatError);
        assert.equal(error.message, 'The secret of TSIG key "kube-lego" is not valid base64');
        return true;
      },
    );
    assert.throws(
      () => createTsigKey({ name: 'kube-lego', algorithm: 'hmac-md5' as TsigAlgorithm, secretBase64 }),
      /has the algorithm "hmac-md5"; supported: hmac-sha256, hmac-sha512/,
    );
  });
});
