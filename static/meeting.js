// wol meeting mode: a timer for the agenda's time boxes on the meeting page.
// Progressive enhancement: without this file the agenda is plain HTML. No network calls, so it
// keeps working offline once the page is loaded. Texts come from data-* attributes (translated
// on the server); the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  var root = document.getElementById("meeting-mode");
  if (!root) { return; }

  var panel = root.querySelector("#timer-panel");
  var startButton = root.querySelector("[data-meeting-start]");
  var toggleButton = root.querySelector("[data-timer-toggle]");
  var previousButton = root.querySelector("[data-timer-previous]");
  var nextButton = root.querySelector("[data-timer-next]");
  var muteButton = root.querySelector("[data-timer-mute]");
  var fullscreenButton = root.querySelector("[data-timer-fullscreen]");
  var closeButton = root.querySelector("[data-timer-close]");
  var clock = root.querySelector("[data-timer-clock]");
  var title = root.querySelector("[data-timer-title]");
  var position = root.querySelector("[data-timer-position]");
  var progress = root.querySelector("[data-timer-progress]");
  var status = root.querySelector("[data-timer-status]");
  var rows = Array.prototype.slice.call(root.querySelectorAll("[data-timer-item]"));

  var items = rows.map(function (row) {
    return { title: row.getAttribute("data-title"), seconds: 60 * Number(row.getAttribute("data-minutes")) };
  });
  if (!items.length) { return; }

  var index = 0;
  var remaining = items[0].seconds; // seconds left in the current box; negative = over time
  var endsAt = null;                // Date.now() value when the box ends, while running
  var ticker = null;
  var warned = false;               // "one minute left" said for this box
  var ended = false;                // "time is up" said for this box
  var muted = false;
  var audio = null;                 // created on the first click: browsers allow sound only then
  var wakeLock = null;

  function text(name, values) {
    var template = root.getAttribute("data-msg-" + name) || "";
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return values && key in values ? String(values[key]) : match;
    });
  }

  function announce(message) {
    // Clear first so the same sentence twice is still read out.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function pad(number) { return number < 10 ? "0" + number : String(number); }

  function format(seconds) {
    var over = seconds < 0;
    var whole = over ? Math.floor(-seconds) : Math.ceil(seconds);
    var shown = pad(Math.floor(whole / 60)) + ":" + pad(whole % 60);
    return over && whole > 0 ? "+" + shown : shown;
  }

  function running() { return endsAt !== null; }

  function currentRemaining() {
    return running() ? (endsAt - Date.now()) / 1000 : remaining;
  }

  function render() {
    var left = currentRemaining();
    var item = items[index];
    clock.textContent = format(left);
    title.textContent = item.title;
    position.textContent = text("position", { number: index + 1, total: items.length });
    progress.max = item.seconds;
    progress.value = Math.min(item.seconds, Math.max(0, item.seconds - left));
    panel.classList.toggle("is-running", running());
    panel.classList.toggle("is-last-minute", left <= 60 && left > 0 && item.seconds > 60);
    panel.classList.toggle("is-over", left <= 0);
    toggleButton.textContent = root.getAttribute(running() ? "data-label-pause" : "data-label-start");
    previousButton.disabled = index === 0;
    nextButton.disabled = index === items.length - 1;
    rows.forEach(function (row, number) {
      if (number === index) { row.setAttribute("aria-current", "step"); }
      else { row.removeAttribute("aria-current"); }
      row.classList.toggle("is-done", number < index);
    });
  }

  function beep() {
    if (muted || !audio) { return; }
    try {
      var now = audio.currentTime;
      [0, 0.35].forEach(function (offset, number) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        tone.type = "sine";
        tone.frequency.value = number ? 523.25 : 659.25; // E5 then C5: soft and falling
        gain.gain.setValueAtTime(0.0001, now + offset);
        gain.gain.exponentialRampToValueAtTime(0.12, now + offset + 0.04);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.5);
        tone.connect(gain).connect(audio.destination);
        tone.start(now + offset);
        tone.stop(now + offset + 0.55);
      });
    } catch (error) { /* no sound is fine: the screen and the status line still show it */ }
  }

  function unlockAudio() {
    if (audio) { return; }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try { audio = new Context(); } catch (error) { audio = null; }
  }

  function keepScreenOn(on) {
    if (on && !wakeLock && navigator.wakeLock) {
      navigator.wakeLock.request("screen").then(function (lock) { wakeLock = lock; }, function () {});
    } else if (!on && wakeLock) {
      wakeLock.release().catch(function () {});
      wakeLock = null;
    }
  }

  function tick() {
    var left = currentRemaining();
    var item = items[index];
    if (!warned && item.seconds > 60 && left <= 60 && left > 0) {
      warned = true;
      announce(text("one-minute", { item: item.title }));
    }
    if (!ended && left <= 0) {
      ended = true;
      beep();
      var message = text("time-up", { item: item.title });
      if (index === items.length - 1) { message += " " + text("last-done"); }
      announce(message);
    }
    render();
  }

  function start() {
    if (running()) { return; }
    unlockAudio();
    if (audio && audio.state === "suspended") { audio.resume(); }
    endsAt = Date.now() + remaining * 1000;
    ticker = window.setInterval(tick, 250);
    keepScreenOn(true);
    announce(text("running"));
    render();
  }

  function pause() {
    if (!running()) { return; }
    remaining = currentRemaining();
    endsAt = null;
    window.clearInterval(ticker);
    ticker = null;
    keepScreenOn(false);
    announce(text("paused"));
    render();
  }

  function toggle() { if (running()) { pause(); } else { start(); } }

  function go(number) {
    if (number < 0 || number >= items.length || number === index) { return; }
    var wasRunning = running();
    if (wasRunning) { window.clearInterval(ticker); ticker = null; endsAt = null; }
    index = number;
    remaining = items[index].seconds;
    warned = false;
    ended = false;
    if (wasRunning) {
      endsAt = Date.now() + remaining * 1000;
      ticker = window.setInterval(tick, 250);
    }
    announce(text("now", { item: items[index].title, minutes: items[index].seconds / 60 }));
    render();
  }

  function open() {
    panel.hidden = false;
    startButton.hidden = true;
    startButton.setAttribute("aria-expanded", "true");
    unlockAudio();
    render();
    toggleButton.focus();
    announce(text("now", { item: items[index].title, minutes: items[index].seconds / 60 }));
  }

  function close() {
    pause();
    if (document.fullscreenElement) { document.exitFullscreen().catch(function () {}); }
    panel.hidden = true;
    startButton.hidden = false;
    startButton.setAttribute("aria-expanded", "false");
    startButton.focus();
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(function () {});
    } else {
      root.requestFullscreen().catch(function () {});
    }
  }

  function toggleMute() {
    muted = !muted;
    muteButton.setAttribute("aria-pressed", muted ? "true" : "false");
  }

  startButton.addEventListener("click", open);
  toggleButton.addEventListener("click", toggle);
  previousButton.addEventListener("click", function () { go(index - 1); });
  nextButton.addEventListener("click", function () { go(index + 1); });
  muteButton.addEventListener("click", toggleMute);
  closeButton.addEventListener("click", close);

  if (document.fullscreenEnabled && root.requestFullscreen) {
    fullscreenButton.hidden = false;
    fullscreenButton.addEventListener("click", toggleFullscreen);
    document.addEventListener("fullscreenchange", function () {
      var on = document.fullscreenElement === root;
      root.classList.toggle("is-fullscreen", on);
      fullscreenButton.textContent = root.getAttribute(on ? "data-label-exit-fullscreen" : "data-label-fullscreen");
    });
  }

  // Shortcuts while meeting mode is open, wherever the focus is: only text fields keep every
  // key, and Space on a focused button or link keeps pressing that button.
  document.addEventListener("keydown", function (event) {
    if (panel.hidden || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var key = event.key.toLowerCase();
    if (target && target.closest) {
      if (target.closest("input, select, textarea, [contenteditable]")) { return; }
      if ((key === " " || key === "spacebar") && target.closest("button, a, summary")) { return; }
    }
    if (key === " " || key === "spacebar") { toggle(); }
    else if (key === "n") { go(index + 1); }
    else if (key === "p") { go(index - 1); }
    else if (key === "m") { toggleMute(); }
    else { return; }
    event.preventDefault();
  });

  document.addEventListener("visibilitychange", function () {
    // The lock is dropped when the tab is hidden; take it again when the meeting comes back.
    if (document.visibilityState === "visible" && running()) { wakeLock = null; keepScreenOn(true); }
  });

  root.hidden = false;
  render();
})();
