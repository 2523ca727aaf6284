// `npm run bench [-- --quick]`: compiles bench/ to .bench/ and runs it on the built package
// (dist/) in plain Node, as users run it. Builds the inputs, checks the baselines agree with the codec,
// runs every benchmark, prints one table and writes bench/results.json. Figures are medians
// (the machine is shared and noisy) and ratios are against baselines measured in this run.

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codec } from '../dist/wire/module.js';
import { runChecksum } from './checksum.bench.js';
import { runCommandBench } from './command.bench.js';
import { runCongestionBench } from './congestion.bench.js';
import { runFlowsBench } from './flows.bench.js';
import { pcapPackage, runDecodeBatch, runWholeFile, selfCheck } from './decode.bench.js';
import { runEncode } from './encode.bench.js';
import { runGoodputBench } from './goodput.bench.js';
import { runIdleBench } from './idle.bench.js';
import { runH2loadBench } from './h2load.bench.js';
import { sink, type BenchConfig, type Row } from './harness.js';
import { runTunBench } from './tun.bench.js';
import { corpusLabel, locateCorpus } from './corpus.js';
import { loadResults, rate, time, writePages } from './markdown.js';
import { ackOnlySet, fullSizeSet, wholeFile } from './packets.js';

const quick = process.argv.includes('--quick');
/** Per-task budgets (split over 3 interleaved rounds) keep the full run under ~2 minutes. */
const config: BenchConfig = quick
  ? { time: 100, warmupTime: 30, iterations: 8, warmupIterations: 4, rounds: 1, quick }
  : { time: 1200, warmupTime: 250, iterations: 16, warmupIterations: 16, rounds: 3, quick };
/** A whole-file iteration takes tens of ms: fewer minimum iterations, more time. */
const fileConfig: BenchConfig = quick
  ? { time: 200, warmupTime: 0, iterations: 2, warmupIterations: 1, rounds: 1, quick }
  : { time: 2400, warmupTime: 300, iterations: 5, warmupIterations: 2, rounds: 3, quick };

const here = dirname(fileURLToPath(import.meta.url));

function printTable(rows: Row[]): void {
  const header = ['task', 'median/op', 'rate', 'vs baseline'];
  const body = rows.map((r) => [
    r.task,
    time(r.medianNs),
    rate(r),
    r.ratio === undefined ? '—' : r.task === r.baseline ? '1.00× (baseline)' : `${r.ratio.toFixed(2)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let group = '';
  rows.forEach((r, i) => {
    if (r.group !== group) {
      group = r.group;
      console.log(`[${group}]`);
    }
    console.log(line(body[i]!));
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const env = {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    codecVariant: codec().variant,
  };
  console.log(
    `tcpwasm bench${quick ? ' (--quick)' : ''}: ${env.cpu}, ${env.cores} cores, Node ${env.node}, codec ${env.codecVariant}`,
  );

  const corpus = locateCorpus();
  const inputs: Record<string, string> = {};
  let sets: ReturnType<typeof fullSizeSet>[] = [];
  let file: ReturnType<typeof wholeFile> | undefined;
  if (corpus === undefined) {
    console.log(
      '!! capture corpus not found (set TCPWASM_CORPUS, or put it at ../shared/corpus): ' +
        'skipping the decode and whole-file benchmarks',
    );
  } else {
    sets = [fullSizeSet(corpus), ackOnlySet(corpus)];
    file = wholeFile(corpus);
    for (const s of sets) inputs[s.name] = s.description;
    inputs['whole file'] =
      `${file.name}: ${file.compressedBytes} B gzip, ${file.bytes.length} B decompressed in memory`;
    inputs['pcap package'] =
      'missing' in pcapPackage
        ? `not measured: ${pcapPackage.missing}`
        : `pcap ${pcapPackage.version} from ${pcapPackage.from} (its decoders are pure JS; not a tcpwasm dependency)`;
    for (const [k, v] of Object.entries(inputs)) console.log(`  ${k}: ${v}`);
    // Abort before timing anything if the baseline decoder and decodeFrame disagree.
    selfCheck(sets);
    console.log(
      `  self-check: baseline decoder == decodeFrame == decodeBatch (array, packed, inputArea)${'missing' in pcapPackage ? '' : ' == pcap package'} on all benchmark packets`,
    );
  }

  const rows: Row[] = [];
  const stage = async (name: string, work: () => Promise<Row[]>) => {
    const t0 = Date.now();
    process.stderr.write(`running ${name}...`);
    rows.push(...(await work()));
    process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  };
  await stage('checksum', () => runChecksum(config));
  for (const set of sets) await stage(`decode ${set.name}`, () => runDecodeBatch(set, config));
  if (file) {
    const f = file;
    await stage('whole file', () => runWholeFile(f, fileConfig));
    await stage('decode command', () => runCommandBench(f, fileConfig));
  }
  if (corpus !== undefined) await stage('flows and follow', () => runFlowsBench(corpus, fileConfig));
  await stage('encode', () => runEncode(config));
  await stage('stack goodput', () => runGoodputBench(config));
  await stage('congestion control', () => runCongestionBench(config));
  await stage('idle connections', () => runIdleBench(config));
  // Last: it needs root and the native addon, and skips with the reason printed without them.
  await stage('TUN (kernel peer)', async () => {
    const { rows: tunRows, input } = await runTunBench(config);
    inputs['TUN'] = input;
    return tunRows;
  });
  await stage('TUN HTTP/2 (h2load)', async () => {
    const { rows: h2Rows, input } = await runH2loadBench(config);
    inputs['TUN HTTP/2'] = input;
    return h2Rows;
  });

  console.log('');
  printTable(rows);
  const seconds = (Date.now() - started) / 1000;
  const how =
    config.rounds > 1
      ? `median over ${config.rounds} interleaved rounds of each round's median iteration time`
      : 'median iteration time';
  console.log(
    `\n${how}, divided by operations per iteration; ratio = baseline median / task median (higher is faster). ` +
      `${seconds.toFixed(0)} s total.`,
  );

  // Compiled to .bench/ beside bench/: the results belong in the source tree either way.
  const out = join(here, '../bench/results.json');
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        ...env,
        quick,
        config,
        fileConfig,
        corpus: corpus === undefined ? null : corpusLabel(corpus),
        inputs,
        totalSeconds: seconds,
        rows,
        sink: sink.value,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
  // bench/README.md is the page made from results.json; a test fails when the two disagree.
  writePages(loadResults(out));
  console.log('wrote bench/README.md and the speed goals in README.md');
}

main().catch((error: unknown) => {
  console.error('\nBENCHMARK ABORTED:', error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
