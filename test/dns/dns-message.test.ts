import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Opcode, RecordClass, RecordType } from '../../src/dns/dns-codes.js';
import { DnsFormatError } from '../../src/dns/dns-format-error.js';
import { decodeMessage, encodeMessage, type DnsMessage, type DnsRecord } from '../../src/dns/dns-message.js';
import {
  decodeName,
  encodeCanonicalName,
  encodeName,
  isAtOrBelow,
  sameName,
} from '../../src/dns/dns-name.js';
import { queryMessage } from '../../src/dns/dns-query.js';
import { buildUpdateMessage } from '../../src/dns/dns-update.js';
import { KNSUPDATE_ADD_AND_DELETE_SHA256 } from './knsupdate-captures.js';

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

function query(overrides: Partial<DnsMessage> = {}): DnsMessage {
  return { ...queryMessage(0x1234, 'example.test', RecordType.SOA), ...overrides };
}

function record(name: string, data: DnsRecord['data'], ttlSeconds = 60): DnsRecord {
  return { name, recordClass: RecordClass.IN, ttlSeconds, data };
}

describe('DNS names', () => {
  it('encodeName() writes length-prefixed labels and the root label (RFC 1035 §3.1)', () => {
    assert.deepEqual(
      encodeName('_acme-challenge.Example.test'),
      hex('0f5f61636d652d6368616c6c656e6765 074578616d706c65 0474657374 00'),
    );
    assert.deepEqual(encodeName('example.test.'), encodeName('example.test'));
    assert.deepEqual(encodeName(''), hex('00'));
  });

  it('encodeCanonicalName() lower-cases ASCII letters only (RFC 4034 §6.2)', () => {
    assert.deepEqual(encodeCanonicalName('KUBE-Lego.Example'), encodeName('kube-lego.example'));
  });

  it('names round-trip with escapes for dots, backslashes and unprintable octets', () => {
    const name = 'a\\.b.c\\\\d.\\000x.test';
    const wire = encodeName(name);
    assert.deepEqual(wire, hex('03 612e62 03 635c64 02 0078 04 74657374 00'));
    assert.deepEqual(decodeName(wire, 0), { name, next: wire.length });
  });

  it('rejects labels over 63 octets, names over 255 octets and empty labels', () => {
    assert.throws(() => encodeName(`${'a'.repeat(64)}.test`), DnsFormatError);
    assert.throws(
      () => encodeName(Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.')),
      DnsFormatError,
    );
    assert.throws(() => encodeName('a..test'), DnsFormatError);
  });

  it('decodeName() follows compression pointers and rejects pointers that do not point backwards', () => {
    // "example.test" at 0, then "www" + pointer to 0 at 14.
    const wire = hex('076578616d706c650474657374 00 03777777 c000');
    assert.deepEqual(decodeName(wire, 14), { name: 'www.example.test', next: 20 });
    assert.throws(() => decodeName(hex('c000'), 0), /points forward/);
    assert.throws(() => decodeName(hex('03777777 c004'), 4), /points forward/);
    assert.throws(() => decodeName(hex('0377'), 0), /past the message end/);
  });

  it('sameName() and isAtOrBelow() ignore case and the final dot', () => {
    assert.ok(sameName('Example.TEST.', 'example.test'));
    assert.ok(!sameName('example.test', 'www.example.test'));
    assert.ok(isAtOrBelow('_acme-challenge.WWW.example.test', 'example.test.'));
    assert.ok(isAtOrBelow('example.test', 'example.test'));
    assert.ok(!isAtOrBelow('badexample.test', 'example.test'));
    assert.ok(!isAtOrBelow('test', 'example.test'));
  });
});

describe('DNS messages', () => {
  it('encodeMessage() writes a query byte for byte (RFC 1035 §4.1)', () => {
    const wire = encodeMessage(query());
    assert.deepEqual(wire, hex('1234 0000 0001 0000 0000 0000 076578616d706c650474657374 00 0006 0001'));
  });

  it('records of every supported type round-trip through encode and decode', () => {
    const answers: DnsRecord[] = [
      record('example.test', { type: 'A', address: '127.0.0.1' }),
      record('example.test', { type: 'AAAA', address: '2001:db8::1' }),
      record('example.test', { type: 'NS', host: 'ns1.example.test' }),
      record('www.example.test', { type: 'CNAME', target: 'example.test' }),
      record('_acme-challenge.example.test', { type: 'TXT', strings: ['one', 'two', ''] }),
      record('example.test', {
        type: 'SOA',
        primary: 'ns1.example.test',
        mailbox: 'hostmaster.example.test',
        serial: 4_294_967_295,
        refreshSeconds: 3600,
        retrySeconds: 600,
        expireSeconds: 86_400,
        minimumSeconds: 60,
      }),
      record('example.test', { type: 'unknown', typeCode: 99, rdata: Buffer.from([1, 2, 3]) }),
      {
        name: 'x.example.test',
        recordClass: RecordClass.ANY,
        ttlSeconds: 0,
        data: { type: 'empty', typeCode: 16 },
      },
    ];
    const message = query({ response: true, authoritative: true, rcode: 3, answers });
    const decoded = decodeMessage(encodeMessage(message));
    assert.deepEqual({ ...decoded, tsigOffset: undefined }, { ...message, tsigOffset: undefined });
    assert.equal(decoded.tsigOffset, undefined);
  });

  it('formats IPv6 addresses as RFC 5952 says', () => {
    const cases: [string, string][] = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
      // An embedded IPv4 tail is read; the decoder writes hex groups only.
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ];
    for (const [input, expected] of cases) {
      const decoded = decodeMessage(
        encodeMessage(query({ answers: [record('a.test', { type: 'AAAA', address: input })] })),
      );
      assert.deepEqual(decoded.answers[0]?.data, { type: 'AAAA', address: expected });
    }
  });

  it('rejects TXT strings over 255 octets, bad addresses, truncated messages and trailing octets', () => {
    assert.throws(
      () =>
        encodeMessage(query({ answers: [record('a.test', { type: 'TXT', strings: ['x'.repeat(256)] })] })),
      DnsFormatError,
    );
    assert.throws(
      () => encodeMessage(query({ answers: [record('a.test', { type: 'A', address: '::1' })] })),
      DnsFormatError,
    );
    const wire = encodeMessage(query({ answers: [record('a.test', { type: 'A', address: '10.0.0.1' })] }));
    assert.throws(() => decodeMessage(wire.subarray(0, wire.length - 1)), DnsFormatError);
    assert.throws(() => decodeMessage(Buffer.concat([wire, Buffer.from([0])])), /after its last record/);
  });

  it('decodes the header flags', () => {
    const decoded = decodeMessage(hex('beef 8580 0000 0000 0000 0000'));
    assert.equal(decoded.id, 0xbeef);
    assert.equal(decoded.response, true);
    assert.equal(decoded.opcode, 0);
    assert.equal(decoded.authoritative, true);
    assert.equal(decoded.truncated, false);
    assert.equal(decoded.recursionDesired, true);
    assert.equal(decoded.recursionAvailable, true);
    assert.equal(decoded.rcode, 0);
    assert.equal(decodeMessage(hex('0001 2a09 0000 0000 0000 0000')).opcode, Opcode.UPDATE);
    assert.equal(decodeMessage(hex('0001 2a09 0000 0000 0000 0000')).rcode, 9);
    assert.equal(decodeMessage(hex('0001 0200 0000 0000 0000 0000')).truncated, true);
  });
});

describe('RFC 2136 UPDATE messages', () => {
  it("decodes knsupdate's compressed UPDATE: zone section, an add (class IN) and a delete by value (class NONE)", () => {
    const decoded = decodeMessage(hex(KNSUPDATE_ADD_AND_DELETE_SHA256.wireHex));
    assert.equal(decoded.opcode, Opcode.UPDATE);
    assert.deepEqual(decoded.questions, [
      { name: 'example.test', type: RecordType.SOA, recordClass: RecordClass.IN },
    ]);
    assert.deepEqual(decoded.answers, []);
    assert.deepEqual(decoded.authorities, [
      record('_acme-challenge.example.test', {
        type: 'TXT',
        strings: [KNSUPDATE_ADD_AND_DELETE_SHA256.addedValue],
      }),
      {
        name: '_acme-challenge.example.test',
        recordClass: RecordClass.NONE,
        ttlSeconds: 0,
        data: { type: 'TXT', strings: [KNSUPDATE_ADD_AND_DELETE_SHA256.deletedValue] },
      },
    ]);
    assert.equal(decoded.additionals.length, 1);
    assert.equal(decoded.additionals[0]?.data.type, 'TSIG');
  });

  it("buildUpdateMessage() writes the same sections as knsupdate's message, uncompressed", () => {
    const captured = decodeMessage(hex(KNSUPDATE_ADD_AND_DELETE_SHA256.wireHex));
    const ours = buildUpdateMessage(captured.id, 'example.test', [
      {
        kind: 'add',
        name: '_acme-challenge.example.test',
        ttlSeconds: 60,
        data: { type: 'TXT', strings: [KNSUPDATE_ADD_AND_DELETE_SHA256.addedValue] },
      },
      {
        kind: 'deleteRecord',
        name: '_acme-challenge.example.test',
        data: { type: 'TXT', strings: [KNSUPDATE_ADD_AND_DELETE_SHA256.deletedValue] },
      },
    ]);
    const decoded = decodeMessage(encodeMessage(ours));
    assert.deepEqual(decoded.questions, captured.questions);
    assert.deepEqual(decoded.authorities, captured.authorities);
    assert.equal(decoded.opcode, captured.opcode);
  });

  it('a deleteRRset operation is class ANY, TTL 0 and no RDATA (RFC 2136 §2.5.2)', () => {
    const wire = encodeMessage(
      buildUpdateMessage(7, 'example.test', [
        { kind: 'deleteRRset', name: 'a.example.test', type: RecordType.TXT },
      ]),
    );
    assert.deepEqual(
      wire,
      hex(
        '0007 2800 0001 0000 0001 0000' +
          '076578616d706c650474657374 00 0006 0001' +
          '01610765 78616d706c650474657374 00 0010 00ff 00000000 0000',
      ),
    );
  });
});
