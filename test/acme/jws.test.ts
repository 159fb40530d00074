import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { flattenedVerify } from 'jose';
import {
  accountKeyFrom,
  accountKeyToPem,
  importAccountKey,
  jwkThumbprint,
} from '../../src/acme/account-key.js';
import { AcmeUsageError } from '../../src/acme/errors.js';
import { jwsPayload, signFlattenedJws } from '../../src/acme/jws.js';
import { dns01RecordName, dns01TxtValue, keyAuthorization } from '../../src/acme/key-authorization.js';

// RFC 7515 Appendix A.2: the RS256 example key, payload and signature.
const RFC7515_RSA_JWK = {
  kty: 'RSA',
  n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
  e: 'AQAB',
  d: 'Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ',
  p: '4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc',
  q: 'uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc',
  dp: 'BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0',
  dq: 'h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU',
  qi: 'IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U',
};
const RFC7515_PAYLOAD = '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}';
const RFC7515_A2_SIGNATURE =
  'cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw';

// RFC 7638 §3.1: the example key and its SHA-256 thumbprint.
const RFC7638_JWK = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
};

const rfc7515Key = createPrivateKey({ key: RFC7515_RSA_JWK, format: 'jwk' });

describe('signFlattenedJws()', () => {
  it('reproduces the RS256 signature of RFC 7515 Appendix A.2', async () => {
    const jws = await signFlattenedJws({
      header: { alg: 'RS256' },
      payload: new TextEncoder().encode(RFC7515_PAYLOAD),
      key: rfc7515Key,
    });
    assert.equal(jws.protected, 'eyJhbGciOiJSUzI1NiJ9');
    assert.equal(
      jws.payload,
      'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ',
    );
    assert.equal(jws.signature, RFC7515_A2_SIGNATURE);
  });

  it('signs an ACME request with ES256 that verifies, nonce and url in the protected header (RFC 8555 §6.2)', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = await accountKeyFrom(privateKey);
    const jws = await signFlattenedJws({
      header: {
        alg: key.alg,
        nonce: 'abc_-1',
        url: 'https://ca.test/acme/new-order',
        kid: 'https://ca.test/acct/1',
      },
      payload: jwsPayload({ identifiers: [{ type: 'dns', value: 'a.test' }] }),
      key: key.privateKey,
    });
    const verified = await flattenedVerify(jws, createPublicKey(privateKey));
    assert.deepEqual(verified.protectedHeader, {
      alg: 'ES256',
      nonce: 'abc_-1',
      url: 'https://ca.test/acme/new-order',
      kid: 'https://ca.test/acct/1',
    });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(verified.payload)), {
      identifiers: [{ type: 'dns', value: 'a.test' }],
    });
    // ES256 signatures are the 64-byte r||s form, not DER (RFC 7518 §3.4).
    assert.equal(Buffer.from(jws.signature, 'base64url').length, 64);
  });

  it('encodes a POST-as-GET with an empty payload (RFC 8555 §6.3)', async () => {
    const jws = await signFlattenedJws({
      header: { alg: 'RS256' },
      payload: jwsPayload(undefined),
      key: rfc7515Key,
    });
    assert.equal(jws.payload, '');
  });

  it('signs an EAB binding with HS256 that verifies with the HMAC key (RFC 8555 §7.3.4)', async () => {
    const hmac = Buffer.from('a-32-byte-hmac-key-for-the-tests');
    const key = await accountKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const jws = await signFlattenedJws({
      header: { alg: 'HS256', kid: 'kid-1', url: 'https://ca.test/new-acct' },
      payload: jwsPayload(key.publicJwk),
      key: hmac,
    });
    const verified = await flattenedVerify(jws, hmac);
    assert.equal(verified.protectedHeader?.kid, 'kid-1');
    assert.deepEqual(JSON.parse(new TextDecoder().decode(verified.payload)), key.publicJwk);
  });

  it('signs with ES384 in the 96-byte r||s form, and refuses a key that does not fit the algorithm', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const jws = await signFlattenedJws({
      header: { alg: 'ES384', url: 'https://ca.test/x' },
      payload: jwsPayload({}),
      key: privateKey,
    });
    await flattenedVerify(jws, createPublicKey(privateKey));
    assert.equal(Buffer.from(jws.signature, 'base64url').length, 96);
    for (const [alg, key] of [
      ['ES256', privateKey],
      ['RS256', privateKey],
      ['ES384', createPublicKey(privateKey)],
      ['HS256', privateKey],
      ['EdDSA', privateKey],
    ] as const) {
      await assert.rejects(
        signFlattenedJws({ header: { alg }, payload: jwsPayload(undefined), key }),
        (err: unknown) => err instanceof AcmeUsageError && err.code === 'keyUnsupported',
        `${alg} with a ${key.type} P-384 key is refused`,
      );
    }
  });
});

describe('account keys', () => {
  it('computes the RFC 7638 §3.1 thumbprint', async () => {
    assert.equal(await jwkThumbprint(RFC7638_JWK), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('keeps only the required JWK members so header and thumbprint agree', async () => {
    const key = await accountKeyFrom(rfc7515Key);
    assert.deepEqual(Object.keys(key.publicJwk).sort(), ['e', 'kty', 'n']);
    assert.equal(key.thumbprint, await jwkThumbprint({ kty: 'RSA', n: RFC7515_RSA_JWK.n, e: 'AQAB' }));
  });

  const formats = [
    {
      what: 'PKCS#1 RSA',
      pem: () => rfc7515Key.export({ type: 'pkcs1', format: 'pem' }).toString(),
      alg: 'RS256',
      marker: 'RSA PRIVATE KEY',
    },
    {
      what: 'PKCS#8 P-256',
      pem: () =>
        generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      alg: 'ES256',
      marker: 'EC PRIVATE KEY',
    },
    {
      what: 'SEC1 P-384',
      pem: () =>
        generateKeyPairSync('ec', { namedCurve: 'P-384' })
          .privateKey.export({ type: 'sec1', format: 'pem' })
          .toString(),
      alg: 'ES384',
      marker: 'EC PRIVATE KEY',
    },
  ] as const;
  for (const format of formats) {
    it(`importAccountKey() accepts ${format.what} and exports the kube-lego layout`, async () => {
      const key = await importAccountKey(format.pem());
      assert.equal(key.alg, format.alg);
      assert.match(accountKeyToPem(key), new RegExp(`^-----BEGIN ${format.marker}-----`));
    });
  }

  const refused = [
    { what: 'garbage', pem: () => 'not a key' },
    {
      what: 'Ed25519',
      pem: () =>
        generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
    {
      what: 'P-521',
      pem: () =>
        generateKeyPairSync('ec', { namedCurve: 'P-521' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
    },
    {
      what: '1024-bit RSA',
      pem: () =>
        generateKeyPairSync('rsa', { modulusLength: 1024 })
          .privateKey.export({ type: 'pkcs1', format: 'pem' })
          .toString(),
    },
  ];
  for (const { what, pem } of refused) {
    it(`importAccountKey() refuses ${what} with keyUnsupported, without echoing the key`, async () => {
      const text = pem();
      await assert.rejects(importAccountKey(text), (err: unknown) => {
        assert.ok(err instanceof AcmeUsageError);
        assert.equal(err.code, 'keyUnsupported');
        assert.ok(!err.message.includes('PRIVATE KEY'));
        return true;
      });
    });
  }
});

describe('key authorizations', () => {
  it('joins token and thumbprint for http-01 (RFC 8555 §8.1)', () => {
    assert.equal(
      keyAuthorization(
        'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA',
        'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
      ),
      'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
  });

  it('hashes the key authorization into an unpadded base64url TXT value for dns-01 (RFC 8555 §8.4)', () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assert.equal(dns01TxtValue('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('puts the TXT record under _acme-challenge, without the wildcard label', () => {
    assert.equal(dns01RecordName('example.org'), '_acme-challenge.example.org');
    assert.equal(dns01RecordName('*.example.org'), '_acme-challenge.example.org');
  });
});
