/* Self-contained parts of the field app: money in cents, photos shrunk on the phone with a
   canvas, mapping a touch to canvas pixels (used by field-visit.js as window.ShoudiMedia), and
   the search box's guard. No shared state. Plain ES5. */
(function () {
  "use strict";

  function cents(text) {
    var v = String(text || "").replace(/[,，\s]/g, "");
    if (v === "") { return 0; }
    if (!/^\d+(\.\d{1,2})?$/.test(v)) { return null; }
    return Math.round(parseFloat(v) * 100);
  }

  function money(c) {
    var negative = c < 0, s = String(Math.abs(c)), whole, part;
    while (s.length < 3) { s = "0" + s; }
    whole = s.slice(0, -2);
    part = s.slice(-2);
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + whole + "." + part;
  }

  function readAsDataUrl(file, done) {
    var reader = new FileReader();
    reader.onload = function () { done(reader.result); };
    reader.onerror = function () { done(null); };
    reader.readAsDataURL(file);
  }

  function shrink(file, MAX_SIDE, QUALITY, done) {
    var canvas = document.createElement("canvas");
    if (!window.URL || !canvas.getContext) { readAsDataUrl(file, done); return; }
    var img = new Image();
    var url = URL.createObjectURL(file);
    img.onload = function () {
      URL.revokeObjectURL(url);
      var scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
      if (scale === 1 && file.size < 400 * 1024 && file.type === "image/jpeg") { readAsDataUrl(file, done); return; }
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      var dataUrl = null;
      try { dataUrl = canvas.toDataURL("image/jpeg", QUALITY); } catch (e) { dataUrl = null; }
      if (dataUrl && dataUrl.indexOf("data:image/jpeg") === 0) { done(dataUrl); } else { readAsDataUrl(file, done); }
    };
    // A format this browser cannot draw (HEIC): send it as it is; the server converts it.
    img.onerror = function () { URL.revokeObjectURL(url); readAsDataUrl(file, done); };
    img.src = url;
  }

  function point(canvas, e) {
    var r = canvas.getBoundingClientRect();
    var src = e.touches && e.touches.length ? e.touches[0] : (e.changedTouches && e.changedTouches.length ? e.changedTouches[0] : e);
    return {x: (src.clientX - r.left) * canvas.width / r.width, y: (src.clientY - r.top) * canvas.height / r.height};
  }

  // --- search: by name or the last 4 digits, posted; a whole number is not even sent ------------

  var searchForm = document.querySelector("form.search");
  if (searchForm) {
    searchForm.addEventListener("submit", function (event) {
      var q = searchForm.elements.q.value, digits = q.replace(/\D/g, "");
      var hint = document.getElementById("q-hint");
      if (digits.length > 4) {
        event.preventDefault();
        hint.textContent = "只能按姓名或号码后4位查找，请不要输入完整的身份证号或手机号。";
        hint.className = "hint error-text";
      }
    });
  }

  window.ShoudiMedia = {cents: cents, money: money, shrink: shrink, point: point};
}());
