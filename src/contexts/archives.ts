// Whether ADD unpacks a file of the build context. BuildKit (solver/llbsolver/file/unpack.go, isArchivePath)
// unpacks a local regular file when go-archive's DecompressStream, which picks gzip, bzip2, xz or zstd by the
// first bytes (compression/compression_detect.go) and reads anything else as it is, gives a stream from which Go's
// archive/tar reads a first header. The content decides, never the name.
import zlib from 'node:zlib';
import type { BuildContext } from '../engine/types.js';

const TAR_BLOCK = 512;
/** The head read of a file: a compressed tar shows its first header within it unless its gzip header is huge. */
export const ARCHIVE_HEAD_BYTES = 4096;
/** A prefix of that size that inflates beyond this is treated as an archive (and a gzip bomb is not expanded). */
const MAX_INFLATED = 1 << 20;

/** go-archive's magic numbers, in the order it tries them. */
const COMPRESSIONS: { name: string; test: (head: Uint8Array) => boolean }[] = [
  { name: 'bzip2', test: (h) => startsWith(h, [0x42, 0x5a, 0x68]) },
  { name: 'gzip', test: (h) => startsWith(h, [0x1f, 0x8b, 0x08]) },
  { name: 'xz', test: (h) => startsWith(h, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  // A zstd frame, or a skippable frame (magic 0x184D2A50 to 0x184D2A5F, little-endian) of at least 8 bytes.
  { name: 'zstd', test: (h) => startsWith(h, [0x28, 0xb5, 0x2f, 0xfd]) || (h.length >= 8 && h[1] === 0x2a && h[2] === 0x4d && h[3] === 0x18 && (h[0]! & 0xf0) === 0x50) },
];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/**
 * Go's archive/tar accepts a first block as a header when its checksum field, read as octal (NULs and spaces
 * trimmed, cut at a NUL), equals the sum of the block's bytes with the field counted as spaces, as unsigned
 * bytes or (old Sun tar) as signed ones. A shorter stream, or one that starts with a zero block, has no header.
 */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < TAR_BLOCK) return false;
  const field = Buffer.from(block.subarray(148, 156)).toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  const digits = field.includes('\0') ? field.slice(0, field.indexOf('\0')) : field;
  if (digits !== '' && !/^[0-7]+$/.test(digits)) return false;
  const stored = digits === '' ? 0 : parseInt(digits, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/**
 * Why ADD would or might unpack the file at `file` (context-relative), or null when its content shows that ADD
 * copies it as it is. Unknown answers (unreadable, a compression dockmod cannot undo) count as "might".
 */
export function archiveRisk(context: BuildContext, file: string): string | null {
  const head = context.readBytes(file, ARCHIVE_HEAD_BYTES);
  if (head === undefined) return `\`${file}\` cannot be read as a file of the build context, so dockmod cannot tell whether it is an archive`;
  const compression = COMPRESSIONS.find((c) => c.test(head));
  if (!compression) return isTarHeader(head) ? `\`${file}\` is a tar archive (by its content), which ADD unpacks` : null;
  if (compression.name !== 'gzip') return `\`${file}\` is ${compression.name}-compressed, which ADD unpacks when it holds a tar; dockmod cannot look inside`;
  let inflated: Buffer;
  try {
    inflated = zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: MAX_INFLATED });
  } catch {
    return `\`${file}\` is gzip-compressed, which ADD unpacks when it holds a tar, and its start does not decompress here`;
  }
  if (inflated.length >= TAR_BLOCK) return isTarHeader(inflated) ? `\`${file}\` is a gzip-compressed tar archive (by its content), which ADD unpacks` : null;
  // Less than a block: a whole file that decompresses to less than a header is no tar; a longer one is not known.
  return head.length < ARCHIVE_HEAD_BYTES ? null : `\`${file}\` is gzip-compressed, which ADD unpacks when it holds a tar, and its start does not show a header`;
}
