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
})();
