// wol: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input || !navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.getAttribute("data-copied");
        button.setAttribute("aria-live", "polite");
        setTimeout(function () { button.textContent = label; }, 2500);
      }, function () {
        input.select();
      });
    });
  });

  // Registration: send the browser's time zone, so times show in it from the first page on.
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
    if (!input.value && zone) { input.value = zone; }
  });

  // Invite page for visitors without an account: the weekly time on this device's clock,
  // shown only when that clock is in another zone than the one the page used.
  document.querySelectorAll("[data-local-time]").forEach(function (el) {
    if (!zone || zone === el.getAttribute("data-page-zone")) { return; }
    var when = new Date(el.getAttribute("data-local-time"));
    var lang = el.getAttribute("data-lang") || "nl";
    var weekday = new Intl.DateTimeFormat(lang, { weekday: "long", timeZone: zone }).format(when);
    var time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hour12: false,
                                               timeZone: zone }).format(when);
    // The zone as the reader's language names it ("tijd in Verenigd Koninkrijk"), not its id.
    var zoneName = zone;
    try {
      var part = new Intl.DateTimeFormat(lang, { timeZone: zone, timeZoneName: "longGeneric" })
        .formatToParts(when).filter(function (p) { return p.type === "timeZoneName"; })[0];
      if (part) { zoneName = part.value; }
    } catch (e) { zoneName = zone; }
    el.textContent = el.textContent.replace("{tz}", zoneName).replace("{weekday}", weekday)
      .replace("{time}", time);
    el.hidden = false;
  });
})();
