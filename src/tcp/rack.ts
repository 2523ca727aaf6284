// RACK (RFC 8985 §6): time-based loss detection for SACK connections, as Linux's
// tcp_recovery.c does it by default.
//
// The dupthresh rule (three segments SACKed above a hole) needs enough data in flight behind the
// loss to draw three duplicate ACKs, and it cannot see a retransmission lost again. RACK instead
// remembers when each segment was (last) sent: once a segment sent *later* is delivered, an
// earlier one still missing after RACK.rtt + reo_wnd more is lost, however few ACKs came. The
// reordering window reo_wnd (min_rtt / 4, widened by D-SACK) keeps plain reordering from
// looking like loss; a segment not yet old enough is checked again by the reordering timer.
//
// The record is a list of sent ranges in sequence order covering (SND.UNA, SND.MAX], split where
// a SACK block or the cumulative ACK cuts one (a super-segment may be SACKed in parts). Its
// length is bounded by the bytes in flight and by MAX_RECORDS.

import { seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq.js';

/** Beyond this many records new sends are folded into the last one (less precise, never unsafe). */
const MAX_RECORDS = 4096;
/** RFC 8985 §6.2 step 4: reo_wnd_mult returns to 1 after this many recoveries without D-SACK. */
const REO_WND_PERSIST = 16;

interface Sent {
  start: number;
  end: number;
  /** When it was last (re)transmitted, in the connection's ms clock. */
  xmitTs: number;
  retransmitted: boolean;
  sacked: boolean;
  /** Marked lost and not retransmitted since. */
  lost: boolean;
}

export interface RackAckInfo {
  /** SND.UNA after this ACK. */
  sndUna: number;
  sndMax: number;
  /** The ACK's SACK blocks that the scoreboard accepted (flat [left, right, ...]), or none. */
  sackBlocks: readonly number[] | undefined;
  /** The ACK carried a D-SACK (RFC 2883): a first block below the ACK or inside the second. */
  dsack: boolean;
  /**
   * When the segment whose TSval this ACK echoes was sent (ms), or undefined without
   * timestamps: a retransmitted segment acknowledged for its original is no RTT sample.
   */
  echoedSendTime: number | undefined;
  /** Bytes SACKed above SND.UNA (for the dupthresh case of reo_wnd = 0). */
  sackedBytes: number;
  mss: number;
  inRecovery: boolean;
  srtt: number;
}

export class Rack {
  #records: Sent[] = [];
  /**
   * Records that were retransmitted. While there are none the records are in send-time order
   * too, and the loss scan stops at the first one sent after RACK.xmit_ts (no per-ACK walk of
   * the whole flight on a loss-free path).
   */
  #retransmitted = 0;
  /** RACK.xmit_ts / RACK.end_seq / RACK.rtt: the most recently sent segment delivered. */
  #xmitTs = -Infinity;
  #endSeq = 0;
  #rtt = 0;
  /** Highest end of a segment delivered (RACK.fack), for reordering detection. */
  #fack = 0;
  #fackValid = false;
  #minRtt = Infinity;
  #reorderingSeen = false;
  #reoWndMult = 1;
  #reoWndPersist = REO_WND_PERSIST;
  /** The D-SACK adjustment is made at most once per round trip: until SND.UNA passes this. */
  #dsackRoundEnd = 0;
  #dsackRoundValid = false;
  /** RACK reordering timer (ms), Infinity when not armed. */
  deadline = Infinity;

  /** The current reordering window (ms) for the given state; exposed for tests. */
  reoWnd(inRecovery: boolean, sackedBytes: number, mss: number, srtt: number): number {
    // §6.2 step 4: with no reordering seen, once in recovery or past the dupthresh the
    // window closes, so RACK is at least as quick as the classic rule.
    if (!this.#reorderingSeen && (inRecovery || sackedBytes >= 3 * mss)) return 0;
    if (this.#minRtt === Infinity) return 0;
    // At least 1 ms: our clock counts whole milliseconds, and segments sent in the same tick as
    // one that is SACKed would otherwise be lost at once for any reordering.
    return Math.max(1, Math.min((this.#reoWndMult * this.#minRtt) / 4, srtt));
  }

  get reoWndMult(): number {
    return this.#reoWndMult;
  }

  /** A segment [start, end) left at `now`; `retransmission` when below SND.MAX. */
  onSend(start: number, end: number, now: number, retransmission: boolean): void {
    if (!seqLt(start, end)) return;
    const r = this.#records;
    if (!retransmission) {
      const last = r[r.length - 1];
      if (last !== undefined && r.length >= MAX_RECORDS) {
        last.end = end;
        last.xmitTs = now;
        return;
      }
      r.push({ start, end, xmitTs: now, retransmitted: false, sacked: false, lost: false });
      return;
    }
    this.#splitAt(start);
    this.#splitAt(end);
    // Go-back-N may resend past SND.MAX's record boundary: the new part gets its own record.
    const last = r[r.length - 1];
    if (last === undefined || seqLt(last.end, end)) {
      r.push({
        start: last === undefined || seqLt(last.end, start) ? start : last.end,
        end,
        xmitTs: now,
        retransmitted: false,
        sacked: false,
        lost: false,
      });
    }
    for (let i = this.#indexAt(start); i < r.length; i++) {
      const s = r[i]!;
      if (seqGe(s.start, end)) break;
      s.xmitTs = now;
      if (!s.retransmitted) this.#retransmitted++;
      s.retransmitted = true;
      s.lost = false;
    }
  }

  /**
   * An acceptable ACK (§6.2 steps 1-4): forget what it acknowledges cumulatively, note what it
   * SACKs, and update RACK.xmit_ts / end_seq / rtt, min_rtt, reordering and reo_wnd_mult.
   * Then detects losses (step 5); returns how many bytes were newly marked lost.
   */
  onAck(info: RackAckInfo, now: number): number {
    const r = this.#records;
    this.#splitAt(info.sndUna);
    let drop = 0;
    while (drop < r.length && seqLe(r[drop]!.end, info.sndUna)) {
      const s = r[drop]!;
      if (!s.sacked) this.#delivered(s, info, now);
      if (s.retransmitted) this.#retransmitted--;
      drop++;
    }
    if (drop > 0) r.splice(0, drop);
    const b = info.sackBlocks;
    if (b !== undefined) {
      for (let i = 0; i + 1 < b.length; i += 2) {
        const left = b[i]!;
        const right = b[i + 1]!;
        // As the scoreboard: only blocks within (SND.UNA, SND.MAX] (D-SACKs are counted apart).
        if (!seqLt(left, right) || !seqGt(left, info.sndUna) || seqGt(right, info.sndMax)) continue;
        this.#splitAt(left);
        this.#splitAt(right);
        for (let k = this.#indexAt(left); k < r.length; k++) {
          const s = r[k]!;
          if (seqGe(s.start, right)) break;
          // Only whole records (a split refused at MAX_RECORDS leaves one partly covered).
          if (!s.sacked && seqGe(s.start, left) && seqLe(s.end, right)) {
            s.sacked = true;
            s.lost = false;
            this.#delivered(s, info, now);
          }
        }
      }
    }
    if (info.dsack) this.#onDsack(info.sndUna, info.sndMax);
    return this.detectLoss(now, info.inRecovery, info.sackedBytes, info.mss, info.srtt);
  }

  /** An RTT sample from the connection's estimator also feeds min_rtt (RFC 8985 §6.2 step 2). */
  onRttSample(rtt: number): void {
    if (rtt >= 0 && rtt < this.#minRtt) this.#minRtt = rtt;
  }

  /** Fast recovery ended: after REO_WND_PERSIST of them without D-SACK, reo_wnd_mult resets. */
  onRecoveryExit(): void {
    if (--this.#reoWndPersist <= 0) {
      this.#reoWndMult = 1;
      this.#reoWndPersist = REO_WND_PERSIST;
    }
  }

  /**
   * A retransmission timeout: go-back-N resends everything, and the peer may have reneged on
   * its SACKs (RFC 2018 §8), so every record counts as outstanding again.
   */
  onTimeout(): void {
    for (const s of this.#records) {
      s.sacked = false;
      s.lost = false;
    }
    this.deadline = Infinity;
  }

  /**
   * §6.2 step 5: every segment not delivered and sent before RACK.xmit_ts is lost once
   * RACK.rtt + reo_wnd has passed since it was sent; the reordering timer is armed for the
   * youngest of those not old enough yet. Returns the bytes newly marked lost.
   */
  detectLoss(now: number, inRecovery: boolean, sackedBytes: number, mss: number, srtt: number): number {
    const reoWnd = this.reoWnd(inRecovery, sackedBytes, mss, srtt);
    let lostBytes = 0;
    let wait = 0;
    for (const s of this.#records) {
      if (s.sacked || s.lost) continue;
      if (!this.#sentBeforeRack(s)) {
        if (this.#retransmitted === 0) break; // all later ones were sent later still
        continue;
      }
      const remaining = s.xmitTs + this.#rtt + reoWnd - now;
      if (remaining <= 0) {
        s.lost = true;
        lostBytes += seqDiff(s.end, s.start);
      } else if (remaining > wait) {
        wait = remaining;
      }
    }
    this.deadline = wait > 0 ? now + wait : Infinity;
    return lostBytes;
  }

  /** The first range marked lost and not yet retransmitted at or above `from`: [start, end), or null. */
  firstLost(from: number): [number, number] | null {
    for (const s of this.#records) {
      if (s.lost && seqGt(s.end, from)) return [seqGt(s.start, from) ? s.start : from, s.end];
    }
    return null;
  }

  /**
   * RFC 6675 pipe with RACK's marks (as Linux's packets_out - sacked_out - lost_out +
   * retrans_out): bytes below `sndNxt` neither SACKed nor marked lost.
   */
  pipe(sndNxt: number): number {
    let sum = 0;
    for (const s of this.#records) {
      if (!seqLt(s.start, sndNxt)) break;
      if (s.sacked || s.lost) continue;
      sum += seqDiff(seqLt(s.end, sndNxt) ? s.end : sndNxt, s.start);
    }
    return sum;
  }

  /** Records held (for tests: bounded by what is in flight). */
  get recordCount(): number {
    return this.#records.length;
  }

  /** RACK.xmit_ts is later than the segment's, or equal with a higher end (§6.2 step 5). */
  #sentBeforeRack(s: Sent): boolean {
    return s.xmitTs < this.#xmitTs || (s.xmitTs === this.#xmitTs && seqGt(this.#endSeq, s.end));
  }

  /** §6.2 steps 2-3 for one segment newly acknowledged or SACKed. */
  #delivered(s: Sent, info: RackAckInfo, now: number): void {
    // Step 3: delivered below the highest delivered end, never retransmitted: reordering.
    if (this.#fackValid && seqLt(s.end, this.#fack) && !s.retransmitted) this.#reorderingSeen = true;
    if (!this.#fackValid || seqGt(s.end, this.#fack)) {
      this.#fack = s.end;
      this.#fackValid = true;
    }
    const rtt = now - s.xmitTs;
    if (s.retransmitted) {
      // Step 2: an ACK that may answer the original transmission is no evidence about the
      // retransmission: TSecr older than the retransmission, or sooner than any RTT seen.
      // (The timestamp clock counts whole milliseconds: compare at that resolution.)
      if (info.echoedSendTime !== undefined && info.echoedSendTime < Math.floor(s.xmitTs)) return;
      if (rtt < this.#minRtt) return;
    }
    if (rtt < this.#minRtt && !s.retransmitted) this.#minRtt = rtt;
    if (s.xmitTs > this.#xmitTs || (s.xmitTs === this.#xmitTs && seqGt(s.end, this.#endSeq))) {
      this.#xmitTs = s.xmitTs;
      this.#endSeq = s.end;
      this.#rtt = rtt;
    }
  }

  /** §6.2 step 4: a D-SACK says a retransmission was needless: widen reo_wnd, once per round. */
  #onDsack(sndUna: number, sndMax: number): void {
    this.#reorderingSeen = true;
    if (this.#dsackRoundValid && seqLt(sndUna, this.#dsackRoundEnd)) return;
    this.#reoWndMult++;
    this.#reoWndPersist = REO_WND_PERSIST;
    this.#dsackRoundEnd = sndMax;
    this.#dsackRoundValid = true;
  }

  /**
   * Index of the first record ending after `seq` (binary search: the records are in sequence
   * order, so a peer's SACK blocks cost O(log n) each to place, not a scan).
   */
  #indexAt(seq: number): number {
    const r = this.#records;
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqLe(r[mid]!.end, seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Split the record strictly containing `seq` in two at `seq`. */
  #splitAt(seq: number): void {
    const r = this.#records;
    const i = this.#indexAt(seq);
    const s = r[i];
    if (s === undefined || !seqLt(s.start, seq)) return;
    if (r.length >= MAX_RECORDS) return; // coarser marks, still safe
    r.splice(i + 1, 0, { ...s, start: seq });
    if (s.retransmitted) this.#retransmitted++;
    s.end = seq;
  }
}
