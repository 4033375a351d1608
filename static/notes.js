// wol private notes: save a member's notes and exercise ticks without reloading the page.
// Progressive enhancement: without this file the form posts and the page comes back. Texts come
// from data-* attributes (translated on the server); the Content-Security-Policy allows no
// inline script. The form's own csrf_token field travels with every request.
(function () {
  "use strict";

  var form = document.querySelector("form[data-private-notes]");
  if (!form || !window.fetch || !window.FormData) { return; }

  var status = form.querySelector("[data-notes-status]");
  var error = form.querySelector("[data-notes-error]");
  var body = form.querySelector("textarea[name=body]");
  var timer = null;
  var inFlight = false;
  var again = false;

  function say(text) {
    // A polite live region: screen readers announce it without interrupting.
    status.textContent = text;
  }

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
    if (text) { body.setAttribute("aria-invalid", "true"); } else { body.removeAttribute("aria-invalid"); }
  }

  function save() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    say(form.getAttribute("data-saving"));
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok && result.data.saved) {
        showError("");
        say(result.data.message);
      } else {
        // The text stays in the box as typed; the reason is shown beside it.
        showError(result.data.message || form.getAttribute("data-failed"));
        say(result.data.message || form.getAttribute("data-failed"));
      }
    }).catch(function () {
      say(form.getAttribute("data-failed"));
    }).then(function () {
      inFlight = false;
      if (again) { again = false; save(); }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    save();
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "checkbox") { save(); }
  });
  body.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, 1500);
  });
  body.addEventListener("blur", function () {
    if (timer) { save(); }
  });
}());
