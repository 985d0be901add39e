/* Self-report form helpers. The form works without this file; with it, photos are shrunk
   on the phone before upload (3G is slow) and fields are checked as the farmer types.
   Plain ES5 so that older WeChat browsers run it. */
(function () {
  "use strict";
  // The county comes first: choosing it reloads the page with that county's villages (the
  // button does the same without JavaScript).
  var countyPick = document.getElementById("county-pick");
  if (countyPick) {
    var county = document.getElementById("county");
    county.addEventListener("change", function () { if (county.value) { countyPick.submit(); } });
  }
}());

(function () {
  "use strict";
  var form = document.getElementById("report");
  if (!form) { return; }
  var MAX_SIDE = 1600, QUALITY = 0.82;
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], CHECK = "10X98765432";

  function show(name, message) {
    var el = document.getElementById("err-" + name);
    if (!el) { return; }
    el.textContent = message || "";
    el.hidden = !message;
  }

  function idProblem(value) {
    var v = value.replace(/\s/g, "").toUpperCase();
    if (!v) { return "请填写身份证号"; }
    if (v.length !== 18) { return "身份证号应为18位"; }
    if (!/^\d{17}[\dX]$/.test(v)) { return "身份证号只能是数字，最后一位可以是X"; }
    var sum = 0;
    for (var i = 0; i < 17; i++) { sum += parseInt(v.charAt(i), 10) * WEIGHTS[i]; }
    if (CHECK.charAt(sum % 11) !== v.charAt(17)) { return "身份证号校验位不正确，请核对后重新填写"; }
    return "";
  }

  function phoneProblem(value) {
    var v = value.replace(/[\s-]/g, "").replace(/^(\+?86)/, "");
    if (!v) { return "请填写手机号，方便工作人员联系您"; }
    return /^1[3-9]\d{9}$/.test(v) ? "" : "手机号应为11位数字，以1开头";
  }

  function watch(id, check) {
    var input = document.getElementById(id);
    if (!input) { return; }
    input.addEventListener("blur", function () { show(id, check(input.value)); });
    input.addEventListener("input", function () {
      if (!document.getElementById("err-" + id).hidden) { show(id, check(input.value)); }
    });
  }
  watch("id_number", idProblem);
  watch("phone", phoneProblem);

  function shrink(file, done) {
    if (!/^image\//.test(file.type) || !window.URL || !document.createElement("canvas").toBlob) {
      done(file); return;
    }
    var img = new Image();
    var url = URL.createObjectURL(file);
    img.onload = function () {
      var scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
      if (scale === 1 && file.size < 400 * 1024) { URL.revokeObjectURL(url); done(file); return; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(url);
      canvas.toBlob(function (blob) {
        done(blob ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", {type: "image/jpeg"}) : file);
      }, "image/jpeg", QUALITY);
    };
    img.onerror = function () { URL.revokeObjectURL(url); done(file); };
    img.src = url;
  }

  var photos = document.getElementById("photos");
  var busy = 0;
  if (photos && window.DataTransfer) {
    photos.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photos.files);
      var max = parseInt(photos.getAttribute("data-max"), 10);
      if (files.length > max) { show("photos", "最多再选" + max + "张照片"); photos.value = ""; return; }
      show("photos", "");
      var out = new Array(files.length), left = files.length;
      busy += 1;
      files.forEach(function (file, i) {
        shrink(file, function (result) {
          out[i] = result;
          left -= 1;
          if (left === 0) {
            var dt = new DataTransfer();
            out.forEach(function (f) { dt.items.add(f); });
            photos.files = dt.files;
            busy -= 1;
          }
        });
      });
    });
  }

  // Coming back with the Back button must not leave the form stuck as "正在提交".
  window.addEventListener("pageshow", function () {
    var button = form.querySelector("button[type=submit]");
    button.disabled = false;
    button.textContent = "提交申报";
  });

  form.addEventListener("submit", function (event) {
    if (busy > 0) { event.preventDefault(); show("photos", "照片还在处理，请稍等再提交"); return; }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    button.textContent = "正在提交…";
  });
}());
