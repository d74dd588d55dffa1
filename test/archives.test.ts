// ADD's archive test by content (src/contexts/archives.ts), against the rules of go-archive and Go's archive/tar.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { archiveRisk, isTarHeader } from '../src/contexts/archives.js';
import type { BuildContext } from '../src/engine/types.js';

/** A context of binary files. */
function bytesContext(files: Record<string, Uint8Array>): BuildContext {
  return {
    ignoreFile: { path: '.dockerignore' },
    readFile: () => undefined,
    readBytes: (p, limit) => files[p]?.subarray(0, limit),
    exists: (p) => p in files,
    listFiles: () => Object.keys(files).sort(),
  };
}

/** A ustar header block for `name`, with its checksum written as tar writes it (or `checksum` as given). */
function header(name: string, checksum?: (block: Buffer) => string): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 'latin1');
  block.write('0000644\0', 100, 'latin1');
  block.write('00000000006\0', 124, 'latin1');
  block.write('0', 156, 'latin1');
  block.write('ustar\x0000', 257, 'latin1');
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  block.write(checksum ? checksum(block) : `${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

describe('isTarHeader', () => {
  it('accepts a header whose checksum is the unsigned sum', () => {
    expect(isTarHeader(header('a.txt'))).toBe(true);
  });
  it('accepts the signed sum (old Sun tar) for names with bytes above 127', () => {
    const signed = header('caf\xe9.txt', (b) => `${b.reduce((a, x) => a + (x > 127 ? x - 256 : x), 0).toString(8)}\0`);
    expect(isTarHeader(signed)).toBe(true);
  });
  it('refuses a wrong checksum, a non-octal one, a zero block and a short file', () => {
    expect(isTarHeader(header('a.txt', () => '0000001\0'))).toBe(false);
    expect(isTarHeader(header('a.txt', () => '12 34\0'))).toBe(false);
    expect(isTarHeader(Buffer.alloc(1024))).toBe(false);
    expect(isTarHeader(header('a.txt').subarray(0, 511))).toBe(false);
  });
});

describe('archiveRisk', () => {
  const tar = Buffer.concat([header('a.txt'), Buffer.alloc(1536)]);
  const text = Buffer.from('plain text\n'.repeat(100));
  it('reads a tar and a gzip-compressed tar by content, whatever the name', () => {
    const ctx = bytesContext({ 'assets.pkg': tar, 'data.bin': zlib.gzipSync(tar) });
    expect(archiveRisk(ctx, 'assets.pkg')).toBe('`assets.pkg` is a tar archive (by its content), which ADD unpacks');
    expect(archiveRisk(ctx, 'data.bin')).toBe('`data.bin` is a gzip-compressed tar archive (by its content), which ADD unpacks');
  });
  it('reads only the head of a long gzip stream', () => {
    let seed = 1;
    const noise = Buffer.from(Array.from({ length: 20_000 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 23));
    const long = zlib.gzipSync(Buffer.concat([text, noise]));
    expect(long.length).toBeGreaterThan(4096);
    expect(archiveRisk(bytesContext({ 'x.gz': long }), 'x.gz')).toBeNull();
    const longTar = zlib.gzipSync(Buffer.concat([tar, noise]));
    expect(longTar.length).toBeGreaterThan(4096);
    expect(archiveRisk(bytesContext({ 'x.bin': longTar }), 'x.bin')).toBe('`x.bin` is a gzip-compressed tar archive (by its content), which ADD unpacks');
  });
  it('copies plain files and gzip-compressed text as they are', () => {
    const ctx = bytesContext({ 'notes.tar': text, 'readme.gz': zlib.gzipSync(Buffer.from('hi\n')), empty: Buffer.alloc(0) });
    expect(archiveRisk(ctx, 'notes.tar')).toBeNull();
    expect(archiveRisk(ctx, 'readme.gz')).toBeNull();
    expect(archiveRisk(ctx, 'empty')).toBeNull();
  });
  it('keeps ADD for compressions it cannot undo, a zstd skippable frame, a broken gzip and an unreadable file', () => {
    const ctx = bytesContext({
      'a.bz2': Buffer.from('BZh91AY&SY'),
      'a.xz': Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]),
      'a.zst': Buffer.from([0x5f, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]),
      'bad.gz': Buffer.from([0x1f, 0x8b, 0x08, 0xff, 1, 2, 3, 4, 5, 6, 7]),
    });
    expect(archiveRisk(ctx, 'a.bz2')).toBe('`a.bz2` is bzip2-compressed, which ADD unpacks when it holds a tar; dockmod cannot look inside');
    expect(archiveRisk(ctx, 'a.xz')).toBe('`a.xz` is xz-compressed, which ADD unpacks when it holds a tar; dockmod cannot look inside');
    expect(archiveRisk(ctx, 'a.zst')).toBe('`a.zst` is zstd-compressed, which ADD unpacks when it holds a tar; dockmod cannot look inside');
    expect(archiveRisk(ctx, 'bad.gz')).toBe('`bad.gz` is gzip-compressed, which ADD unpacks when it holds a tar, and its start does not decompress here');
    expect(archiveRisk(ctx, 'gone')).toBe('`gone` cannot be read as a file of the build context, so dockmod cannot tell whether it is an archive');
  });
});
