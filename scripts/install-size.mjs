#!/usr/bin/env node
// npm run install-size: what a user gets from the packed package. Packs dockmod (`npm pack`, which builds it),
// installs the tarball into an empty folder as a user would, and prints the size of node_modules (its files'
// contents, as npm's "unpacked size" counts them; disk usage, which depends on the file system's block size, is
// printed beside it) with its largest packages. Fails (exit 1) above 15 MB, or when the install has an install
// script: npm's warning about one, a package with a preinstall/install/postinstall script or a binding.gyp
// (npm's default install script is `node-gyp rebuild` then), or dockmod's own `prepare`, which npm counts as an
// install script of a package from a tarball.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const LIMIT_BYTES = 15_000_000;
const root = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-install-size-'));
const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Runs npm; what it printed on stdout, and on stderr (where it warns). */
function npm(args, cwd) {
  const run = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=warn'], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`npm ${args.join(' ')} failed:\n${run.stderr}`);
  return { stdout: run.stdout, stderr: run.stderr };
}

/** The size of a folder's files' contents, and its disk usage as du counts it (allocated blocks). */
function usage(dir) {
  let disk = 0;
  let apparent = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const stat = fs.lstatSync(path.join(entry.parentPath, entry.name));
    disk += stat.blocks * 512;
    apparent += stat.size;
  }
  return { disk, apparent };
}

/** The package folders under node_modules (scoped ones included). */
function packageDirs(modules) {
  const dirs = [];
  for (const name of fs.readdirSync(modules)) {
    if (name.startsWith('.')) continue;
    const dir = path.join(modules, name);
    for (const pkg of name.startsWith('@') ? fs.readdirSync(dir).map((inner) => path.join(dir, inner)) : [dir]) {
      dirs.push(pkg);
      const nested = path.join(pkg, 'node_modules');
      if (fs.existsSync(nested)) dirs.push(...packageDirs(nested));
    }
  }
  return dirs;
}

/** Why a package runs code at install time, or null. */
function installScript(dir, fromTarball) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const scripts = manifest.scripts ?? {};
  for (const event of ['preinstall', 'install', 'postinstall', ...(fromTarball ? ['prepare'] : [])]) {
    if (scripts[event]) return `${manifest.name}: ${event}: ${scripts[event]}`;
  }
  if (fs.existsSync(path.join(dir, 'binding.gyp'))) return `${manifest.name}: binding.gyp (node-gyp rebuild)`;
  return null;
}

try {
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root).stdout)[0];
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "install-size-probe", "private": true }\n');
  const { stdout, stderr } = npm(['install', path.join(work, packed.filename)], app);

  const modules = path.join(app, 'node_modules');
  const total = usage(modules);
  const packages = packageDirs(modules).map((dir) => ({ name: path.relative(modules, dir), ...usage(dir) }));
  const problems = [];
  if (total.apparent > LIMIT_BYTES) problems.push(`node_modules holds ${megabytes(total.apparent)}, over ${megabytes(LIMIT_BYTES)}`);
  // npm 11 warns (`npm warn install-scripts ...`) and skips them; earlier versions run them silently.
  for (const line of `${stdout}\n${stderr}`.split('\n')) if (/install.?scripts?\s+\S/i.test(line)) problems.push(`npm: ${line.trim()}`);
  for (const dir of packageDirs(modules)) {
    const reason = installScript(dir, path.relative(modules, dir) === packed.name);
    if (reason) problems.push(`install script: ${reason}`);
  }

  console.log(`${packed.filename}: ${megabytes(packed.size)} packed, ${packed.entryCount} files`);
  console.log(`node_modules after npm install of it: ${megabytes(total.apparent)} (${megabytes(total.disk)} on disk), ${packages.length} packages; largest:`);
  for (const p of packages.sort((a, b) => b.apparent - a.apparent).slice(0, 6)) console.log(`  ${megabytes(p.apparent).padStart(8)}  ${p.name}`);
  for (const problem of problems) console.error(`install-size: ${problem}`);
  process.exitCode = problems.length ? 1 : 0;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
