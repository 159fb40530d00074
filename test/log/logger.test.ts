import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import type { LogLevel, LogType } from '../../src/log/log-entry.js';
import type { LogValue } from '../../src/log/log-entry.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { Redactor } from '../../src/log/redactor.js';

const fixedTime = new Date('2018-02-10T17:44:12.345Z');

function capture(
  format: LogType,
  options: { level?: LogLevel; redactor?: Redactor } = {},
): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level: options.level ?? 'debug',
    format,
    sink: { write: (line: string) => lines.push(line) },
    now: () => fixedTime,
    ...(options.redactor === undefined ? {} : { redactor: options.redactor }),
  });
  return { logger, lines };
}

describe('text format (logrus TextFormatter)', () => {
  it('prints time, level and msg first, then the fields sorted by key', () => {
    const { logger, lines } = capture('text');
    logger
      .with({ context: 'ingress_tls', namespace: 'default', name: 'myingress' })
      .info('requesting certificate for a.example');
    assert.deepEqual(lines, [
      'time="2018-02-10T17:44:12Z" level=info msg="requesting certificate for a.example" context=ingress_tls name=myingress namespace=default\n',
    ]);
  });

  it('prints warn as "warning", as logrus does', () => {
    const { logger, lines } = capture('text');
    logger.warn('careful', { context: 'kubelego' });
    assert.equal(lines[0], 'time="2018-02-10T17:44:12Z" level=warning msg=careful context=kubelego\n');
  });

  it('leaves msg out when it is empty', () => {
    const { logger, lines } = capture('text');
    logger.error('', { context: 'acme' });
    assert.equal(lines[0], 'time="2018-02-10T17:44:12Z" level=error context=acme\n');
  });

  const values: readonly (readonly [string, LogValue, string])[] = [
    ['a bare word', 'plain', 'v=plain'],
    ['the characters logrus leaves bare', 'a-b.c_d/e@f^g+h', 'v=a-b.c_d/e@f^g+h'],
    ['a value with a space', 'a b', 'v="a b"'],
    ['a value with quotes', 'say "hi"', 'v="say \\"hi\\""'],
    ['a value with a newline', 'one\ntwo', 'v="one\\ntwo"'],
    ['a value with =', 'a=b', 'v="a=b"'],
    ['a value with :', 'https://a.example', 'v="https://a.example"'],
    ['the empty string (bare, QuoteEmptyFields is off)', '', 'v='],
    ['unicode', 'héllo', 'v="héllo"'],
    ['a control character', 'bell\u0007', 'v="bell\\a"'],
    ['an integer', 42, 'v=42'],
    ['a float', 2.5, 'v=2.5'],
    ['a boolean', true, 'v=true'],
    ['null as Go nil', null, 'v="<nil>"'],
    ['a string slice as fmt.Sprint prints it', ['a.example', 'b.example'], 'v="[a.example b.example]"'],
    [
      'an error as its message',
      new Error('no domain could be authorized successfully'),
      'v="no domain could be authorized successfully"',
    ],
    [
      'a time as Go time.Time String()',
      new Date('2018-09-01T10:00:00Z'),
      'v="2018-09-01 10:00:00 +0000 UTC"',
    ],
  ];
  for (const [what, value, expected] of values) {
    it(`formats ${what}`, () => {
      const { logger, lines } = capture('text');
      logger.info('m', { v: value });
      assert.equal(lines[0], `time="2018-02-10T17:44:12Z" level=info msg=m ${expected}\n`);
    });
  }

  it('renames fields that clash with time, level and msg as logrus does', () => {
    const { logger, lines } = capture('text');
    logger.info('m', { time: 't', msg: 'x', level: 'l', a: '1' });
    assert.equal(
      lines[0],
      'time="2018-02-10T17:44:12Z" level=info msg=m a=1 fields.level=l fields.msg=x fields.time=t\n',
    );
  });

  it('drops undefined fields', () => {
    const { logger, lines } = capture('text');
    logger.info('m', { a: undefined, b: '2' });
    assert.equal(lines[0], 'time="2018-02-10T17:44:12Z" level=info msg=m b=2\n');
  });
});

describe('json format (logrus JSONFormatter)', () => {
  it('prints one object per line with sorted keys, level, msg, time and the fields', () => {
    const { logger, lines } = capture('json');
    logger.with({ context: 'kubelego' }).info('kube-lego 0.1.7 starting');
    assert.deepEqual(lines, [
      '{"context":"kubelego","level":"info","msg":"kube-lego 0.1.7 starting","time":"2018-02-10T17:44:12Z"}\n',
    ]);
  });

  it('prints warn as "warning" and keeps an empty msg', () => {
    const { logger, lines } = capture('json');
    logger.warn('');
    assert.equal(lines[0], '{"level":"warning","msg":"","time":"2018-02-10T17:44:12Z"}\n');
  });

  it('escapes like Go encoding/json: quotes, newlines, <, >, & and line separators', () => {
    const { logger, lines } = capture('json');
    logger.info('a "b"\n<c> & d\u2028', { v: 'é' });
    assert.equal(
      lines[0],
      '{"level":"info","msg":"a \\"b\\"\\n\\u003cc\\u003e \\u0026 d\\u2028","time":"2018-02-10T17:44:12Z","v":"é"}\n',
    );
  });

  it('keeps numbers, booleans and arrays typed, errors as messages, times as RFC 3339', () => {
    const { logger, lines } = capture('json');
    logger.error('m', {
      n: 3,
      ok: false,
      domains: ['a.example', 'b.example'],
      err: new Error('boom'),
      expire_time: new Date('2018-09-01T10:00:00Z'),
      nil: null,
    });
    assert.deepEqual(JSON.parse(lines[0]!), {
      domains: ['a.example', 'b.example'],
      err: 'boom',
      expire_time: '2018-09-01T10:00:00Z',
      level: 'error',
      msg: 'm',
      n: 3,
      nil: null,
      ok: false,
      time: '2018-02-10T17:44:12Z',
    });
  });

  it('renames clashing fields as logrus does', () => {
    const { logger, lines } = capture('json');
    logger.info('m', { msg: 'x' });
    assert.equal(lines[0], '{"fields.msg":"x","level":"info","msg":"m","time":"2018-02-10T17:44:12Z"}\n');
  });
});

describe('logger levels and bound fields', () => {
  const levels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
  for (const threshold of levels) {
    it(`at level ${threshold} prints only ${threshold} and above`, () => {
      const { logger, lines } = capture('text', { level: threshold });
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      logger.error('e');
      const printed = lines.map((line) => /level=(\w+)/.exec(line)?.[1]);
      const expected = ['debug', 'info', 'warning', 'error'].slice(levels.indexOf(threshold));
      assert.deepEqual(printed, expected);
      assert.equal(logger.isLevelEnabled('debug'), threshold === 'debug');
    });
  }

  it('with() adds fields to every line and call fields override them', () => {
    const { logger, lines } = capture('text');
    const acme = logger.with({ context: 'acme', domain: 'a.example' });
    acme.info('one');
    acme.with({ domain: 'b.example' }).info('two', { token: 't1' });
    logger.info('three');
    assert.deepEqual(lines, [
      'time="2018-02-10T17:44:12Z" level=info msg=one context=acme domain=a.example\n',
      'time="2018-02-10T17:44:12Z" level=info msg=two context=acme domain=b.example token=t1\n',
      'time="2018-02-10T17:44:12Z" level=info msg=three\n',
    ]);
  });
});

describe('logger redaction', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const keyBody = pkcs8.split('\n')[1]!;
  const hmacKey = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W';

  for (const format of ['text', 'json'] as const) {
    it(`${format}: scrubs PEM private keys from messages, fields, errors and arrays`, () => {
      const { logger, lines } = capture(format);
      logger.debug(`certificate pem data:\n${pkcs8}`);
      logger.info('m', { key: sec1, err: new Error(`bad key ${pkcs8}`), list: ['x', pkcs8] });
      logger.with({ bound: pkcs8 }).warn('bound');
      // A key cut off before its END line is scrubbed to the end of the value.
      logger.error(`truncated ${pkcs8.slice(0, 80)}`);
      const output = lines.join('');
      assert.equal(lines.length, 4);
      assert.doesNotMatch(output, /PRIVATE KEY/);
      assert.ok(!output.includes(keyBody), 'the base64 body of the key leaked');
      assert.match(output, /\[redacted private key\]/);
    });

    it(`${format}: scrubs registered secrets wherever they appear`, () => {
      const { logger, lines } = capture(format, { redactor: new Redactor([hmacKey]) });
      logger.info(`using ${hmacKey}`, { eab: hmacKey, err: new Error(`rejected ${hmacKey}`) });
      logger.with({ context: 'acme', key: `prefix-${hmacKey}-suffix` }).error('x');
      const output = lines.join('');
      assert.ok(!output.includes(hmacKey), 'the secret leaked');
      assert.ok(!output.includes(hmacKey.slice(0, 20)), 'part of the secret leaked');
      assert.match(output, /prefix-\[redacted\]-suffix/);
    });
  }

  it('scrubs secrets registered after the logger was created', () => {
    const redactor = new Redactor();
    const { logger, lines } = capture('text', { redactor });
    redactor.add(hmacKey);
    logger.info(hmacKey);
    assert.equal(lines[0], 'time="2018-02-10T17:44:12Z" level=info msg="[redacted]"\n');
  });
});
