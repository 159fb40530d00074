import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replacesClaim, type ReplacesClaim, type ReplacesContext } from '../../src/domain/replaces-claim.js';
import { record } from '../support/builders.js';

const DIRECTORY = 'https://ca.example/directory';
const ACCOUNT = 'https://ca.example/acct/1';
const CERT_ID = 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE';

function context(overrides: Partial<ReplacesContext> = {}): ReplacesContext {
  return {
    record: record({ directoryUrl: DIRECTORY, accountUrl: ACCOUNT, certId: CERT_ID }),
    certId: CERT_ID,
    directoryUrl: DIRECTORY,
    accountUrl: ACCOUNT,
    ...overrides,
  };
}

describe('replacesClaim()', () => {
  const cases: { name: string; context: ReplacesContext; want: ReplacesClaim }[] = [
    {
      name: 'sends replaces for the certificate this directory issued to this account',
      context: context(),
      want: { send: true, certId: CERT_ID },
    },
    {
      name: 'leaves it out for a certificate with no record of this directory (another CA, kube-lego 0.1.7)',
      context: context({ record: record() }),
      want: { send: false, why: 'OtherDirectory' },
    },
    {
      name: 'leaves it out when the record names another directory',
      context: context({ record: record({ directoryUrl: 'https://other.example/directory' }) }),
      want: { send: false, why: 'OtherDirectory' },
    },
    {
      name: 'leaves it out when the Secret holds another certificate than the one recorded',
      context: context({ certId: 'b3RoZXI.AQ' }),
      want: { send: false, why: 'OtherCertificate' },
    },
    {
      name: 'leaves it out when another account ordered it (account Secret lost or replaced)',
      context: context({ accountUrl: 'https://ca.example/acct/2' }),
      want: { send: false, why: 'OtherAccount' },
    },
    {
      name: 'leaves it out for a certificate without an ARI CertID',
      context: context({ certId: undefined }),
      want: { send: false, why: 'NoCertId' },
    },
    {
      name: 'sends it for a record written before account and CertID were recorded (a refusal falls back)',
      context: context({ record: record({ directoryUrl: DIRECTORY }) }),
      want: { send: true, certId: CERT_ID },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(replacesClaim(c.context), c.want);
    });
  }
});
