// Canlian's own small script. No inline scripts anywhere (the Content-Security-Policy forbids them):
// behaviour is attached here through data- attributes.
(function () {
  "use strict";
  function init(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
    root.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
    root.querySelectorAll("[data-check-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        var name = box.getAttribute("data-check-all");
        document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) { c.checked = box.checked; });
      });
    });
    // data-show-if="field=value": shown only while the form's field has that value (e.g. a password typed
    // by the administrator only when "set it myself" is chosen).
    root.querySelectorAll("[data-show-if]").forEach(function (el) {
      var rule = el.getAttribute("data-show-if").split("="), form = el.closest("form");
      if (!form) { return; }
      function sync() {
        var checked = form.querySelector('[name="' + rule[0] + '"]:checked') || form.querySelector('[name="' + rule[0] + '"]');
        el.hidden = !checked || checked.value !== rule[1];
      }
      form.querySelectorAll('[name="' + rule[0] + '"]').forEach(function (input) { input.addEventListener("change", sync); });
      sync();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (ev) { init(ev.target); });
})();
