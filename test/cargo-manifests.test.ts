// cargo's installer: what `manifests()` copies and stubs, as derived from The Cargo Book and cargo's manifest
// loader, and the `cargo fetch` that `prefetch()` builds from the install's own words.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryContext } from '../src/contexts/context.js';
import { matchInstall } from '../src/tools/installs.js';
import type { Argv } from '../src/tools/ecosystems/installer.js';

/** The install's manifests as split-copy-install asks for them: `dir` is the context folder of its working directory, `/app`. */
function manifestsOf(command: string | Argv, files: Record<string, string>, dir = '') {
  const argv = typeof command === 'string' ? command.split(' ') : command;
  const match = matchInstall(argv);
  if (!match) throw new Error(`not a cargo install: ${argv.join(' ')}`);
  const cwd = path.posix.join('/app', dir);
  const toContext = (named: string) => {
    const target = path.posix.resolve(cwd, named);
    return target === '/app' ? '' : target.startsWith('/app/') ? target.slice('/app/'.length) : null;
  };
  return match.installer.manifests(argv, dir, memoryContext(files), toContext);
}
const prefetchOf = (command: string) => matchInstall(command.split(' '))!.installer.prefetch!(command.split(' '));

const crate = (body = '') => `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n${body}`;

describe('cargo manifests', () => {
  it('a single crate: its manifest and lockfile, and src/main.rs as the stub that gives it a target', () => {
    const files = { 'Cargo.toml': crate('[dependencies]\nserde = "1"\n'), 'Cargo.lock': '', 'src/main.rs': 'fn main() {}', 'src/db.rs': '', 'README.md': '' };
    expect(manifestsOf('cargo build --release', files)).toEqual({ files: ['Cargo.toml', 'Cargo.lock'], optional: ['Cargo.lock'], stubs: ['src/main.rs'] });
  });

  it('one discovered target is enough: src/lib.rs before src/main.rs', () => {
    const files = { 'Cargo.toml': crate(), 'src/main.rs': '', 'src/lib.rs': '' };
    expect(manifestsOf('cargo build', files)).toEqual({ files: ['Cargo.toml'], optional: [], stubs: ['src/lib.rs'] });
  });

  it('explicit target paths need no stub (cargo checks none of them when it loads a manifest)', () => {
    const files = { 'Cargo.toml': crate('[lib]\npath = "src/lib.rs"\n[[bin]]\nname = "server"\npath = "cmd/server.rs"\n'), 'src/lib.rs': '', 'cmd/server.rs': '' };
    expect(manifestsOf('cargo build', files)).toEqual({ files: ['Cargo.toml'], optional: [], stubs: [] });
  });

  it('a target declared without a path needs the file cargo infers for its name', () => {
    const files = { 'Cargo.toml': crate('[[bin]]\nname = "tool"\n[[example]]\nname = "demo"\n'), 'src/bin/tool/main.rs': '', 'examples/demo.rs': '' };
    expect(manifestsOf('cargo build', files)).toEqual({ files: ['Cargo.toml'], optional: [], stubs: ['src/bin/tool/main.rs', 'examples/demo.rs'] });
  });

  it('refuses a target cargo would not find, naming the files it looks for', () => {
    expect(manifestsOf('cargo build', { 'Cargo.toml': crate('[[bin]]\nname = "tool"\n'), 'src/main.rs': '' })).toEqual({
      refuse: 'Cargo.toml declares [[bin]] `tool` without a path, and none of src/bin/tool.rs, src/bin/tool/main.rs is in the build context',
    });
    expect(manifestsOf('cargo build', { 'Cargo.toml': crate(), 'build.rs': '' })).toEqual({
      refuse: 'Cargo.toml has no target in the build context (cargo needs src/lib.rs, src/main.rs, a [lib] or a [[bin]])',
    });
  });

  it('`links` needs the build script to exist; without `links` build.rs is not needed', () => {
    expect(manifestsOf('cargo build', { 'Cargo.toml': crate('links = "z"\n'), 'src/lib.rs': '', 'build.rs': '' })).toEqual({ files: ['Cargo.toml'], optional: [], stubs: ['src/lib.rs', 'build.rs'] });
    expect(manifestsOf('cargo build', { 'Cargo.toml': crate(), 'src/lib.rs': '', 'build.rs': '' })).toEqual({ files: ['Cargo.toml'], optional: [], stubs: ['src/lib.rs'] });
    expect(manifestsOf('cargo build', { 'Cargo.toml': crate('links = "z"\n'), 'src/lib.rs': '' })).toEqual({
      refuse: 'Cargo.toml sets links = "z", which needs a build script, and build.rs is not in the build context',
    });
  });

  const workspace = {
    'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/old"]\n\n[workspace.dependencies]\nshared = { path = "shared" }\n\n[patch.crates-io]\nserde = { path = "vendor/serde" }\n',
    'Cargo.lock': '',
    'crates/app/Cargo.toml': crate('[dependencies]\ncore = { path = "../core" }\nshared.workspace = true\n\n[target.\'cfg(unix)\'.dependencies]\nunixy = { path = "../../libs/unixy" }\n'),
    'crates/app/src/main.rs': '',
    'crates/core/Cargo.toml': '[package]\nname = "core"\nversion = "0.1.0"\n\n[dev-dependencies]\ntesting = { path = "../../libs/testing" }\n',
    'crates/core/src/lib.rs': '',
    'crates/old/Cargo.toml': 'not read',
    'libs/unixy/Cargo.toml': '[package]\nname = "unixy"\nversion = "0.1.0"\n',
    'libs/unixy/src/lib.rs': '',
    'libs/testing/Cargo.toml': '[package]\nname = "testing"\nversion = "0.1.0"\n',
    'libs/testing/src/lib.rs': '',
    'shared/Cargo.toml': '[package]\nname = "shared"\nversion = "0.1.0"\n',
    'shared/src/lib.rs': '',
    'vendor/serde/Cargo.toml': '[package]\nname = "serde"\nversion = "1.0.0"\n',
    'vendor/serde/src/lib.rs': '',
    '.cargo/config.toml': '[net]\ngit-fetch-with-cli = true\n',
    'rust-toolchain.toml': '[toolchain]\nchannel = "1.80"\n',
  };

  it('a workspace: the root, its members (globs, exclude), path dependencies of every kind, config and toolchain', () => {
    const expected = {
      files: [
        'Cargo.toml', 'crates/app/Cargo.toml', 'crates/core/Cargo.toml', 'vendor/serde/Cargo.toml', 'shared/Cargo.toml', 'libs/unixy/Cargo.toml', 'libs/testing/Cargo.toml',
        'Cargo.lock', '.cargo/config.toml', 'rust-toolchain.toml',
      ],
      optional: ['Cargo.lock', '.cargo/config.toml', 'rust-toolchain.toml'],
      stubs: ['crates/app/src/main.rs', 'crates/core/src/lib.rs', 'vendor/serde/src/lib.rs', 'shared/src/lib.rs', 'libs/unixy/src/lib.rs', 'libs/testing/src/lib.rs'],
    };
    expect(manifestsOf('cargo build', workspace)).toEqual(expected);
    // From a member's folder cargo finds the same workspace above it, and reads the config and toolchain from there up.
    const fromMember = manifestsOf('cargo build', workspace, 'crates/app');
    expect(fromMember).toEqual({ ...expected, files: ['Cargo.toml', 'crates/app/Cargo.toml', ...expected.files.slice(2)] });
  });

  it('the dev-dependencies of a package outside the workspace are not resolved', () => {
    const files = {
      'Cargo.toml': crate('[dependencies]\nhelper = { path = "helper" }\n'),
      'src/main.rs': '',
      'helper/Cargo.toml': '[package]\nname = "helper"\nversion = "0.1.0"\n[dev-dependencies]\nmissing = { path = "../nowhere" }\n',
      'helper/src/lib.rs': '',
    };
    expect(manifestsOf('cargo build', files)).toEqual({ files: ['Cargo.toml', 'helper/Cargo.toml'], optional: [], stubs: ['src/main.rs', 'helper/src/lib.rs'] });
  });

  it('refuses what cargo would read from outside the context or not find', () => {
    expect(manifestsOf('cargo build', { 'Cargo.toml': crate('[dependencies]\nx = { path = "../x" }\n'), 'src/main.rs': '' })).toEqual({ refuse: 'Cargo.toml dependency x is the path ../x, outside the build context' });
    expect(manifestsOf('cargo build', { 'Cargo.toml': crate('[dependencies]\nx = { path = "x" }\n'), 'src/main.rs': '' })).toEqual({ refuse: 'x/Cargo.toml, which Cargo.toml dependency x names, is not in the build context' });
    expect(manifestsOf('cargo build', { 'Cargo.toml': '[workspace]\nmembers = ["app"]\n' })).toEqual({ refuse: 'app/Cargo.toml, which is a workspace member of Cargo.toml, is not in the build context' });
    // cargo fails on a folder a member glob matches that has no Cargo.toml (its test glob_syntax_invalid_members).
    expect(manifestsOf('cargo build', { ...workspace, 'crates/docs/README.md': '' })).toEqual({ refuse: 'crates/docs/Cargo.toml, which is a workspace member of Cargo.toml, is not in the build context' });
    expect(manifestsOf('cargo build', { 'Cargo.toml': '[dependencies]\nserde = "1"\n', 'src/main.rs': '' })).toEqual({ refuse: 'Cargo.toml has neither [package] nor [workspace], which cargo refuses' });
    expect(manifestsOf('cargo build', { 'Cargo.toml': 'name = ' })).toMatchObject({ refuse: expect.stringMatching(/^Cargo\.toml is not valid TOML \(/) });
    expect(manifestsOf('cargo build', { 'src/main.rs': '' })).toEqual({ refuse: 'no Cargo.toml in the context root or above it in the build context' });
  });

  it('refuses vendored sources: the dependencies come with the sources', () => {
    const files = { 'Cargo.toml': crate(), 'src/main.rs': '', '.cargo/config.toml': '[source.crates-io]\nreplace-with = "vendored"\n[source.vendored]\ndirectory = "vendor"\n' };
    expect(manifestsOf('cargo build', files)).toEqual({ refuse: '.cargo/config.toml replaces the sources with the local folder of [source.vendored], so the dependencies come with the sources and there is nothing to fetch' });
  });

  it('--manifest-path and install --path name the manifest; --config files are copied', () => {
    const files = { 'server/Cargo.toml': crate(), 'server/src/main.rs': '', 'ci.toml': '' };
    expect(manifestsOf('cargo build --manifest-path server/Cargo.toml --config ci.toml --config net.retry=3', files)).toEqual({ files: ['server/Cargo.toml', 'ci.toml'], optional: [], stubs: ['server/src/main.rs'] });
    // install reads config from the package's folder up (cargo help install, Configuration Discovery).
    const withConfigs = { ...files, '.cargo/config.toml': '', 'tools/.cargo/config.toml': '', 'server/.cargo/config': '' };
    expect(manifestsOf('cargo install --path ../server --locked', withConfigs, 'tools')).toEqual({
      files: ['server/Cargo.toml', 'server/.cargo/config', '.cargo/config.toml'],
      optional: ['server/.cargo/config', '.cargo/config.toml'],
      stubs: ['server/src/main.rs'],
    });
    expect(manifestsOf('cargo build --manifest-path ../server/Cargo.toml', withConfigs, 'tools')).toMatchObject({ files: ['server/Cargo.toml', 'tools/.cargo/config.toml', '.cargo/config.toml'] });
  });

  it('refuses variables in the command', () => {
    expect(manifestsOf(['cargo', 'build', null], { 'Cargo.toml': crate(), 'src/main.rs': '' })).toEqual({ refuse: "the command's arguments depend on a variable" });
  });
});

describe('cargo installs and their fetch', () => {
  it('recognises builds of the project, not `cargo install <crate>` or cargo-chef', () => {
    const matched = (c: string) => matchInstall(c.split(' '))?.installer.tool ?? null;
    expect(['cargo build', 'cargo +nightly test', 'cargo --locked build', 'cargo install --path .', 'cargo fetch'].map(matched)).toEqual(['cargo', 'cargo', 'cargo', 'cargo', 'cargo']);
    expect(['cargo install ripgrep', 'cargo install --git https://x/y', 'cargo chef prepare', 'cargo run', 'cargo'].map(matched)).toEqual([null, null, null, null, null]);
    // cargo-chef's cook fetches and builds the dependencies (so a later build has them), from its recipe alone.
    const cook = matchInstall('cargo chef cook --release --recipe-path recipe.json'.split(' '))!;
    expect([cook.installer.ecosystem, cook.installer.prefetch]).toEqual(['rust', undefined]);
    expect(cook.installer.manifests(cook.argv, '', memoryContext({}), () => null)).toEqual({ refuse: expect.stringMatching(/^cargo chef cook builds the dependencies from the recipe/) });
  });

  it('keeps the options cargo fetch shares and drops those of the compilation', () => {
    expect(prefetchOf('cargo build --target wasm32-wasi --release')).toEqual([0, 'fetch', 2, 3]);
    expect(prefetchOf('cargo build --release --bin zero2prod --locked')).toEqual([0, 'fetch', 5]);
    expect(prefetchOf('cargo +nightly build -Zbuild-std --config net.retry=3 -p app --features a,b --target=x86_64-unknown-linux-musl -j 4 --offline')).toEqual([0, 1, 'fetch', 3, 4, 5, 10, 13]);
    expect(prefetchOf('cargo --frozen test --manifest-path a/Cargo.toml -- --nocapture --target')).toEqual([0, 'fetch', 1, 3, 4]);
    expect(prefetchOf('cargo install --path crates/cli --locked --root /usr/local')).toEqual([0, 'fetch', '--manifest-path', 'crates/cli/Cargo.toml', 4]);
    expect(prefetchOf('cargo install --path ./ --offline')).toEqual([0, 'fetch', 4]);
    expect(prefetchOf('cargo fetch --locked')).toBeNull();
  });
});
