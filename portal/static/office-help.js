// Help plan picker: re-run the rule check as measures are ticked (the "检查" button does the
// same without script). The server renders the check; this only swaps it in.
(function () {
  "use strict";
  function wire(area) {
    var form = area.closest("form");
    if (!form || !window.fetch || !window.FormData) return;
    var url = area.getAttribute("data-check-url");
    var pending = null;
    function run() {
      if (pending) pending.abort && pending.abort();
      var controller = window.AbortController ? new AbortController() : null;
      pending = controller;
      fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin",
                   signal: controller ? controller.signal : undefined })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) area.innerHTML = html; })
        .catch(function () { /* the 检查 button still works */ });
    }
    form.addEventListener("change", function (event) {
      var t = event.target;
      if (t && t.name === "measure_id") run();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var areas = document.querySelectorAll("[data-plan-check]");
    for (var i = 0; i < areas.length; i++) wire(areas[i]);
  });
})();
