// The page shell: lessons and sandbox, the transport (play, step, scrub, next anomaly, fork),
// actions at the current time, configuration, same-seed comparison, share/export/import,
// embed mode and keyboard. The engine lives in a Web Worker (worker.js) and is reached through
// promises (session-client.js); the page only ever asks it to move to a virtual time or a
// step and draws the Frame it answers with. Verdicts come from the engine, never from here.

import { EngineClient } from './session-client.js';
import { LinkError, OLD_LINK_MESSAGE, parseFragment, sandboxTape, toFragment } from './tape.js';
import * as cfg from './config.js';
import * as cmp from './compare.js';
import { $, el, FMT } from './dom.js';
import { bindKeys } from './keys.js';
import { drawActPanel, drawFaultWhat, drawLessonPanel, drawTicks, faultAction, freshName, nextMessageId } from './panels.js';

const VIEWS = ['partitions', 'ledger', 'producers', 'groups', 'lag', 'sequence', 'events'];
const SANDBOX_EXTEND_MS = 10_000;

const state = {
  client: null,
  lessons: [],
  views: {}, // name -> module with render()
  session: null, // SessionRef
  tape: null, // parsed tape (the engine's tapeJson)
  tapeJson: '',
  lesson: null, // the lesson shown in the panel (also after a fork or an edit of it)
  run: null, // its run name
  forked: false, // the tape is no longer the lesson's (fork, action, edited configuration)
  sandbox: false,
  embed: false,
  at: 0,
  step: 0,
  endMs: 0,
  playhead: 0, // play's target time; the engine's time is `at`
  frame: null,
  prev: null,
  events: [],
  timeline: null,
  playing: false,
  speed: 1,
  selected: null,
  busy: false, // a request to the engine is in flight
  pendingSeek: null, // the scrubber's latest wish while busy
  generation: 0, // bumped by every load: late answers for an older session are dropped
};

// ---------------------------------------------------------------- errors and notices

function showError(e) {
  const box = $('#error');
  box.hidden = false;
  const msg = String(e?.message ?? e);
  const code = e?.code && e.code !== 'INTERNAL' && !msg.includes(e.code) ? ` [${e.code}]` : '';
  box.textContent = `${msg}${code}`;
  box.dataset.code = e?.code ?? '';
}

function clearError() {
  const box = $('#error');
  box.hidden = true;
  box.textContent = '';
  delete box.dataset.code;
}

function notice(text) {
  const box = $('#notice');
  box.hidden = !text;
  box.textContent = text ?? '';
}

// ---------------------------------------------------------------- views

async function loadViews() {
  await Promise.all(
    VIEWS.map(async (name) => {
      try {
        state.views[name] = await import(`./views/${name}.js`);
      } catch (e) {
        console.warn(`view ${name} is not available: ${e.message}`);
        $(`#view-${name}`).textContent = 'This view is not available in this build.';
      }
    }),
  );
}

function ctx() {
  return {
    onAction: (action) => act(action),
    select: (thing) => select(thing),
    selected: state.selected,
    prev: state.prev,
    events: state.events,
    timeline: state.timeline,
    tape: state.tape,
    config: state.tape?.config,
    at: state.at,
    step: state.step,
    mode: mode(),
  };
}

function select(thing) {
  // `{ seek: ms }` (the event log) moves the clock; anything else is a selection shown by every view.
  if (thing && typeof thing === 'object' && Number.isFinite(thing.seek)) {
    seekTo(thing.seek);
    return;
  }
  state.selected = thing ?? null;
  const box = $('#selection');
  box.hidden = !thing;
  const what = typeof thing === 'string' ? thing : thing?.message ? `message ${thing.message}` : JSON.stringify(thing);
  box.textContent = thing ? `selected: ${what} (every view marks it)` : '';
  draw();
}

// ---------------------------------------------------------------- drawing

function mode() {
  if (state.embed) return 'embed';
  return state.lesson && !state.forked && !state.sandbox ? 'lesson' : 'sandbox';
}

/** Draws the shell; the views too unless `views` is false (the frame did not change). */
function draw({ views = true } = {}) {
  const b = document.body.dataset;
  b.mode = mode();
  b.lesson = state.lesson ? String(state.lesson.id) : '';
  b.run = state.run ?? '';
  b.at = String(state.at);
  b.step = String(state.step);
  b.endMs = String(state.endMs);
  b.playing = String(state.playing);
  b.fork = String(state.forked);
  b.actions = String(state.tape?.actions?.length ?? 0);

  const play = $('#play');
  play.setAttribute('aria-pressed', String(state.playing));
  play.textContent = state.playing ? '❚❚ Pause' : '▶ Play';
  const scrub = $('#scrubber');
  scrub.max = String(state.endMs);
  if (document.activeElement !== scrub || !state.busy) scrub.value = String(state.at);
  scrub.setAttribute('aria-valuetext', `${FMT.format(state.at)} ms of ${FMT.format(state.endMs)} ms`);
  $('#clock').textContent = `${FMT.format(state.at)} / ${FMT.format(state.endMs)} ms · step ${state.step}`;
  $('#fork-mark').hidden = !state.forked;
  $('#step-back').disabled = state.step === 0;
  $('#step-forward').disabled = state.at >= state.endMs;

  for (const li of document.querySelectorAll('#moments li')) {
    const at = Number(li.dataset.at);
    li.classList.toggle('passed', at <= state.at + 100);
    // The engine's clock reads the end of the step it stopped at: a few ms after the moment.
    if (Math.abs(at - state.at) < 100) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
  }

  if (!state.frame || !views) return;
  const c = ctx();
  for (const name of VIEWS) {
    const mod = state.views[name];
    if (!mod) continue;
    try {
      mod.render($(`#view-${name}`), state.frame, c);
    } catch (e) {
      console.error(`view ${name} failed to draw:`, e);
    }
  }
}

const panelHandlers = { seekTo: (ms) => seekTo(ms), navigate: (target) => navigate(target) };

// ---------------------------------------------------------------- the engine

function mergeEvents(from, fresh) {
  const kept = state.events.filter((e) => e.i < from && e.step <= state.step);
  state.events = kept.concat(fresh);
}

function eventsFrom() {
  const last = state.events[state.events.length - 1];
  return last ? last.i + 1 : 0;
}

function accept(v, from) {
  if (v.same) {
    state.at = v.at;
    state.endMs = v.endMs;
    return;
  }
  state.prev = state.frame;
  state.frame = v.frame;
  state.at = v.at;
  state.step = v.step;
  state.endMs = v.endMs;
  mergeEvents(from, v.events);
}

/** Runs one move in the worker (serialised: one request at a time). */
async function move(how, arg) {
  const gen = state.generation;
  const session = state.session;
  if (!session) return null;
  while (state.busy) await new Promise((r) => setTimeout(r, 5));
  if (gen !== state.generation) return null;
  state.busy = true;
  try {
    const from = eventsFrom();
    const v = await session.go(how, arg, from, state.frame ? state.step : null);
    if (gen !== state.generation) return null;
    accept(v, from);
    draw({ views: !v.same });
    return v;
  } catch (e) {
    showError(e);
    return null;
  } finally {
    state.busy = false;
  }
}

async function seekTo(ms) {
  setPlaying(false);
  state.playhead = clamp(ms);
  // Time 0 is step 0 (the world built, nothing run): seek(0) would run the steps stamped at 0.
  if (state.playhead === 0) await move('seekStep', 0);
  else await move('seek', state.playhead);
  writeUrl();
}

function clamp(ms) {
  return Math.max(0, Math.min(state.endMs, Math.round(ms)));
}

/** Opens what a fragment (or a button) names. */
async function open(target) {
  const gen = ++state.generation;
  setPlaying(false);
  while (state.busy) await new Promise((r) => setTimeout(r, 5));
  if (gen !== state.generation) return;
  document.body.dataset.ready = 'false';
  state.busy = true;
  let session;
  try {
    let lesson = null;
    let run = null;
    if (target.kind === 'lesson') {
      lesson = state.lessons.find((l) => l.id === target.lesson);
      if (!lesson) throw new LinkError('BAD_LINK', `there is no lesson ${target.lesson} (lessons 1 to ${state.lessons.length})`);
      if (target.run !== undefined && !lesson.runs.some((r) => r.name === target.run)) {
        throw new LinkError('BAD_LINK', `lesson ${lesson.id} has no run "${target.run}" (its runs: ${lesson.runs.map((r) => r.name).join(', ')})`);
      }
      const opened = await state.client.openLesson(lesson.id, target.run);
      session = opened.session;
      run = opened.run;
    } else {
      const json = target.kind === 'sandbox' ? JSON.stringify(sandboxTape()) : target.tapeJson;
      session = await state.client.openTape(json);
      if (target.lesson !== undefined) {
        lesson = state.lessons.find((l) => l.id === target.lesson) ?? null;
        run = lesson?.runs.some((r) => r.name === target.run) ? target.run : (lesson?.runs[0]?.name ?? null);
      }
    }
    if (gen !== state.generation) {
      session.close();
      return;
    }
    const old = state.session;
    state.session = session;
    old?.close();
    state.lesson = lesson;
    state.run = run;
    state.sandbox = !lesson;
    state.forked = target.kind === 'tape' && Boolean(target.fork);
    state.embed = Boolean(target.embed);
    state.frame = null;
    state.prev = null;
    state.events = [];
    state.selected = null;
    await reloadTape();
    const at = target.at ?? 0;
    const v = await session.go(at > 0 ? 'seek' : 'none', at, 0);
    accept(v, 0);
    state.playhead = state.at;
    state.timeline = await session.timeline();
    if (gen !== state.generation) return;
    applyEmbed();
    drawLessonPanel(state, panelHandlers);
    drawActPanel(state);
    drawTicks(state, panelHandlers);
    cfg.drawConfig($('#config'), state.tape, state.lesson?.id, onConfigChange);
    cmp.drawCompareChoices(state.tape, state.lesson?.id);
    draw();
  } catch (e) {
    if (gen === state.generation) showError(e);
    throw e;
  } finally {
    state.busy = false;
    if (gen === state.generation && state.session) document.body.dataset.ready = 'true';
  }
}

async function reloadTape() {
  state.tapeJson = await state.session.tapeJson();
  state.tape = JSON.parse(state.tapeJson);
}

/** Applies a tape action at the current time (from a view, the act panel, or fork). */
async function act(action) {
  if (!state.session) return;
  setPlaying(false);
  while (state.busy) await new Promise((r) => setTimeout(r, 5));
  state.busy = true;
  const gen = state.generation;
  try {
    let v;
    try {
      v = await state.session.apply({ ...action, at: state.at });
    } catch (e) {
      const what = [action.op, action.app ?? action.producer ?? action.node].filter(Boolean).join(' ');
      throw Object.assign(new Error(`the engine refused ${what}: ${e.message}`), { code: e.code });
    }
    if (gen !== state.generation) return;
    clearError();
    state.events = [];
    accept(v, 0);
    state.playhead = state.at;
    if (state.lesson) state.forked = true;
    await reloadTape();
    state.timeline = await state.session.timeline();
    drawTicks(state, panelHandlers);
    drawLessonPanel(state, panelHandlers);
    drawActPanel(state);
    draw();
    writeUrl();
  } catch (e) {
    showError(e);
  } finally {
    state.busy = false;
  }
}

/** A new tape (configuration edited, consumer added): a new session at the same time. */
async function replaceTape(tape, why) {
  const json = JSON.stringify(tape);
  const at = state.at;
  try {
    await open({
      kind: 'tape',
      tapeJson: json,
      at,
      lesson: state.lesson?.id,
      run: state.run,
      fork: state.lesson ? true : state.forked,
      embed: state.embed,
    });
    clearError();
    notice(why);
    draw();
    writeUrl();
  } catch {
    // open() showed the engine's message; the old session is still loaded.
    cfg.drawConfig($('#config'), state.tape, state.lesson?.id, onConfigChange);
  }
}

function onConfigChange(path, value) {
  const tape = cfg.withSetting(state.tape, path, value);
  replaceTape(tape, `${cfg.describe(path)} = ${value === '' ? 'default' : value}: replayed with the same seed and actions`);
}

// ---------------------------------------------------------------- transport

let lastFrameTime = null;

function setPlaying(on) {
  if (state.playing === on) return;
  state.playing = on;
  lastFrameTime = null;
  if (on) {
    if (state.at >= state.endMs) state.playhead = 0;
    else state.playhead = state.at;
    requestAnimationFrame(tick);
  } else {
    writeUrl();
  }
  draw();
}

function tick(now) {
  if (!state.playing) return;
  const dt = lastFrameTime === null ? 0 : Math.min(now - lastFrameTime, 250);
  lastFrameTime = now;
  // `speed` is virtual seconds per real second.
  state.playhead = Math.min(state.endMs, state.playhead + dt * state.speed);
  if (!state.busy) {
    const target = Math.floor(state.playhead);
    move('seek', target).then(() => {
      if (state.playing && target >= state.endMs) setPlaying(false);
    });
  }
  requestAnimationFrame(tick);
}

async function stepForward() {
  setPlaying(false);
  await move('stepForward');
  state.playhead = state.at;
  writeUrl();
}

async function stepBack() {
  setPlaying(false);
  await move('stepBack');
  state.playhead = state.at;
  writeUrl();
}

async function nextAnomaly() {
  setPlaying(false);
  try {
    const t = await state.session.nextAnomaly(state.at);
    if (t === null || t === undefined) {
      notice('No anomaly after this moment.');
      return;
    }
    notice('');
    await seekTo(t);
  } catch (e) {
    showError(e);
  }
}

async function fork() {
  // Keep the past, drop the tape's later actions: what the learner does next applies from now.
  await act({ op: 'wait' });
  state.forked = true;
  notice(`Forked at ${FMT.format(state.at)} ms: the tape's later actions are gone; your actions apply from here.`);
  draw();
}

function scrubTo(ms) {
  state.pendingSeek = ms;
  if (state.busy) return;
  const run = async () => {
    while (state.pendingSeek !== null) {
      const target = state.pendingSeek;
      state.pendingSeek = null;
      state.playhead = target;
      await move('seek', target);
    }
    writeUrl();
  };
  run();
}

// ---------------------------------------------------------------- URL, share, export, import

function fragment({ full = false } = {}) {
  const base = { at: state.at, embed: state.embed };
  if (!full && state.lesson && !state.forked && !state.sandbox) return toFragment({ ...base, lesson: state.lesson.id, run: state.run });
  return toFragment({
    ...base,
    tapeJson: state.tapeJson,
    lesson: state.lesson?.id,
    run: state.lesson ? state.run : undefined,
    fork: state.forked,
  });
}

let writingUrl = false;

function writeUrl() {
  if (!state.session || state.playing) return;
  const hash = fragment();
  if (state.embed) $('#embed-link a').href = `${location.pathname}${hash.replace(/&embed=1/, '')}`;
  if (location.hash === hash) return;
  writingUrl = true;
  history.replaceState(null, '', hash);
  writingUrl = false;
}

async function share() {
  const url = `${location.origin}${location.pathname}${fragment({ full: true })}`;
  const box = $('#share-url');
  box.value = url;
  box.dataset.url = url;
  try {
    await navigator.clipboard.writeText(url);
    notice('The link is copied to the clipboard.');
  } catch {
    // Clipboard access denied or unavailable: the link is in the box to copy by hand.
    notice('The link is in the box next to "Share link" (the clipboard was not available).');
  }
  box.select?.();
}

function exportTape() {
  const blob = new Blob([state.tapeJson + '\n'], { type: 'application/json' });
  const a = el('a', { href: URL.createObjectURL(blob), download: exportName() });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function exportName() {
  if (state.lesson) return `kafkette-lesson-${state.lesson.id}${state.forked ? '-fork' : ''}.json`;
  return 'kafkette-tape.json';
}

async function importTape(file) {
  const text = await file.text();
  try {
    JSON.parse(text);
  } catch (e) {
    showError(Object.assign(new Error(`${file.name} is not JSON: ${e.message}`), { code: 'INVALID_ARG' }));
    return;
  }
  try {
    await open({ kind: 'tape', tapeJson: text, at: 0, embed: state.embed });
    clearError();
    notice(`Imported ${file.name}.`);
    writeUrl();
  } catch (e) {
    showError(Object.assign(new Error(`${file.name}: ${e.message}`), { code: e.code }));
  }
}

// ---------------------------------------------------------------- sandbox actions

function produce(ev) {
  ev.preventDefault();
  const id = $('#produce-id').value.trim() || nextMessageId(state);
  const key = $('#produce-key').value.trim();
  const action = { op: 'produce', producer: $('#produce-producer').value, topic: $('#produce-topic').value, id };
  if (key) action.key = key;
  act(action).then(() => {
    $('#produce-id').value = nextMessageId(state);
  });
}

function addConsumer() {
  const t = structuredClone(state.tape);
  const model = t.config.apps.find((a) => a.kind === 'consumer' && !a.assign && a.config['group.id']);
  if (!model) return;
  const name = freshName(state, model.name.replace(/-?\d+$/, '') + '-' + (t.config.apps.length + 1));
  const app = { ...structuredClone(model), name, start: false };
  t.config.apps.push(app);
  // The new consumer starts now; the tape's later actions stay (in time order).
  const at = state.at;
  const i = t.actions.findIndex((a) => a.at > at);
  const start = { at, op: 'start', app: name };
  if (i < 0) t.actions.push(start);
  else t.actions.splice(i, 0, start);
  if (t.endMs < at + 1000) t.endMs = at + 1000;
  replaceTape(t, `${name} joins group ${model.config['group.id']} at ${FMT.format(at)} ms.`);
}

async function extend() {
  if (!state.session) return;
  while (state.busy) await new Promise((r) => setTimeout(r, 5));
  state.busy = true;
  try {
    const v = await state.session.setEndMs(state.endMs + SANDBOX_EXTEND_MS);
    state.events = [];
    accept(v, 0);
    await reloadTape();
    state.timeline = await state.session.timeline();
    if (state.lesson) state.forked = true;
    drawTicks(state, panelHandlers);
    draw();
    writeUrl();
  } catch (e) {
    showError(e);
  } finally {
    state.busy = false;
  }
}

// ---------------------------------------------------------------- compare

async function compare(path, valueB, atChoice) {
  const box = $('#compare');
  const tapeA = state.tapeJson;
  let tapeB;
  try {
    tapeB = JSON.stringify(cfg.withSetting(state.tape, path, valueB));
  } catch (e) {
    showError(e);
    return;
  }
  const at = atChoice === 'now' ? state.at : state.endMs;
  box.dataset.state = 'running';
  try {
    const diff = await state.client.diff(tapeA, tapeB, at);
    clearError();
    cmp.drawDiff(box, diff, {
      setting: cfg.describe(path),
      a: cfg.valueOf(state.tape, path),
      b: valueB,
      at,
      openB: () => replaceTape(JSON.parse(tapeB), `Opened B: ${cfg.describe(path)} = ${valueB}.`),
    });
    box.dataset.state = 'done';
  } catch (e) {
    box.dataset.state = 'error';
    showError(e);
  }
}

async function compareExample() {
  $('#compare-panel').hidden = false;
  $('#side-by-side').setAttribute('aria-expanded', 'true');
  const lesson = state.lessons.find((l) => l.id === 2);
  if (!lesson) return;
  const run = lesson.runs.find((r) => /off/.test(r.name)) ?? lesson.runs[0];
  if (state.lesson?.id !== 2 || state.run !== run.name || state.forked) {
    await navigate({ kind: 'lesson', lesson: 2, run: run.name });
  }
  const path = cfg.paths(state.tape).find((p) => p.key === 'enable.idempotence')?.path;
  if (!path) return;
  $('#compare-setting').value = path;
  $('#compare-value').value = 'true';
  $('#compare-at').value = 'end';
  await compare(path, 'true', 'end');
}

// ---------------------------------------------------------------- embed

function applyEmbed() {
  document.body.classList.toggle('embed', state.embed);
  const link = $('#embed-link');
  link.hidden = !state.embed;
  if (state.embed) {
    const frag = fragment().replace(/&embed=1/, '');
    const a = link.querySelector('a');
    a.href = `${location.pathname}${frag}`;
    a.textContent = state.lesson ? `${state.lesson.id}. ${state.lesson.title}: open in the playground ↗` : 'open in the playground ↗';
  }
}

// ---------------------------------------------------------------- navigation and wiring

function navigate(target) {
  // A lesson link or tab: a new history entry, so Back returns to the previous lesson.
  const hash = target.kind === 'sandbox' ? toFragment({ embed: state.embed }) : toFragment({ ...target, embed: state.embed });
  if (location.hash === hash) return open({ ...target, embed: state.embed }).catch(() => {});
  location.hash = hash; // hashchange opens it
  return new Promise((resolve) => {
    const wait = () => (document.body.dataset.ready === 'true' && !state.busy ? resolve() : setTimeout(wait, 20));
    setTimeout(wait, 20);
  });
}

async function openFromLocation() {
  let target;
  try {
    target = parseFragment(location.hash);
  } catch (e) {
    target = { kind: 'none', embed: /(^|&)embed=1(&|$)/.test(location.hash.slice(1)) };
    const first = state.lessons[0];
    await open({ kind: 'lesson', lesson: first.id, embed: target.embed }).catch(() => {});
    const opened = e.code === 'OLD_LINK' ? `${OLD_LINK_MESSAGE}. Its runs cannot be replayed by this page; showing lesson 1 instead.` : null;
    showError(opened ? Object.assign(new Error(opened), { code: e.code }) : e);
    return;
  }
  if (target.kind === 'none') target = { kind: 'lesson', lesson: state.lessons[0].id, embed: target.embed };
  clearError();
  notice('');
  try {
    await open(target);
  } catch {
    // The engine's or the link's message is in #error; show lesson 1 behind it.
    const shown = $('#error').textContent;
    if (!state.session) {
      await open({ kind: 'lesson', lesson: state.lessons[0].id, embed: target.embed }).catch(() => {});
      showError(Object.assign(new Error(shown), { code: $('#error').dataset.code }));
    }
  }
}

function bind() {
  $('#play').addEventListener('click', () => setPlaying(!state.playing));
  $('#step-forward').addEventListener('click', stepForward);
  $('#step-back').addEventListener('click', stepBack);
  $('#speed').addEventListener('change', (e) => {
    state.speed = Number(e.target.value);
  });
  state.speed = Number($('#speed').value);
  $('#scrubber').addEventListener('input', (e) => {
    setPlaying(false);
    scrubTo(Number(e.target.value));
  });
  $('#scrubber').addEventListener('keydown', (e) => {
    // The transport's arrows step; the scrubber's own arrow handling would seek by 1 ms.
    if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) e.preventDefault();
  });
  $('#next-anomaly').addEventListener('click', nextAnomaly);
  $('#fork').addEventListener('click', fork);
  $('#share').addEventListener('click', share);
  $('#export').addEventListener('click', exportTape);
  $('#import').addEventListener('change', async (e) => {
    const file = e.target.files?.[0];
    if (file) await importTape(file);
    e.target.value = '';
  });
  $('#sandbox').addEventListener('click', () => navigate({ kind: 'sandbox' }));
  $('#unfork').addEventListener('click', () => {
    notice('');
    navigate({ kind: 'lesson', lesson: state.lesson.id, run: state.run, at: state.at });
  });
  $('#produce-form').addEventListener('submit', produce);
  $('#fault-target').addEventListener('change', drawFaultWhat);
  $('#fault-what').addEventListener('change', drawFaultWhat);
  $('#fault-form').addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      act(faultAction(state));
    } catch (err) {
      showError(err);
    }
  });
  $('#add-consumer').addEventListener('click', addConsumer);
  $('#extend').addEventListener('click', extend);
  $('#side-by-side').addEventListener('click', () => {
    const panel = $('#compare-panel');
    panel.hidden = !panel.hidden;
    $('#side-by-side').setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) panel.scrollIntoView({ block: 'nearest' });
  });
  $('#compare-form').addEventListener('submit', (e) => {
    e.preventDefault();
    compare($('#compare-setting').value, $('#compare-value').value.trim(), $('#compare-at').value);
  });
  $('#compare-setting').addEventListener('change', () => cmp.suggestValues(state.tape, $('#compare-setting').value));
  $('#compare-example').addEventListener('click', compareExample);
  bindKeys({
    playPause: () => setPlaying(!state.playing),
    stepForward,
    stepBack,
    nextAnomaly,
    start: () => seekTo(0),
    end: () => seekTo(state.endMs),
    fork,
  });
  window.addEventListener('hashchange', () => {
    if (!writingUrl) openFromLocation();
  });
}

async function main() {
  document.body.dataset.ready = 'false';
  const embed = /(^|&)embed=1(&|$)/.test(location.hash.slice(1));
  document.body.classList.toggle('embed', embed);
  state.embed = embed;
  state.client = new EngineClient();
  const [lessons] = await Promise.all([state.client.lessons(), loadViews()]);
  state.lessons = lessons;
  bind();
  await openFromLocation();
  if (!state.session) throw new Error($('#error').textContent || 'no run could be opened');
}

main().catch((e) => {
  document.body.dataset.ready = 'failed';
  if ($('#error').hidden) showError(new Error(`The playground could not start: ${e?.message ?? e}`));
  console.error(e);
});
