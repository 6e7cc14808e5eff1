'use strict'
// Loads the prebuilt native module shipped inside the package (built by `make node`).
const path = require('node:path')

const triples = {
  'linux-x64': 'linux-x64-gnu',
  'linux-arm64': 'linux-arm64-gnu',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-x64-msvc',
}

function load() {
  const triple = triples[`${process.platform}-${process.arch}`]
  const file = path.join(__dirname, `kafkette.${triple || `${process.platform}-${process.arch}`}.node`)
  try {
    return require(file)
  } catch (e) {
    const err = new Error(
      `kafkette: no native module for ${process.platform}-${process.arch} (looked for ${file}); ` +
        'this package ships linux-x64 only for now: build it with `make node` from the kafkette repository',
    )
    err.cause = e
    throw err
  }
}

module.exports = load()
