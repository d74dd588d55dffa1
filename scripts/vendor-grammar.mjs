#!/usr/bin/env node
// node scripts/vendor-grammar.mjs [--check]: grammar/ from the bash grammar's own release. dockmod runs only
// tree-sitter-bash's prebuilt .wasm (the grammar's maintainers build it and publish it in their npm package,
// beside C sources and native bindings dockmod has no use for), so that file, brotli-compressed (1.36 MB as
// 0.13 MB; src/engine/shell.ts unpacks it), and the grammar's licence are kept in grammar/ and shipped in
// dockmod's package, and tree-sitter-bash is no dependency. This script takes them from the pinned release,
// checked against the tarball's integrity as it was first locked, and writes them (or, with --check, fails
// unless grammar/ holds the same bytes, once unpacked: brotli's output may change with Node's zlib).
// To move to a new version: change VERSION and INTEGRITY (`npm view tree-sitter-bash@<v> dist.integrity`), run
// this, then `npx vitest run test/corpus-shell-parses.test.ts`: every difference in what the new grammar reads
// from the corpus shows there, to be explained before the golden file is updated with -u.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';

const VERSION = '0.25.1';
const INTEGRITY = 'sha512-7hMytuYIMoXOq24yRulgIxthE9YmggZIOHCyPTTuJcu6EU54tYD+4G39cUb28kxC6jMf/AbPfWGLQtgPTdh3xw==';
const compress = (bytes) =>
  zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
/** The files taken from the package: their names in grammar/, and how they are stored there and read back. */
const FILES = {
  'tree-sitter-bash.wasm': { name: 'tree-sitter-bash.wasm.br', store: compress, read: (bytes) => zlib.brotliDecompressSync(bytes) },
  LICENSE: { name: 'LICENSE', store: (bytes) => bytes, read: (bytes) => bytes },
};

const grammarDir = path.resolve(import.meta.dirname, '..', 'grammar');
const check = process.argv.includes('--check');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-grammar-'));
try {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', `tree-sitter-bash@${VERSION}`, '--json', '--pack-destination', work], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  if (packed.integrity !== INTEGRITY) throw new Error(`tree-sitter-bash@${VERSION} has integrity ${packed.integrity}, not the pinned ${INTEGRITY}`);
  execFileSync('tar', ['-xzf', path.join(work, packed.filename), '-C', work, ...Object.keys(FILES).map((file) => `package/${file}`)]);
  const stale = [];
  for (const [from, { name, store, read }] of Object.entries(FILES)) {
    const released = fs.readFileSync(path.join(work, 'package', from));
    const target = path.join(grammarDir, name);
    if (check) {
      if (!fs.existsSync(target) || !released.equals(read(fs.readFileSync(target)))) stale.push(`grammar/${name}`);
    } else {
      fs.mkdirSync(grammarDir, { recursive: true });
      fs.writeFileSync(target, store(released));
    }
  }
  if (stale.length) {
    console.error(`vendor-grammar: ${stale.join(', ')} differ from tree-sitter-bash@${VERSION}'s`);
    process.exitCode = 1;
  } else {
    console.log(`vendor-grammar: grammar/ ${check ? 'holds' : 'now holds'} tree-sitter-bash@${VERSION}'s ${Object.keys(FILES).join(' and ')}`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
