// Wires the controls to the engine. Each click appends one action to the tape, applies it,
// redraws, and writes (seed, tape) into the URL fragment, so a reload or a shared link shows
// the same frame. "Back" rebuilds the world from the tape minus its last action.

import { loadEngine, World } from './engine.js';
import { fromFragment, toFragment } from './tape.js';
import { renderClock, renderConsumers, renderJournal, renderPartitions, renderProducer } from './render.js';

const $ = (sel) => document.querySelector(sel);

let seed;
let tape = [];
let world;

function build(actions) {
  const w = new World(seed);
  for (const a of actions) w.apply(a);
  return w;
}

function nextValue() {
  const used = new Set(tape.filter((a) => a.op === 'produce').map((a) => a.value));
  let n = used.size + 1;
  while (used.has(`m${n}`)) n++;
  return `m${n}`;
}

function draw() {
  const view = world.view();
  renderClock($('#clock'), view);
  renderPartitions($('#partitions'), view);
  renderProducer($('#producer'), view);
  renderConsumers($('#consumers'), view);
  renderJournal($('#journal'), view);
  const drop = $('#drop');
  drop.setAttribute('aria-pressed', String(view.armed));
  drop.textContent = view.armed ? 'Next ack will be dropped' : 'Drop next ack';
  $('#back').disabled = tape.length === 0;
  $('#seed').textContent = String(seed);
  $('#tape-length').textContent = String(tape.length);
  $('#value').value = nextValue();
  document.body.dataset.tapeLength = tape.length;
  history.replaceState(null, '', toFragment({ seed, tape }));
}

function act(action) {
  try {
    world.apply(action);
    tape.push(action);
  } catch (e) {
    // An action the engine refuses (bad input) leaves the world and tape as they were.
    showError(e);
    world = build(tape);
  }
  draw();
}

function showError(e) {
  const box = $('#error');
  box.hidden = false;
  box.textContent = `The engine refused that: ${e?.message ?? e}`;
}

function bind() {
  $('#produce-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = $('#value').value.trim() || nextValue();
    act({ op: 'produce', value });
  });
  $('#drop').addEventListener('click', () => act({ op: 'drop' }));
  $('#step').addEventListener('click', () => act({ op: 'step' }));
  $('#wait').addEventListener('click', () => act({ op: 'wait', ms: 100 }));
  $('#wait-long').addEventListener('click', () => act({ op: 'wait', ms: 1000 }));
  // A view setting, not part of the run: the tape does not record it.
  const fetches = () => $('#journal').classList.toggle('hide-fetches', !$('#show-fetches').checked);
  $('#show-fetches').addEventListener('change', fetches);
  fetches();
  $('#poll').addEventListener('click', () => act({ op: 'poll' }));
  $('#back').addEventListener('click', () => {
    tape = tape.slice(0, -1);
    world = build(tape);
    draw();
  });
  $('#reset').addEventListener('click', () => {
    tape = [];
    world = build(tape);
    $('#error').hidden = true;
    draw();
  });
}

async function main() {
  const parsed = fromFragment(location.hash);
  seed = parsed.seed;
  if (parsed.warning) showError(new Error(parsed.warning));
  await loadEngine();
  try {
    world = build(parsed.tape);
    tape = parsed.tape;
  } catch (e) {
    showError(new Error(`the link's tape does not replay (${e.message}); starting fresh`));
    tape = [];
    world = build(tape);
  }
  bind();
  draw();
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  document.body.dataset.ready = 'failed';
  const box = $('#error');
  box.hidden = false;
  box.textContent = `The playground could not start: ${e?.message ?? e}`;
  console.error(e);
});
