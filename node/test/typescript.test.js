'use strict'
// The declarations type-check a program using the whole surface (tsc from npm, installed by `npm ci`).
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const fs = require('node:fs')
const { execFileSync } = require('node:child_process')

const tsc = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')

test('index.d.ts checks a typed example with tsc --noEmit', { skip: !fs.existsSync(tsc) && 'run npm ci in node/ first' }, () => {
  const out = execFileSync(process.execPath, [tsc, '--noEmit', '-p', path.join(__dirname, 'tsconfig.json')], { encoding: 'utf8' })
  assert.equal(out.trim(), '')
})
