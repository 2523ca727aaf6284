import { expect } from 'chai';
import { DEFAULT_TCP_CONFIG, resolveTcpConfig, type TcpConfig } from '../../src/tcp/index.js';

describe('tcp/config: resolveTcpConfig', () => {
  it('returns the documented defaults, as a fresh object', () => {
    const c = resolveTcpConfig();
    expect(c).to.deep.equal({
      mss: 1460,
      sendBufferSize: 262144,
      receiveBufferSize: 262144,
      initialRto: 1000,
      minRto: 200,
      maxRto: 120000,
      maxRetries: 15,
      synRetries: 7,
      synAckRetries: 5,
      delayedAckTime: 40,
      timeWaitTime: 60000,
      keepAliveIdle: 7200000,
      keepAliveInterval: 75000,
      keepAliveProbes: 9,
      windowScaling: true,
      timestamps: true,
      sack: true,
      nagle: true,
      congestionControl: 'cubic',
      challengeAckLimit: 10,
      challengeAckGlobalLimit: 1000,
      ecn: 'passive',
      lossDetection: 'rack',
    });
    expect(c).to.not.equal(DEFAULT_TCP_CONFIG);
    expect(Object.isFrozen(DEFAULT_TCP_CONFIG)).to.equal(true);
  });

  it('merges overrides and leaves undefined ones at their defaults', () => {
    const c = resolveTcpConfig({ mss: 1220, nagle: false, delayedAckTime: undefined });
    expect([c.mss, c.nagle, c.delayedAckTime]).to.deep.equal([1220, false, 40]);
  });

  const bad: [string, Partial<Record<keyof TcpConfig, unknown>>][] = [
    ['mss below 64', { mss: 63 }],
    ['unknown loss detector', { lossDetection: 'fack' }],
    ['fractional buffer', { sendBufferSize: 10.5 }],
    ['buffer beyond what window scale 14 can express', { receiveBufferSize: 0x40000000 }],
    ['maxRto below minRto', { minRto: 500, maxRto: 400 }],
    ['initialRto outside [minRto, maxRto]', { initialRto: 100 }],
    ['delayed ACK beyond 500 ms (RFC 1122)', { delayedAckTime: 501 }],
    ['negative retries', { maxRetries: -1 }],
    ['non-boolean flag', { sack: 'yes' }],
    ['empty congestion control name', { congestionControl: '' }],
    ['negative challenge ACK limit', { challengeAckLimit: -1 }],
    ['fractional global challenge ACK limit', { challengeAckGlobalLimit: 1.5 }],
    ['unknown ECN mode', { ecn: 'yes' } as never],
    ['unknown option (typo)', { keepaliveIdle: 5 } as never],
  ];
  for (const [what, partial] of bad) {
    it(`rejects ${what} with a RangeError naming the option`, () => {
      const key = Object.keys(partial)[0]!;
      expect(() => resolveTcpConfig(partial as Partial<TcpConfig>)).to.throw(
        RangeError,
        key === 'minRto' ? 'maxRto' : key,
      );
    });
  }
});
