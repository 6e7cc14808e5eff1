'use strict'
// tsc rejects a misuse of the declarations: the type check of typescript.test.js can fail. A file of its
// own so that each tsc run has the per-file test timeout to itself on a loaded machine.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const { execFileSync } = require('node:child_process')

const tsc = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')

test('tsc rejects a misuse (the check can fail)', { skip: !fs.existsSync(tsc) && 'run npm ci in node/ first' }, () => {
  const dir = fs.mkdtempSync(path.join(__dirname, '..', 'node_modules', '.tsc-'))
  try {
    fs.writeFileSync(path.join(dir, 'bad.ts'), "import { Kafka } from 'kafkette'\nnew Kafka({ brokers: ['x'] }).producer().send({ topic: 1, messages: [] })\n")
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, types: ['node'], baseUrl: '.', paths: { kafkette: [path.join(__dirname, '..')] } }, files: ['bad.ts'] }))
    assert.throws(() => execFileSync(process.execPath, [tsc, '--noEmit', '-p', path.join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' }), (e) => /TS2322/.test(e.stdout))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
