// Rust's Cargo.
import { defineTool } from './tool.js';

export const cargo = defineTool({
  id: 'cargo',
  kind: 'language',
  commands: /^cargo$/,
  valueOptions: new Set(),
  installs: new Set(['build', 'fetch', 'install', 'test']),
  effects: { writes: ['./target', '/usr/local/cargo/registry'], reads: ['Cargo.toml', 'Cargo.lock'] },
});
