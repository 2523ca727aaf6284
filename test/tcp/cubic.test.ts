// CUBIC (RFC 9438) worked against its own formulas: K, the window curve around W_max, the
// Reno-friendly region, fast convergence, timeouts; and HyStart++ (RFC 9406) leaving slow start
// on an RTT increase with the RFC's constants, Conservative Slow Start and its way back.

import { expect } from 'chai';
import { CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, Cubic, cubicK, cubicWindow } from '../../src/tcp/cubic.js';
import { HYSTART, HyStart } from '../../src/tcp/hystart.js';
import { DEFAULT_TCP_CONFIG } from '../../src/tcp/config.js';
import { INITIAL_SSTHRESH, createCongestionControl } from '../../src/tcp/congestion.js';

const MSS = 1000;

/** A CUBIC without HyStart++ grown in slow start to `segments` MSS (2 MSS per ACK, RFC 3465). */
function grown(segments: number, fastConvergence = true): Cubic {
  const cc = new Cubic(MSS, { hystart: false, fastConvergence });
  while (cc.cwnd < segments * MSS) cc.onAck(Math.min(2 * MSS, segments * MSS - cc.cwnd), MSS, 0);
  expect(cc.cwnd).to.equal(segments * MSS);
  return cc;
}

/** A loss at cwnd = `segments` MSS with the window full, recovered with the window still full. */
function lossAt(cc: Cubic, now: number): void {
  const flight = cc.cwnd;
  cc.onEnterRecovery(flight, MSS, now);
  cc.onExitRecovery(flight, MSS);
}

/**
 * Congestion avoidance paced by a path with round trip `rttMs`: every RTT a whole window is
 * acknowledged, one MSS per ACK. Returns cwnd (in segments) sampled at the start of each RTT.
 */
function runRounds(cc: Cubic, from: number, rttMs: number, rounds: number): { t: number; w: number }[] {
  const out: { t: number; w: number }[] = [];
  let now = from;
  for (let r = 0; r < rounds; r++) {
    out.push({ t: now, w: cc.cwnd / MSS });
    const acks = Math.floor(cc.cwnd / MSS);
    for (let i = 0; i < acks; i++) {
      cc.onRttSample(rttMs, now);
      cc.onAck(MSS, MSS, now);
    }
    now += rttMs;
  }
  return out;
}

describe('CUBIC (RFC 9438)', function () {
  it('has the RFC constants: C = 0.4, β = 0.7, α = 3(1−β)/(1+β)', function () {
    expect(CUBIC_C).to.equal(0.4);
    expect(CUBIC_BETA).to.equal(0.7);
    expect(CUBIC_ALPHA).to.be.closeTo(0.9 / 1.7, 1e-12);
  });

  it('K = ∛((W_max − cwnd_epoch)/C) and W_cubic passes through cwnd_epoch at 0 and W_max at K', function () {
    const k = cubicK(100, 70);
    expect(k).to.be.closeTo(Math.cbrt(75), 1e-12);
    expect(cubicWindow(0, k, 100)).to.be.closeTo(70, 1e-9);
    expect(cubicWindow(k, k, 100)).to.equal(100);
    expect(cubicWindow(k + 2, k, 100)).to.be.closeTo(100 + 0.4 * 8, 1e-9);
    expect(cubicK(50, 60)).to.equal(0); // already past the plateau
  });

  it('is the default congestion control; NewReno stays selectable', function () {
    expect(DEFAULT_TCP_CONFIG.congestionControl).to.equal('cubic');
    const cc = createCongestionControl('cubic', 1460);
    expect([cc.name, cc.cwnd, cc.ssthresh]).to.deep.equal(['cubic', 14600, INITIAL_SSTHRESH]);
    expect(createCongestionControl('newreno', 1460).name).to.equal('newreno');
  });

  it("a loss cuts ssthresh to β × flight size (not NewReno's half)", function () {
    const cc = grown(100);
    cc.onEnterRecovery(100 * MSS, MSS, 0);
    expect(cc.ssthresh).to.equal(70 * MSS);
    expect(cc.cwnd).to.equal(73 * MSS); // ssthresh + 3 MSS while the duplicate ACKs arrive
    cc.onExitRecovery(70 * MSS, MSS);
    expect(cc.cwnd).to.equal(70 * MSS);
  });

  it('follows W_cubic(t) = C(t−K)³ + W_max on a long path: concave up to W_max, plateau at K, convex beyond', function () {
    const cc = grown(100);
    lossAt(cc, 0);
    expect(cc.cwnd).to.equal(70 * MSS);
    // 200 ms round trips: W_est (α ≈ 0.53 segments per RTT) stays below the curve for 8 s.
    const rtt = 200;
    const k = cubicK(100, 70); // ≈ 4.22 s
    const samples = runRounds(cc, 1000, rtt, 41); // 8 s of congestion avoidance from t = 1 s
    const at = (sec: number): number => samples.find((s) => s.t - 1000 >= sec * 1000)!.w;
    // The window tracks the curve: its target is one RTT ahead and approached per ACK, so it lags
    // a little where the curve is steep (2.5 segments per RTT at t = 1 s, 3.4 at 8 s).
    for (const sec of [1, 2, 3, 4, 5, 6, 7, 8]) {
      expect(at(sec), `t = ${sec} s`).to.be.closeTo(cubicWindow(sec, k, 100), 4 <= sec && sec <= 5 ? 0.5 : 2);
    }
    // Around K the growth nearly stops (a plateau NewReno does not have: +5 MSS per second here).
    expect(at(4.6) - at(3.8)).to.be.below(1);
    // Convex beyond: each second after the plateau grows more than the one before.
    expect(at(8) - at(7)).to.be.greaterThan(at(7) - at(6));
    expect(at(7) - at(6)).to.be.greaterThan(at(6) - at(5));
  });

  it('stays at least as fast as Reno on a short path (Reno-friendly region, α then 1)', function () {
    const cc = grown(20);
    lossAt(cc, 0); // W_max 20, cwnd 14, cwnd_prior 20
    expect(cc.cwnd).to.equal(14 * MSS);
    const rtt = 1; // W_cubic hardly moves in 1 ms: W_est decides
    const s = runRounds(cc, 1, rtt, 40);
    // First RTT: one window acknowledged → W_est grows by α_cubic ≈ 0.53 segments.
    expect(s[1]!.w - s[0]!.w).to.be.closeTo(CUBIC_ALPHA, 0.06);
    // Once W_est passes cwnd_prior (20 segments), Reno's 1 MSS per RTT.
    const past = s.findIndex((x) => x.w >= 21);
    expect(past).to.be.greaterThan(0);
    expect(s[past + 5]!.w - s[past + 4]!.w).to.be.closeTo(1, 0.1);
    // And well above the cubic curve alone at that time.
    expect(s[39]!.w).to.be.greaterThan(cubicWindow(0.04, cubicK(20, 14), 20) + 10);
  });

  it('fast convergence: a loss below the last W_max releases bandwidth (W_max = cwnd(1+β)/2)', function () {
    const run = (fast: boolean): number => {
      const cc = grown(100, fast);
      lossAt(cc, 0); // W_max 100, cwnd 70
      lossAt(cc, 0); // again at 70 < W_max: W_max 59.5 with fast convergence, 70 without; cwnd 49
      expect(cc.cwnd).to.equal(49 * MSS);
      const wMax = fast ? (70 * (1 + CUBIC_BETA)) / 2 : 70;
      const k = cubicK(wMax, 49);
      // 500 ms round trips so that W_est stays below the curve; look at t = 3 s.
      const s = runRounds(cc, 1, 500, 7);
      expect(s[6]!.w, fast ? 'with' : 'without').to.be.closeTo(cubicWindow(3, k, wMax), 1);
      return s[6]!.w;
    };
    const withFc = run(true);
    const withoutFc = run(false);
    expect(withFc).to.be.closeTo(59.5, 1); // at its (lower) plateau, K ≈ 2.97 s
    expect(withoutFc - withFc).to.be.greaterThan(8);
  });

  it('a timeout: ssthresh = β × flight, cwnd = 1 MSS; a repeated timeout keeps ssthresh', function () {
    const cc = grown(40);
    cc.onTimeout(40 * MSS, MSS);
    expect([cc.cwnd, cc.ssthresh]).to.deep.equal([MSS, 28 * MSS]);
    cc.onTimeout(40 * MSS, MSS); // backoff of the same data
    expect([cc.cwnd, cc.ssthresh]).to.deep.equal([MSS, 28 * MSS]);
    // Standard slow start back to ssthresh (2 MSS per ACK at most, RFC 3465).
    cc.onAck(10 * MSS, MSS, 5000);
    expect(cc.cwnd).to.equal(3 * MSS);
  });

  it('undo of a spurious timeout (RFC 9438 §4.9): cwnd, ssthresh and the plateau W_max come back', function () {
    const cc = grown(100);
    lossAt(cc, 0); // a real loss: W_max 100, cwnd = ssthresh = 70
    const [cwnd, ssthresh] = [cc.cwnd, cc.ssthresh];
    cc.onTimeout(70 * MSS, MSS); // spurious: would cut W_max to 59.5 (fast convergence) and cwnd to 1
    expect(cc.cwnd).to.equal(MSS);
    cc.undo(cwnd, ssthresh);
    expect([cc.cwnd, cc.ssthresh]).to.deep.equal([70 * MSS, 70 * MSS]);
    // The next epoch climbs toward the restored plateau of 100 MSS (K ≈ 4.2 s), not the cut one:
    // at t = 3 s W_cubic is ≈ 99 MSS; from a plateau of 59.5 (below cwnd) it would be ≈ 81.
    const k = cubicK(100, 70);
    const s = runRounds(cc, 1, 500, 7);
    // (Sampled once per round trip, cwnd trails the flat top of the curve by a segment or two.)
    expect(s[6]!.w).to.be.closeTo(cubicWindow(3, k, 100), 2);
  });

  it('a timeout during fast recovery keeps the ssthresh recovery set (the inflated flight does not raise it)', function () {
    const cc = grown(100);
    cc.onEnterRecovery(100 * MSS, MSS, 0);
    for (let i = 0; i < 60; i++) cc.onDupAckInRecovery(MSS); // recovery's new data: flight 150 MSS
    cc.onTimeout(150 * MSS, MSS);
    expect([cc.cwnd, cc.ssthresh]).to.deep.equal([MSS, 70 * MSS]);
  });

  it('an ECN-Echo cuts as a loss does, cwnd = ssthresh = β × flight, without recovery inflation', function () {
    const cc = grown(100);
    cc.onCongestionSignal(100 * MSS, MSS, 0);
    expect([cc.cwnd, cc.ssthresh]).to.deep.equal([70 * MSS, 70 * MSS]);
  });

  it('idle restart: cwnd back to the initial window (RFC 5681 §4.1)', function () {
    const cc = grown(40);
    cc.onIdleRestart(MSS);
    expect(cc.cwnd).to.equal(10 * MSS);
  });
});

/** Feeds one ACK with an RTT sample through HyStart++. */
function ackWith(hs: HyStart, rtt: number, ack: number, sndNxt: number): string {
  hs.onRttSample(rtt);
  return hs.onAck(ack, sndNxt);
}

/**
 * A whole round of `n` ACKs at `rtt`: ACKs start+MSS .. start+n*MSS while SND.NXT is
 * start+(n+1)*MSS, so the first ACK of the next round (start+(n+1)*MSS) ends this one.
 */
function round(hs: HyStart, rtt: number, start: number, n = 10): { phase: string; next: number } {
  let phase = '';
  for (let i = 1; i <= n; i++) phase = ackWith(hs, rtt, start + i * MSS, start + (n + 1) * MSS);
  return { phase, next: start + n * MSS };
}

describe('HyStart++ (RFC 9406)', function () {
  it("has the RFC's recommended constants", function () {
    expect(HYSTART).to.deep.equal({
      MIN_RTT_THRESH: 4,
      MAX_RTT_THRESH: 16,
      MIN_RTT_DIVISOR: 8,
      N_RTT_SAMPLE: 8,
      CSS_GROWTH_DIVISOR: 4,
      CSS_ROUNDS: 5,
      L: 8,
    });
  });

  it("leaves slow start when a round's min RTT rises by max(4, min(lastMin/8, 16)) ms, after 8 samples", function () {
    const hs = new HyStart();
    expect(round(hs, 50, 0).phase).to.equal('slow-start'); // round 1: min 50 ms
    // Round 2: 56 ms < 50 + 50/8: still slow start.
    expect(round(hs, 56, 10 * MSS).phase).to.equal('slow-start');
    // Round 3: lastRoundMin 56 → threshold 7 ms; at 63 ms, 7 samples are not enough, the 8th decides.
    for (let i = 1; i <= 7; i++)
      expect(ackWith(hs, 63, 20 * MSS + i * MSS, 31 * MSS), `sample ${i}`).to.equal('slow-start');
    expect(ackWith(hs, 63, 28 * MSS, 31 * MSS)).to.equal('css');
    expect(hs.phase).to.equal('css');
  });

  it('an RTT rise just under the threshold stays in slow start', function () {
    const hs = new HyStart();
    round(hs, 50, 0);
    expect(round(hs, 56.2, 10 * MSS).phase).to.equal('slow-start');
    expect(round(hs, 56.2 + 7.02, 20 * MSS).phase).to.equal('slow-start'); // 56.2/8 = 7.025
  });

  it('the thresholds clamp at 4 ms and 16 ms', function () {
    for (const [base, rise, expected] of [
      [10, 3.9, 'slow-start'],
      [10, 4, 'css'], // 10/8 = 1.25 → 4 ms floor
      [200, 15.9, 'slow-start'],
      [200, 16, 'css'], // 200/8 = 25 → 16 ms ceiling
    ] as const) {
      const hs = new HyStart();
      round(hs, base, 0);
      const r = round(hs, base + rise, 10 * MSS);
      expect(r.phase, `${base} + ${rise}`).to.equal(expected);
    }
  });

  it('CSS returns to slow start when the RTT drops below the baseline, and ends after CSS_ROUNDS rounds', function () {
    const hs = new HyStart();
    round(hs, 40, 0);
    expect(round(hs, 50, 10 * MSS).phase).to.equal('css'); // baseline 50
    expect(round(hs, 41, 20 * MSS).phase).to.equal('slow-start'); // spurious: back
    expect(round(hs, 60, 30 * MSS).phase).to.equal('css'); // baseline 60 (last round's min 41)
    // Four more rounds at the baseline stay in CSS; the fifth round's end finishes slow start.
    let start = 40 * MSS;
    for (let i = 0; i < HYSTART.CSS_ROUNDS - 1; i++, start += 10 * MSS)
      expect(round(hs, 60, start).phase).to.equal('css');
    expect(ackWith(hs, 60, start + MSS, start + 20 * MSS)).to.equal('done');
    expect(hs.phase).to.equal('done');
  });

  it('through CUBIC: slow start grows min(N, 8 MSS) per ACK, CSS a quarter of it, then ssthresh = cwnd', function () {
    const cc = new Cubic(MSS);
    expect(cc.hystartPhase).to.equal('slow-start');
    let ack = 0;
    const ackN = (n: number, rtt: number, sndNxt: number): void => {
      cc.onRttSample(rtt, 0);
      ack += n * MSS;
      cc.onAck(n * MSS, MSS, 0, ack, sndNxt);
    };
    ackN(10, 30, 20 * MSS); // starts round 1 (windowEnd 20000); L = 8 caps a 10-MSS ACK
    expect(cc.cwnd).to.equal(18 * MSS);
    for (let i = 0; i < 9; i++) ackN(1, 30, 20 * MSS); // up to ack 19000, still round 1
    expect(cc.cwnd).to.equal(27 * MSS);
    // Round 2 (ack 20000 ≥ windowEnd): RTT up by 10 ms > 30/8 → CSS on the 8th sample.
    for (let i = 0; i < 7; i++) ackN(1, 40, 60 * MSS);
    expect(cc.hystartPhase).to.equal('slow-start');
    expect(cc.cwnd).to.equal(34 * MSS);
    ackN(1, 40, 60 * MSS);
    expect(cc.hystartPhase).to.equal('css');
    const before = cc.cwnd;
    ackN(2, 40, 60 * MSS);
    expect(cc.cwnd - before).to.equal(MSS / 2); // 2 MSS / CSS_GROWTH_DIVISOR
    expect(cc.ssthresh).to.equal(INITIAL_SSTHRESH);
    // Five round ends in CSS → congestion avoidance with ssthresh = cwnd.
    let sndNxt = 60 * MSS;
    for (let r = 0; r < HYSTART.CSS_ROUNDS; r++) {
      ack = sndNxt - MSS;
      sndNxt += 40 * MSS;
      ackN(1, 40, sndNxt);
    }
    expect(cc.hystartPhase).to.equal('done');
    expect(cc.ssthresh).to.be.within(cc.cwnd - MSS, cc.cwnd);
  });

  it('a loss in slow start ends HyStart++; later slow starts are standard (2 MSS per ACK)', function () {
    const cc = new Cubic(MSS);
    cc.onRttSample(20, 0);
    cc.onAck(MSS, MSS, 0, MSS, 10 * MSS);
    cc.onTimeout(11 * MSS, MSS);
    expect(cc.hystartPhase).to.equal('done');
    cc.onAck(8 * MSS, MSS, 10, 9 * MSS, 20 * MSS);
    expect(cc.cwnd).to.equal(3 * MSS);
  });
});
