import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lifetimeRenewalTime, renewalSchedule } from '../../src/domain/renewal.js';
import { DAY_MS, HOUR_MS, NOW_MS, record } from '../support/builders.js';

const validity = (lifetimeMs: number) => ({ notBeforeMs: NOW_MS, notAfterMs: NOW_MS + lifetimeMs });

describe('lifetimeRenewalTime()', () => {
  const cases: {
    name: string;
    lifetimeMs: number;
    minimumValidityMs: number;
    renewAfterMs: number;
    basis: string;
    ignored: boolean;
  }[] = [
    {
      name: 'renews a 90-day certificate after 60 days',
      lifetimeMs: 90 * DAY_MS,
      minimumValidityMs: 24 * HOUR_MS,
      renewAfterMs: 60 * DAY_MS,
      basis: 'lifetime',
      ignored: false,
    },
    {
      name: 'renews a 45-day certificate after 30 days',
      lifetimeMs: 45 * DAY_MS,
      minimumValidityMs: 24 * HOUR_MS,
      renewAfterMs: 30 * DAY_MS,
      basis: 'lifetime',
      ignored: false,
    },
    {
      name: 'renews a 160-hour certificate at half its lifetime',
      lifetimeMs: 160 * HOUR_MS,
      minimumValidityMs: 24 * HOUR_MS,
      renewAfterMs: 80 * HOUR_MS,
      basis: 'lifetime',
      ignored: false,
    },
    {
      name: 'renews a 5-minute certificate after 150 seconds',
      lifetimeMs: 5 * 60_000,
      minimumValidityMs: 0,
      renewAfterMs: 150_000,
      basis: 'lifetime',
      ignored: false,
    },
    {
      name: 'honours a minimum validity earlier than two thirds',
      lifetimeMs: 90 * DAY_MS,
      minimumValidityMs: 40 * DAY_MS,
      renewAfterMs: 50 * DAY_MS,
      basis: 'minimumValidity',
      ignored: false,
    },
    {
      name: 'keeps two thirds when the minimum validity is later',
      lifetimeMs: 90 * DAY_MS,
      minimumValidityMs: 30 * DAY_MS,
      renewAfterMs: 60 * DAY_MS,
      basis: 'lifetime',
      ignored: false,
    },
    {
      name: 'ignores a minimum validity of half the lifetime or more',
      lifetimeMs: 45 * DAY_MS,
      minimumValidityMs: 30 * DAY_MS,
      renewAfterMs: 30 * DAY_MS,
      basis: 'lifetime',
      ignored: true,
    },
    {
      name: 'ignores the 30-day default for a 6-day certificate',
      lifetimeMs: 6 * DAY_MS,
      minimumValidityMs: 30 * DAY_MS,
      renewAfterMs: 3 * DAY_MS,
      basis: 'lifetime',
      ignored: true,
    },
  ];
  for (const c of cases) {
    it(`lifetimeRenewalTime() ${c.name}`, () => {
      const result = lifetimeRenewalTime(validity(c.lifetimeMs), c.minimumValidityMs);
      assert.deepEqual(result, {
        renewAtMs: NOW_MS + c.renewAfterMs,
        basis: c.basis,
        minimumValidityIgnored: c.ignored,
      });
    });
  }

  it('lifetimeRenewalTime() truncates to whole seconds', () => {
    const { renewAtMs } = lifetimeRenewalTime({ notBeforeMs: NOW_MS, notAfterMs: NOW_MS + 1000 }, 0);
    assert.equal(renewAtMs, NOW_MS);
  });
});

describe('renewalSchedule()', () => {
  const v = validity(90 * DAY_MS);
  const notAfterMs = v.notAfterMs;
  const base = NOW_MS + 60 * DAY_MS;

  it('renewalSchedule() asks to persist a renewal time not yet recorded for this certificate', () => {
    const schedule = renewalSchedule(v, record(), 30 * DAY_MS, 0.5);
    assert.deepEqual(schedule.persist, { notAfterMs, renewAtMs: base });
  });

  it('renewalSchedule() asks nothing when the recorded renewal time is current (no write in steady state)', () => {
    const schedule = renewalSchedule(v, record({ notAfterMs, renewAtMs: base }), 30 * DAY_MS, 0.5);
    assert.equal(schedule.renewAtMs, base);
    assert.equal(schedule.persist, undefined);
  });

  it('renewalSchedule() recomputes a renewal time recorded for a previous certificate', () => {
    const schedule = renewalSchedule(
      v,
      record({ notAfterMs: notAfterMs - DAY_MS, renewAtMs: NOW_MS }),
      30 * DAY_MS,
      0.5,
    );
    assert.equal(schedule.renewAtMs, base);
    assert.deepEqual(schedule.persist, { notAfterMs, renewAtMs: base });
  });

  const ariWindow = { startMs: NOW_MS + 30 * DAY_MS, endMs: NOW_MS + 32 * DAY_MS };

  it('renewalSchedule() draws a time inside the ARI window from the random value', () => {
    const schedule = renewalSchedule(v, record({ ariWindow }), 30 * DAY_MS, 0.25);
    assert.equal(schedule.renewAtMs, NOW_MS + 30.5 * DAY_MS);
    assert.equal(schedule.basis, 'ariWindow');
    assert.deepEqual(schedule.persist, { notAfterMs, renewAtMs: NOW_MS + 30.5 * DAY_MS });
  });

  it('renewalSchedule() keeps the persisted choice inside the window whatever the new random value', () => {
    const chosen = NOW_MS + 31 * DAY_MS;
    for (const random of [0, 0.3, 0.99]) {
      const schedule = renewalSchedule(
        v,
        record({ ariWindow, notAfterMs, renewAtMs: chosen }),
        30 * DAY_MS,
        random,
      );
      assert.equal(schedule.renewAtMs, chosen);
      assert.equal(schedule.persist, undefined);
    }
  });

  it('renewalSchedule() draws again when the CA moves the window away from the persisted choice', () => {
    const moved = { startMs: NOW_MS + 10 * DAY_MS, endMs: NOW_MS + 11 * DAY_MS };
    const schedule = renewalSchedule(
      v,
      record({ ariWindow: moved, notAfterMs, renewAtMs: NOW_MS + 31 * DAY_MS }),
      30 * DAY_MS,
      0,
    );
    assert.equal(schedule.renewAtMs, moved.startMs);
  });

  it('renewalSchedule() keeps the lifetime rule when it comes before the ARI window', () => {
    const late = { startMs: NOW_MS + 70 * DAY_MS, endMs: NOW_MS + 72 * DAY_MS };
    const schedule = renewalSchedule(v, record({ ariWindow: late }), 30 * DAY_MS, 0.5);
    assert.equal(schedule.renewAtMs, base);
    assert.equal(schedule.basis, 'lifetime');
  });

  it('renewalSchedule() uses the lifetime rule when the draw lands after it', () => {
    const straddling = { startMs: NOW_MS + 59 * DAY_MS, endMs: NOW_MS + 63 * DAY_MS };
    const schedule = renewalSchedule(v, record({ ariWindow: straddling }), 30 * DAY_MS, 0.9);
    assert.equal(schedule.renewAtMs, base);
    const stable = renewalSchedule(
      v,
      record({ ariWindow: straddling, notAfterMs, renewAtMs: base }),
      30 * DAY_MS,
      0.1,
    );
    assert.equal(stable.persist, undefined);
  });

  it('renewalSchedule() follows a past-dated ARI window (a mass-revocation drill)', () => {
    const past = { startMs: NOW_MS - 2 * DAY_MS, endMs: NOW_MS - DAY_MS };
    const schedule = renewalSchedule(v, record({ ariWindow: past }), 30 * DAY_MS, 0.5);
    assert.ok(schedule.renewAtMs < NOW_MS);
  });
});
