#!/usr/bin/env node
// npm run bench: dockmod's speed against the floor of parsing the same files, as medians over several runs.
//   (a) the whole shared corpus laid out as build contexts, one `dockmod <dir>` in diff mode, against a bare
//       dockerfile-ast parse of the same files in one node process;
//   (b) one file, cold: `dockmod <file>` against a bare node start that imports dockerfile-ast and parses it;
//   (c) a synthetic monorepo of 10,000 Dockerfiles (corpus cases replicated with their contexts): wall, peak RSS;
//   (d) wall time at 1k, 2k, 5k and 10k files;
//   (e) the same 10,000 files with --cache: a first run (no cache file yet) and a second one (nothing changed),
//       against the uncached run of (c);
//   (f) the language server (`dockmod lsp --stdio`): diagnostics latency from didOpen of a corpus file to its
//       publishDiagnostics (warm, and for a first file opened with initialize), and from a didChange (typing,
//       debounced) to the new version's.
// `node scripts/bench.mjs lsp` prints (f) alone.
// Needs `npm run build` first (the script runs dist/). BENCH_RUNS sets the runs per figure (default 5; 3 for c/d).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'src', 'cli.js');
const corpus = path.resolve(root, '..', 'shared', 'corpus');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const bigRuns = Number(process.env.BENCH_RUNS ?? 3);
const work = path.join(os.tmpdir(), 'dockmod-bench');
// Peak RSS of the whole process (all threads), reported by the process itself as it exits.
const reportRss = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nmaxrss='+process.resourceUsage().maxRSS+'\\n'))`;

if (!fs.existsSync(cli)) {
  console.error('bench: build first (npm run build)');
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs `node args` n times; median wall seconds and median peak RSS (MB). */
function measure(args, n, cwd = root) {
  const walls = [];
  const rss = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, ['--import', reportRss, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, CI: '1' } });
    walls.push((performance.now() - t) / 1000);
    if (r.status !== 0 && r.status !== 1) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
    rss.push(Number(/maxrss=(\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024);
  }
  return { wall: median(walls), rss: median(rss), summary: undefined };
}

/** The corpus laid out as build-context folders, made once and reused while the corpus is unchanged. */
function corpusTree() {
  const dir = path.join(work, 'corpus');
  const stamp = path.join(dir, '.stamp');
  const want = String(fs.statSync(path.join(corpus, 'index.json')).mtimeMs);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  spawnSync(process.execPath, [path.join(corpus, 'materialize.mjs'), '--all', path.join(corpus, 'cases'), dir], { stdio: 'ignore' });
  fs.writeFileSync(stamp, want);
  return dir;
}

/**
 * 10,000 Dockerfiles: corpus cases copied round-robin into part-0 … part-9 (1,000 each), each in its context; a git
 * repository, as a monorepo is: dockmod looks for compose files and .git no higher than its root (outside one it
 * reads every folder up to /, and a busy /tmp would keep the results cache from reusing the plan).
 */
function monorepo(cases, total = 10_000) {
  const dir = path.join(work, 'monorepo');
  const stamp = path.join(dir, '.stamp');
  const want = `${fs.readFileSync(path.join(cases, '.stamp'), 'utf8')}:${total}`;
  const asRepository = () => fs.existsSync(path.join(dir, '.git')) || spawnSync('git', ['init', '-q', dir]).status === 0 || fs.mkdirSync(path.join(dir, '.git'));
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) {
    asRepository();
    return dir;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const ids = fs.readdirSync(cases).filter((id) => !id.startsWith('.')).sort();
  for (let i = 0; i < total; i++) {
    const id = ids[i % ids.length];
    fs.cpSync(path.join(cases, id), path.join(dir, `part-${Math.floor(i / (total / 10))}`, `${id}-${i}`), { recursive: true });
  }
  fs.writeFileSync(stamp, want);
  asRepository();
  return dir;
}

const dockerfilesUnder = (dir) => fs.readdirSync(dir).filter((d) => !d.startsWith('.')).map((d) => path.join(dir, d, 'Dockerfile'));

const barePerFile = `
import fs from 'node:fs';
import { DockerfileParser } from 'dockerfile-ast';
const files = fs.readFileSync(process.argv[1], 'utf8').split('\\n').filter(Boolean);
for (const f of files) DockerfileParser.parse(fs.readFileSync(f, 'utf8'));
`;
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
const s = (x) => `${(x * 1000).toFixed(0)} ms`;

/** (f): the language server's diagnostics latency after didOpen and after a didChange, medians in ms. */
async function lspLatency(cases, opens = 20, edits = 20) {
  const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = await import('vscode-jsonrpc/node');
  const child = spawn(process.execPath, [cli, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map();
  connection.onNotification('textDocument/publishDiagnostics', ({ uri, version }) => waiting.get(`${uri} ${version}`)?.());
  connection.onNotification('window/logMessage', () => undefined);
  connection.listen();
  const published = (uri, version) => new Promise((resolve) => waiting.set(`${uri} ${version}`, resolve));
  await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  await connection.sendNotification('initialized', {});
  const timed = async (uri, version, send) => {
    const t = performance.now();
    const done = published(uri, version);
    await send();
    await done;
    return performance.now() - t;
  };
  const open = (file) => {
    const uri = pathToFileURL(file).href;
    const text = fs.readFileSync(file, 'utf8');
    return timed(uri, 1, () => connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } }));
  };
  const all = dockerfilesUnder(cases);
  // An editor opening a file as it starts the server: the engine still warming up.
  const cold = await open(all.at(-1));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const picked = all.slice(0, opens);
  const openTimes = [];
  for (const file of picked) openTimes.push(await open(file));
  const edited = picked[0];
  const uri = pathToFileURL(edited).href;
  const original = fs.readFileSync(edited, 'utf8');
  const editTimes = [];
  for (let version = 2; version < edits + 2; version++) {
    const text = `${original}# edit ${version}\n`;
    editTimes.push(await timed(uri, version, () => connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] })));
  }
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  connection.dispose();
  return { cold, open: median(openTimes), edit: median(editTimes), opens: openTimes.length, edits: editTimes.length };
}

const printLsp = (f) => {
  console.log(`(f) language server (dockmod lsp --stdio), diagnostics latency`);
  console.log(`    after didOpen ${f.open.toFixed(0)} ms (median of ${f.opens} files, warm; target <= 500 ms)   first file, opened with initialize ${f.cold.toFixed(0)} ms`);
  console.log(`    after a didChange ${f.edit.toFixed(0)} ms (median of ${f.edits}, debounce included; target <= 200 ms)`);
};

if (process.argv[2] === 'lsp') {
  printLsp(await lspLatency(corpusTree()));
  process.exit(0);
}

console.log(`dockmod bench: node ${process.version}, ${os.availableParallelism()} cores, medians of ${runs} runs (${bigRuns} for c and d)\n`);

const cases = corpusTree();
const files = dockerfilesUnder(cases);
const list = path.join(work, 'corpus-files.txt');
fs.writeFileSync(list, files.join('\n'));
const a = measure([cli, cases], runs);
const aBare = measure(['--input-type=module', '-e', barePerFile, list], runs);
console.log(`(a) corpus, ${files.length} Dockerfiles as build contexts, diff mode`);
console.log(`    dockmod ${s(a.wall)}   bare parse ${s(aBare.wall)}   ratio ${ratio(a.wall, aBare.wall)}   (target <= 3x)`);

const one = path.join(cases, '0003-awesome-compose-react-express-mysql-backend-df', 'Dockerfile');
const oneList = path.join(work, 'one-file.txt');
fs.writeFileSync(oneList, one);
const b = measure([cli, one], runs * 2);
const bBare = measure(['--input-type=module', '-e', barePerFile, oneList], runs * 2);
console.log(`(b) one file, cold start`);
console.log(`    dockmod ${s(b.wall)}   bare node + parse ${s(bBare.wall)}   ratio ${ratio(b.wall, bBare.wall)}   (target <= 1.5x)`);

const mono = monorepo(cases);
const parts = Array.from({ length: 10 }, (_, i) => `part-${i}`);
const sizes = [1, 2, 5, 10];
const perSize = sizes.map((k) => ({ files: k * 1000, ...measure([cli, ...parts.slice(0, k)], bigRuns, mono) }));
const c = perSize.at(-1);
console.log(`(c) synthetic monorepo, 10,000 Dockerfiles`);
console.log(`    wall ${c.wall.toFixed(2)} s (target <= 10 s)   peak RSS ${c.rss.toFixed(0)} MB (target <= 400 MB)`);
console.log(`(d) scaling`);
for (const p of perSize) console.log(`    ${String(p.files).padStart(6)} files  ${p.wall.toFixed(2)} s  ${((p.wall / p.files) * 1e6).toFixed(0)} µs/file  peak RSS ${p.rss.toFixed(0)} MB`);
const slope = (perSize.at(-1).wall - perSize[0].wall) / 9000;
console.log(`    marginal cost ${(slope * 1e6).toFixed(0)} µs/file; 10k/1k time ratio ${(perSize.at(-1).wall / perSize[0].wall).toFixed(2)} (linear with fixed start-up cost: < 10)`);

// Each worktree's bench its own cache file: benches of two checkouts at once must not share one.
const cacheFile = path.join(work, `bench-cache-${createHash('sha1').update(root).digest('hex').slice(0, 8)}.json`);
const withCache = [cli, '--cache', '--cache-location', cacheFile, ...parts];
const firstRuns = [];
for (let i = 0; i < bigRuns; i++) {
  fs.rmSync(cacheFile, { force: true });
  firstRuns.push(measure(withCache, 1, mono).wall);
}
const first = median(firstRuns);
const second = measure(withCache, bigRuns, mono).wall;
console.log(`(e) results cache, 10,000 Dockerfiles (--cache; the cache file ${(fs.statSync(cacheFile).size / 1e6).toFixed(0)} MB)`);
console.log(`    first run ${first.toFixed(2)} s, ${ratio(first, c.wall)} of uncached (target <= 1.10x)   second run ${second.toFixed(2)} s, ${((second / c.wall) * 100).toFixed(0)}% of uncached (target <= 1 s and <= 10%)`);
const lsp = await lspLatency(cases);
printLsp(lsp);
console.log(`\nside by side          measured      target`);
console.log(`(a) corpus / bare     ${ratio(a.wall, aBare.wall).padEnd(13)} <= 3x`);
console.log(`(b) one file / bare   ${ratio(b.wall, bBare.wall).padEnd(13)} <= 1.5x`);
console.log(`(c) 10k files         ${`${c.wall.toFixed(2)} s ${c.rss.toFixed(0)} MB`.padEnd(13)} <= 10 s, <= 400 MB`);
console.log(`(d) 10k / 1k time     ${(perSize.at(-1).wall / perSize[0].wall).toFixed(2).padEnd(13)} < 10 (linear)`);
console.log(`(e) cache, first run  ${ratio(first, c.wall).padEnd(13)} <= 1.10x of (c)`);
console.log(`(e) cache, second run ${`${second.toFixed(2)} s ${((second / c.wall) * 100).toFixed(0)}%`.padEnd(13)} <= 1 s and <= 10% of (c)`);
console.log(`(f) lsp open / edit   ${`${lsp.open.toFixed(0)} / ${lsp.edit.toFixed(0)} ms`.padEnd(13)} <= 500 / 200 ms`);
console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
