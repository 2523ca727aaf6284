// The speed goals of issue 14 against one bench/results.json: README's "Speed against goals"
// table is made here, so every figure in it is this run's, found by its row, never retyped.
// A goal whose rows are missing from the run says so instead of borrowing an older figure.

import type { Row } from './harness.js';

/** What README shows for one goal: this run's figures and whether each part of the goal holds. */
export interface GoalVerdict {
  path: string;
  goal: string;
  /** This run's figures, or undefined when the run lacks a row the goal needs. */
  today?: string;
  /** One entry per part of the goal (a ratio, a bound). */
  met?: boolean[];
}

type Find = (group: RegExp, task: RegExp) => Row | undefined;

interface Goal {
  path: string;
  goal: string;
  /** This run's text and verdicts, or undefined when a row is missing. */
  judge(find: Find): { today: string; met: boolean[] } | undefined;
}

const ns = (v: number): string => (v >= 1e4 ? `${(v / 1e3).toFixed(1)} µs` : `${v.toFixed(v >= 100 ? 0 : 1)} ns`);
const times = (v: number): string => `${v.toFixed(2)}×`;
/** How many times faster `row` is than `base` (cost per operation: base ÷ row). */
const over = (row: Row, base: Row): number => base.medianNs / row.medianNs;
/** Rows the caller needs all of: undefined if any is missing. */
function all(...rows: Array<Row | undefined>): Row[] | undefined {
  return rows.every((r) => r !== undefined) ? (rows as Row[]) : undefined;
}

const CHECKSUM = (size: number): RegExp => new RegExp(`^checksum ${size} B$`);
const ACK_ONLY = /^decode\+verify 1024 ack-only/;
const FULL_SIZE = /^decode\+verify 1024 full-size/;
const ENCODE = /^encode one packet/;
const GOODPUT = (flows: number): RegExp => new RegExp(`^stack goodput.*\\b${flows} flows?\\b`);

export const GOALS: Goal[] = [
  {
    path: '`internetChecksum` 40 B, ordinary array',
    goal: '≥ 2× best JS; ≤ 10 ns above the floor',
    judge(find) {
      const rows = all(
        find(CHECKSUM(40), /^wasm simd: internetChecksum$/),
        find(CHECKSUM(40), /^best pure JS/),
        find(CHECKSUM(40), /^floor:/),
      );
      if (!rows) return undefined;
      const [ours, js, floor] = rows as [Row, Row, Row];
      const above = ours.medianNs - floor.medianNs;
      return {
        today: `${ns(ours.medianNs)}: ${times(over(ours, js))} best JS, ${ns(above)} above the floor`,
        met: [over(ours, js) >= 2, above <= 10],
      };
    },
  },
  {
    path: '`internetChecksum` 1500 B, ordinary array',
    goal: '≥ 6× best JS',
    judge(find) {
      const rows = all(find(CHECKSUM(1500), /^wasm simd: internetChecksum$/), find(CHECKSUM(1500), /^best pure JS/));
      if (!rows) return undefined;
      const [ours, js] = rows as [Row, Row];
      return { today: `${ns(ours.medianNs)}: ${times(over(ours, js))} best JS`, met: [over(ours, js) >= 6] };
    },
  },
  {
    path: '`decodeBatch` + verify, ACK-only',
    goal: '≤ 25 ns zero-copy; ≥ 2× columnar JS from an array',
    judge(find) {
      const rows = all(
        find(ACK_ONLY, /^decodeBatch \(packed, already in WASM memory/),
        find(ACK_ONLY, /^decodeBatch \(1 call, array of frames\)$/),
        find(ACK_ONLY, /^columnar plain JS(?!.*no verify)/),
      );
      if (!rows) return undefined;
      const [zero, array, js] = rows as [Row, Row, Row];
      return {
        today: `${ns(zero.medianNs)} zero-copy; array ${ns(array.medianNs)}, ${times(over(array, js))} columnar JS`,
        met: [zero.medianNs <= 25, over(array, js) >= 2],
      };
    },
  },
  {
    path: '`decodeBatch`, no verify, ACK-only',
    goal: '≤ 15 ns zero-copy (≥ 2.5× JS); array input ≥ 1×',
    judge(find) {
      const rows = all(
        find(ACK_ONLY, /^decodeBatch, verifyChecksums: false, already in WASM memory/),
        find(ACK_ONLY, /^decodeBatch, verifyChecksums: false \(array of frames\)/),
        find(ACK_ONLY, /^columnar plain JS.*no verify/),
      );
      if (!rows) return undefined;
      const [zero, array, js] = rows as [Row, Row, Row];
      return {
        today: `${ns(zero.medianNs)} zero-copy (${times(over(zero, js))} JS); array ${times(over(array, js))}`,
        met: [zero.medianNs <= 15, over(zero, js) >= 2.5, over(array, js) >= 1],
      };
    },
  },
  {
    path: '`decodeBatch` + verify, 1500 B',
    goal: '≤ 70 ns zero-copy (≥ 5× columnar JS)',
    judge(find) {
      const rows = all(
        find(FULL_SIZE, /^decodeBatch \(packed, already in WASM memory/),
        find(FULL_SIZE, /^columnar plain JS(?!.*no verify)/),
      );
      if (!rows) return undefined;
      const [zero, js] = rows as [Row, Row];
      return {
        today: `${ns(zero.medianNs)} zero-copy, ${times(over(zero, js))} columnar JS`,
        met: [zero.medianNs <= 70, over(zero, js) >= 5],
      };
    },
  },
  {
    path: '`decodeFrame` (object result)',
    goal: '≥ 1× plain JS per object built, ≥ 3× `pcap`',
    judge(find) {
      const parts: Array<[string, Row, Row, Row | undefined]> = [];
      for (const [name, group] of [
        ['ACK-only', ACK_ONLY],
        ['full-size', FULL_SIZE],
      ] as const) {
        const ours = find(group, /^decodeFrame per packet$/);
        const js = find(group, /^pure JS, object per layer/);
        if (!ours || !js) return undefined;
        parts.push([name, ours, js, find(group, /^pcap [\d.]+ package decoders \+ best-JS checksum verify$/)]);
      }
      return {
        today: parts
          .map(
            ([name, ours, js, pcap]) =>
              `${name} ${ns(ours.medianNs)}: ${times(over(ours, js))} JS` +
              (pcap ? `, ${times(over(ours, pcap))} \`pcap\`` : ', `pcap` not installed'),
          )
          .join('; '),
        met: parts.flatMap(([, ours, js, pcap]) => [over(ours, js) >= 1, ...(pcap ? [over(ours, pcap) >= 3] : [])]),
      };
    },
  },
  {
    path: '`encodePacket`, ACK + TS / SYN with options',
    goal: '≥ 2× plain JS; ≥ 8 M pkt/s with a per-flow template',
    judge(find) {
      const rows = all(
        find(ENCODE, /^encodePacket, ACK \+ TS, IPv4/),
        find(ENCODE, /^plain JS, ACK \+ TS, IPv4/),
        find(ENCODE, /^encodePacket, SYN/),
        find(ENCODE, /^plain JS, SYN/),
        find(ENCODE, /^PacketTemplate\.encodeInto, ACK \+ TS, IPv4/),
      );
      if (!rows) return undefined;
      const [ack, ackJs, syn, synJs, template] = rows as [Row, Row, Row, Row, Row];
      return {
        today:
          `${ns(ack.medianNs)} / ${ns(syn.medianNs)}: ${times(over(ack, ackJs))} / ${times(over(syn, synJs))} JS; ` +
          `template ${(template.opsPerSec / 1e6).toFixed(1)} M pkt/s`,
        met: [over(ack, ackJs) >= 2, over(syn, synJs) >= 2, template.opsPerSec >= 8e6],
      };
    },
  },
  {
    path: '`encodePacket`, 1448 B payload',
    goal: '≥ 4× plain JS',
    judge(find) {
      const rows = all(
        find(ENCODE, /^encodePacket, 1448 B \+ TS, IPv4/),
        find(ENCODE, /^plain JS, 1448 B \+ TS, IPv4/),
      );
      if (!rows) return undefined;
      const [ours, js] = rows as [Row, Row];
      return { today: `${ns(ours.medianNs)}, ${times(over(ours, js))} JS`, met: [over(ours, js) >= 4] };
    },
  },
  {
    path: '`tcpwasm decode` text vs `tcpdump -nn -vv`, same file',
    goal: '≥ 2× tcpdump at every size; `--json` ≥ 1×',
    judge(find) {
      const text: Row[] = [];
      const json: Row[] = [];
      for (const group of [/^decode command vs tcpdump: [^x]*$/, /^decode command vs tcpdump: .* x\d+/]) {
        const t = find(group, /^tcpwasm decode -nn -vv \(child/);
        const j = find(group, /^tcpwasm decode --json \(child/);
        if (t?.ratio === undefined || j?.ratio === undefined) return undefined;
        text.push(t);
        json.push(j);
      }
      return {
        today: `text ${text.map((r) => times(r.ratio!)).join(' / ')}; \`--json\` ${json.map((r) => times(r.ratio!)).join(' / ')} (CPU, small / large file)`,
        met: [...text.map((r) => r.ratio! >= 2), ...json.map((r) => r.ratio! >= 1)],
      };
    },
  },
  {
    path: '`tcpwasm decode --stats`',
    goal: '≥ 10 M seg/s',
    judge(find) {
      const row = find(/^decode command: /, /^tcpwasm decode --stats \(in process\)$/);
      if (!row) return undefined;
      return { today: `${(row.opsPerSec / 1e6).toFixed(1)} M seg/s`, met: [row.opsPerSec >= 10e6] };
    },
  },
  {
    path: 'in-process goodput, two stacks, MTU 1500, 1 / 100 / 1,000 flows',
    goal: '≥ 0.9× node:net at 1 flow, ≥ 0.7× at 1,000',
    judge(find) {
      const ratios: number[] = [];
      for (const flows of [1, 100, 1000]) {
        const row = find(GOODPUT(flows), /^two Stacks/);
        if (row?.ratio === undefined) return undefined;
        ratios.push(row.ratio);
      }
      return {
        today: `${ratios.map(times).join(' / ')} node:net`,
        met: [ratios[0]! >= 0.9, ratios[2]! >= 0.7],
      };
    },
  },
  {
    path: '1 MB HTTP responses over TUN, `ab -k` (kernel client)',
    goal: '≥ 0.7× the kernel serving the same app',
    judge(find) {
      const row = find(/^TUN HTTP 1 MB/, /^TUN/);
      if (row?.ratio === undefined) return undefined;
      return { today: `${times(row.ratio)} the kernel`, met: [row.ratio >= 0.7] };
    },
  },
  {
    path: 'idle connection, JS heap + buffers',
    goal: '≤ 2 KB per connection',
    judge(find) {
      const row = find(/^idle connections/, /^two Stacks/);
      if (row?.bytesPerOp === undefined) return undefined;
      return { today: `${(row.bytesPerOp / 1e3).toFixed(2)} KB per connection`, met: [row.bytesPerOp <= 2000] };
    },
  },
];

/** Each goal judged against the rows of one run. */
export function judgeGoals(rows: Row[]): GoalVerdict[] {
  const find: Find = (group, task) => rows.find((r) => group.test(r.group) && task.test(r.task));
  return GOALS.map((g) => ({ path: g.path, goal: g.goal, ...g.judge(find) }));
}

function verdict(v: GoalVerdict): string {
  if (v.met === undefined) return 'not in this run';
  const missed = v.met.filter((m) => !m).length;
  if (missed === 0) return 'met';
  return missed === v.met.length ? 'missed' : `${v.met.length - missed} of ${v.met.length} parts met`;
}

/** README's table: one line per goal with this run's figures beside it. */
export function goalsTable(rows: Row[]): string[] {
  const out = ['| path | this run | goal | |', '|---|---|---|---|'];
  for (const v of judgeGoals(rows)) out.push(`| ${v.path} | ${v.today ?? '—'} | ${v.goal} | ${verdict(v)} |`);
  return out;
}
