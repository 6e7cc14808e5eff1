// Loads wasm/pkg (the `--target web` build, as the browser gets it) into Node:
// the default init would fetch() the .wasm by URL, so hand it the bytes instead.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = new URL('../pkg/', import.meta.url);
const kafkette = await import(new URL('kafkette_wasm.js', pkg));
kafkette.initSync({ module: readFileSync(fileURLToPath(new URL('kafkette_wasm_bg.wasm', pkg))) });

export default kafkette;
