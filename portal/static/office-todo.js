// 我的待办: a row's facts are fetched when its <details> is first opened (reading them is
// audited, so nothing is read until asked). Without script the link inside opens them as a page.
(function () {
  "use strict";
  function wire(box) {
    box.addEventListener("toggle", function () {
      if (!box.open || box.getAttribute("data-loaded") || !window.fetch) return;
      box.setAttribute("data-loaded", "1");
      var body = box.querySelector(".todo-facts-body");
      fetch(box.getAttribute("data-facts-url"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) { box.removeAttribute("data-loaded"); return; }
          body.innerHTML = html;
        })
        .catch(function () { box.removeAttribute("data-loaded"); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("details[data-facts-url]");
    for (var i = 0; i < boxes.length; i++) wire(boxes[i]);
  });
})();
