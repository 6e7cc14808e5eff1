// The transport's keyboard shortcuts: Space play/pause, ArrowLeft/ArrowRight step,
// Shift+ArrowRight next anomaly, Home start, End end, f fork. Off while typing in a text field
// and until the page is ready; Space on a focused button or link outside the transport presses
// that button instead (a view's menu item, a lesson tab), as a keyboard user expects.

function typing(target) {
  if (!target) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target.tagName === 'INPUT') return !['range', 'button', 'checkbox', 'radio', 'submit', 'file'].includes(target.type);
  return false;
}

function pressable(target) {
  return (
    Boolean(target?.closest?.('button, a[href], summary, [role="menuitem"], [data-target-kind]')) &&
    !target.closest('#transport')
  );
}

const isSpace = (ev) => ev.key === ' ' || ev.code === 'Space';

/** `on`: { playPause, stepForward, stepBack, nextAnomaly, start, end, fork }. */
export function bindKeys(on) {
  let swallowSpaceUp = false;
  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || typing(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (document.body.dataset.ready !== 'true') return;
    if (isSpace(ev) && pressable(ev.target)) return;
    let handled = true;
    if (isSpace(ev)) {
      swallowSpaceUp = true;
      on.playPause();
    } else if (ev.key === 'ArrowRight' && ev.shiftKey) on.nextAnomaly();
    else if (ev.key === 'ArrowRight') on.stepForward();
    else if (ev.key === 'ArrowLeft') on.stepBack();
    else if (ev.key === 'Home') on.start();
    else if (ev.key === 'End') on.end();
    else if (ev.key === 'f' || ev.key === 'F') on.fork();
    else handled = false;
    if (handled) ev.preventDefault();
  });
  document.addEventListener('keyup', (ev) => {
    if (swallowSpaceUp && isSpace(ev)) {
      swallowSpaceUp = false;
      ev.preventDefault(); // a focused transport button would otherwise click on Space's release
    }
  });
}
