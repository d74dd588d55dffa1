// The file system of a built image as a manifest: for every path, its type, permission bits, owner, symlink target,
// and for regular files the size and sha256 of the content. Timestamps are left out (no build reproduces them).
// Read from a mounted root folder (buildah mount) or from the tar stream of `docker export` / `podman export`,
// never following links. The text of dpkg's package records is kept, for the comparison of installed packages.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type EntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface ManifestEntry {
  type: EntryType;
  /** Permission bits with setuid, setgid and sticky (`mode & 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Regular files only. */
  size?: number;
  sha256?: string;
  /** Symlinks only. */
  target?: string;
}

export interface ImageManifest {
  /** Absolute image paths (`/usr/bin/node`), the root folder left out. */
  entries: Map<string, ManifestEntry>;
  /** The text of the files the comparison reads: dpkg's status and its per-package file lists. */
  texts: Map<string, string>;
}

const KEPT_TEXT = /^\/var\/lib\/dpkg\/(status|info\/[^/]+\.list)$/;

function typeOf(stat: fs.Stats): EntryType {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'dir';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isCharacterDevice()) return 'char';
  if (stat.isBlockDevice()) return 'block';
  if (stat.isFIFO()) return 'fifo';
  return 'socket';
}

/**
 * The manifest of a folder holding an image's root file system (a mount point). `hashes`, shared between the
 * mounts of one run, keeps the sha256 of files by path, inode, size and times: the overlay mounts of images built
 * on the same layers show those layers' files with their own inodes, so each is read once.
 */
export function manifestFromDir(root: string, hashes: Map<string, string> = new Map()): ImageManifest {
  const manifest: ImageManifest = { entries: new Map(), texts: new Map() };
  const buffer = Buffer.alloc(1 << 20);
  const walk = (imageDir: string) => {
    for (const name of fs.readdirSync(path.join(root, imageDir)).sort()) {
      const imagePath = `${imageDir === '/' ? '' : imageDir}/${name}`;
      const hostPath = path.join(root, imagePath);
      const stat = fs.lstatSync(hostPath);
      const entry: ManifestEntry = { type: typeOf(stat), mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
      if (entry.type === 'symlink') entry.target = fs.readlinkSync(hostPath);
      const key = `${imagePath}\0${stat.ino}\0${stat.size}\0${stat.mtimeMs}\0${stat.ctimeMs}`;
      if (entry.type === 'file' && hashes.has(key) && !KEPT_TEXT.test(imagePath)) {
        entry.size = stat.size;
        entry.sha256 = hashes.get(key)!;
      } else if (entry.type === 'file') {
        const hash = createHash('sha256');
        const kept: Buffer[] = [];
        const fd = fs.openSync(hostPath, 'r');
        try {
          for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) {
            hash.update(buffer.subarray(0, n));
            if (KEPT_TEXT.test(imagePath)) kept.push(Buffer.from(buffer.subarray(0, n)));
          }
        } finally {
          fs.closeSync(fd);
        }
        entry.size = stat.size;
        entry.sha256 = hash.digest('hex');
        hashes.set(key, entry.sha256);
        if (KEPT_TEXT.test(imagePath)) manifest.texts.set(imagePath, Buffer.concat(kept).toString('utf8'));
      }
      manifest.entries.set(imagePath, entry);
      if (entry.type === 'dir') walk(imagePath);
    }
  };
  walk('/');
  return manifest;
}

// ------------------------------------------------------------------------------------------ tar

const TAR_TYPES: Record<string, EntryType> = { '0': 'file', '\0': 'file', '7': 'file', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

/** `./usr/bin/` -> `/usr/bin`; the root itself -> ''. */
const imagePathOf = (name: string) => {
  const clean = path.posix.normalize(`/${name}`).replace(/\/+$/, '');
  return clean === '/' ? '' : clean;
};

/** A tar number field: octal text, or base-256 when the first byte has its high bit set (GNU, for large ids). */
function tarNumber(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text ? parseInt(text, 8) : 0;
}

const tarString = (field: Buffer) => {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
};

/** `<length> <key>=<value>\n` records of a pax extended header. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = parseInt(data.subarray(at, space).toString('latin1'), 10);
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

interface PendingEntry {
  kind: 'entry' | 'pax' | 'longName' | 'longLink' | 'skip';
  imagePath: string;
  entry?: ManifestEntry;
  hash?: ReturnType<typeof createHash>;
  kept?: Buffer[];
  remaining: number;
  padding: number;
}

/** The manifest of an image exported as one flat tar (`docker export`, `podman export`): no layers, no whiteouts. */
export async function manifestFromTar(chunks: AsyncIterable<Uint8Array>): Promise<ImageManifest> {
  const manifest: ImageManifest = { entries: new Map(), texts: new Map() };
  let pending = Buffer.alloc(0);
  // Set by startEntry, cleared once its data is read (asserted, so that the loop does not narrow it to null).
  let current = null as PendingEntry | null;
  let pax = new Map<string, string>();
  let longName: string | null = null;
  let longLink: string | null = null;
  let ended = false;

  const startEntry = (header: Buffer) => {
    const flag = String.fromCharCode(header[156]!);
    const size = tarNumber(header.subarray(124, 136));
    const padding = (512 - (size % 512)) % 512;
    const meta = { remaining: size, padding, imagePath: '' };
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      // A global pax header ('g') applies to every later entry; the keys used here never appear in one in practice.
      current = { ...meta, kind: flag === 'x' ? 'pax' : flag === 'L' ? 'longName' : flag === 'K' ? 'longLink' : 'skip', kept: [] };
      return;
    }
    const prefix = header.subarray(257, 262).toString('latin1') === 'ustar' ? tarString(header.subarray(345, 500)) : '';
    const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${tarString(header.subarray(0, 100))}` : tarString(header.subarray(0, 100)));
    const linkName = pax.get('linkpath') ?? longLink ?? tarString(header.subarray(157, 257));
    const owner = {
      mode: tarNumber(header.subarray(100, 108)) & 0o7777,
      uid: pax.has('uid') ? Number(pax.get('uid')) : tarNumber(header.subarray(108, 116)),
      gid: pax.has('gid') ? Number(pax.get('gid')) : tarNumber(header.subarray(116, 124)),
    };
    const dataSize = pax.has('size') ? Number(pax.get('size')) : size;
    pax = new Map();
    longName = longLink = null;
    const imagePath = imagePathOf(name);
    meta.remaining = dataSize;
    meta.padding = (512 - (dataSize % 512)) % 512;
    if (flag === '1') {
      // A hard link: the same file as the one it names, which came earlier in the archive.
      const linked = manifest.entries.get(imagePathOf(linkName));
      if (imagePath && linked) manifest.entries.set(imagePath, { ...linked, ...owner });
      if (imagePath && manifest.texts.has(imagePathOf(linkName)) && KEPT_TEXT.test(imagePath)) manifest.texts.set(imagePath, manifest.texts.get(imagePathOf(linkName))!);
      current = { ...meta, kind: 'skip' };
      return;
    }
    const type = TAR_TYPES[flag];
    if (!type || !imagePath) {
      current = { ...meta, kind: 'skip' };
      return;
    }
    const entry: ManifestEntry = { type, ...owner };
    if (type === 'symlink') entry.target = linkName;
    if (type === 'file') entry.size = dataSize;
    manifest.entries.set(imagePath, entry);
    current = { ...meta, kind: 'entry', imagePath, entry, ...(type === 'file' ? { hash: createHash('sha256') } : {}), ...(KEPT_TEXT.test(imagePath) ? { kept: [] } : {}) };
  };

  const finishData = (entry: PendingEntry) => {
    const data = () => Buffer.concat(entry.kept ?? []);
    if (entry.kind === 'pax') pax = paxRecords(data());
    else if (entry.kind === 'longName') longName = tarString(data());
    else if (entry.kind === 'longLink') longLink = tarString(data());
    else if (entry.kind === 'entry' && entry.hash) {
      entry.entry!.sha256 = entry.hash.digest('hex');
      if (entry.kept) manifest.texts.set(entry.imagePath, data().toString('utf8'));
    }
  };

  for await (const chunk of chunks) {
    if (ended) continue;
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    let at = 0;
    while (!ended) {
      const entry = current;
      if (entry) {
        if (entry.remaining > 0) {
          const take = Math.min(entry.remaining, pending.length - at);
          if (take === 0) break;
          const piece = pending.subarray(at, at + take);
          entry.hash?.update(piece);
          entry.kept?.push(Buffer.from(piece));
          entry.remaining -= take;
          at += take;
          if (entry.remaining > 0) break;
        }
        const skip = Math.min(entry.padding, pending.length - at);
        entry.padding -= skip;
        at += skip;
        if (entry.padding > 0) break;
        finishData(entry);
        current = null;
        continue;
      }
      if (pending.length - at < 512) break;
      const header = pending.subarray(at, at + 512);
      at += 512;
      if (header.every((b) => b === 0)) ended = true;
      else startEntry(header);
    }
    pending = pending.subarray(at);
  }
  if (current) throw new Error('the image archive ended inside an entry');
  return manifest;
}
