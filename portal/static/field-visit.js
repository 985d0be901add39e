/* The visit form of the field app: method and remote-check details, the 附件1 questions, the
   income helper, photos shrunk on the phone, GPS, the signature pad, drafts and the outbox.
   Loaded after field.js and field-media.js (window.ShoudiField, window.ShoudiMedia). Plain ES5. */
(function (F, M) {
  "use strict";
  if (!F || !M) { return; }
  var byId = F.byId, each = F.each, noop = F.noop, store = F.store, drafts = F.drafts;
  var enqueue = F.enqueue, refresh = F.refresh, uuid4 = F.uuid, USER = F.user;
  var MAX_PHOTOS = F.limits.maxPhotos, MAX_SIDE = F.limits.maxSide, QUALITY = F.limits.quality;

  // --- the visit form --------------------------------------------------------------------------

  var form = byId("visit");
  if (form) { visitForm(form); }

  function visitForm(form) {
    var householdId = parseInt(form.getAttribute("data-household"), 10);
    var caseId = form.getAttribute("data-case") ? parseInt(form.getAttribute("data-case"), 10) : null;
    var key = drafts.key(householdId, caseId);
    var draft = drafts.load(key);
    var gps = null, busy = 0, locked = false;
    var statusBox = byId("form-status");
    var INCOME = ["wages", "business", "property", "transfers", "business_costs"];

    function ensureDraft() {
      if (!draft) {
        draft = {uuid: uuid4(), values: {}, photos: [], signature: null, gps: null, created: Date.now()};
      }
      return draft;
    }

    function fields() {
      var out = [];
      each(form.elements, function (el) { if (el.name && el.type !== "file") { out.push(el); } });
      return out;
    }

    function values() {
      var out = {};
      each(fields(), function (el) {
        if (el.type === "radio") {
          if (el.checked) { out[el.name] = el.value; }
        } else if (el.type === "checkbox") {
          out[el.name] = el.checked ? el.value : "";
        } else {
          out[el.name] = el.value;
        }
      });
      return out;
    }

    var saveTimer = null;

    /* While typing: at most every 300 ms (a draft with a signature is tens of KB). */
    function saveSoon() {
      if (saveTimer) { window.clearTimeout(saveTimer); }
      saveTimer = window.setTimeout(save, 300);
    }

    function save() {
      if (saveTimer) { window.clearTimeout(saveTimer); saveTimer = null; }
      if (locked) { return; }
      ensureDraft();
      draft.values = values();
      if (gps) { draft.gps = gps; }
      draft.saved = Date.now();
      drafts.save(key, draft);
    }

    function restore() {
      if (!draft) { return; }
      var v = draft.values || {};
      each(fields(), function (el) {
        if (!(el.name in v)) { return; }
        if (el.type === "radio") {
          el.checked = v[el.name] === el.value;
        } else if (el.type === "checkbox") {
          el.checked = v[el.name] === el.value;
        } else {
          el.value = v[el.name];
        }
      });
      gps = draft.gps || null;
    }

    // -- method and remote fields --
    var remoteBox = byId("remote"), viaLabel = byId("reached_via_label");
    var viaLabels = {};
    try { viaLabels = JSON.parse(viaLabel.getAttribute("data-labels")); } catch (e) { viaLabels = {}; }

    function method() {
      var checked = form.querySelector("input[name=method]:checked");
      return checked ? checked.value : "";
    }

    function isRemote() {
      var checked = form.querySelector("input[name=method]:checked");
      return !!checked && checked.getAttribute("data-remote") === "1";
    }

    function showMethod() {
      remoteBox.hidden = !isRemote();
      viaLabel.textContent = viaLabels[method()] || "号码或账号";
      showGps();
    }

    // -- location: never blocks; only a home visit records it (where the family lives) --
    var gpsEl = byId("gps-status"), gpsText = "定位中…";

    function showGps() {
      gpsEl.textContent = isRemote() ? "定位：远程核查不记录位置" : "定位：" + gpsText;
    }

    function locate() {
      if (!navigator.geolocation) { gpsText = gps ? "已定位 ±" + gps.accuracy + "m" : "无法定位"; showGps(); return; }
      gpsText = gps ? "已定位 ±" + gps.accuracy + "m（上次保存）" : "定位中…";
      showGps();
      navigator.geolocation.getCurrentPosition(function (pos) {
        gps = {lat: pos.coords.latitude, lng: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy || 0)};
        gpsText = "已定位 ±" + gps.accuracy + "m";
        showGps();
        if (draft) { save(); }
      }, function () {
        gpsText = gps ? "已定位 ±" + gps.accuracy + "m（上次保存）" : "无法定位（不影响保存）";
        showGps();
      }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 120000});
    }

    // -- per-capita income helper: (sum − business costs) / household size, as the server does --
    var perCapitaEl = byId("per-capita");

    function perCapita() {
      var total = 0, any = false, bad = false;
      each(INCOME, function (k) {
        var el = form.elements["income." + k];
        var c = M.cents(el.value);
        if (String(el.value).replace(/\s/g, "") !== "") { any = true; }
        if (c === null) { bad = true; return; }
        total += k === "business_costs" ? -c : c;
      });
      var size = parseInt(form.elements.household_size.value, 10);
      if (!any) {
        perCapitaEl.textContent = "人均纯收入：填写收入后自动计算";
      } else if (bad) {
        perCapitaEl.textContent = "人均纯收入：收入请填写数字（元，最多两位小数）";
      } else if (!(size >= 1)) {
        perCapitaEl.textContent = "人均纯收入：请填写家庭人口";
      } else {
        var per = Math.abs(total) / size;
        per = Math.floor(per + 0.5 + 1e-9) * (total < 0 ? -1 : 1);  // half up, as the server rounds
        perCapitaEl.textContent = "人均纯收入：" + M.money(per) + " 元（纯收入 " + M.money(total) + " 元 ÷ " + size + " 人）";
      }
    }

    // -- photos: shrunk on the phone, kept in IndexedDB under their own UUID --
    var photoList = byId("photo-list");

    function showPhoto(id, dataUrl) {
      var li = document.createElement("li");
      li.setAttribute("data-photo", id);
      var img = document.createElement(dataUrl ? "img" : "span");
      if (dataUrl) {
        img.src = dataUrl;
        img.alt = "走访照片";
      } else {
        img.textContent = "照片已不在手机上";  // uploaded already, or the phone cleared its storage
      }
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "删除";
      remove.addEventListener("click", function () {
        if (locked) { return; }
        var at = draft.photos.indexOf(id);
        if (at >= 0) { draft.photos.splice(at, 1); }
        save();
        store.del("photos", id, noop);
        li.parentNode.removeChild(li);
      });
      li.appendChild(img);
      li.appendChild(remove);
      photoList.appendChild(li);
    }

    function addFiles(input) {
      var files = Array.prototype.slice.call(input.files || []);
      input.value = "";
      ensureDraft();
      if (draft.photos.length + files.length > MAX_PHOTOS) {
        showError("photos", "每次走访最多" + MAX_PHOTOS + "张照片");
        files = files.slice(0, Math.max(0, MAX_PHOTOS - draft.photos.length));
      } else {
        showError("photos", "");
      }
      each(files, function (file) {
        busy += 1;
        M.shrink(file, MAX_SIDE, QUALITY, function (dataUrl) {
          if (!dataUrl) { busy -= 1; showError("photos", "这张照片读不出来，请重新拍"); return; }
          var id = uuid4();
          store.put("photos", {uuid: id, owner: key, dataUrl: dataUrl}, function (err) {
            busy -= 1;
            if (err) { showError("photos", "手机存储空间不足，照片没有保存。请先联网发送已保存的记录。"); return; }
            ensureDraft().photos.push(id);
            save();
            showPhoto(id, dataUrl);
          });
        });
      });
    }

    each([byId("photo-camera"), byId("photo-gallery")], function (input) {
      input.addEventListener("change", function () { addFiles(input); });
    });

    function restorePhotos() {
      if (!draft) { return; }
      each(draft.photos.slice(), function (id) {
        store.get("photos", id, function (err, photo) { showPhoto(id, photo ? photo.dataUrl : null); });
      });
    }

    // -- signature pad: finger (or mouse) on a canvas --
    var signArea = byId("sign-area"), canvas = byId("signature"), consent = byId("consent");
    var ctx = canvas.getContext ? canvas.getContext("2d") : null;
    var drawing = false, signed = false, last = null, sized = false;

    function wantsSignature() { return !consent || consent.checked; }

    function blank() {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }

    function sizeCanvas() {
      if (!ctx || signArea.hidden || !canvas.clientWidth) { return; }
      var ratio = Math.min(window.devicePixelRatio || 1, 2);
      var w = Math.round(canvas.clientWidth * ratio), h = Math.round(canvas.clientHeight * ratio);
      if (sized && canvas.width === w && canvas.height === h) { return; }
      canvas.width = w;
      canvas.height = h;
      sized = true;
      blank();
      if (draft && draft.signature) {
        var img = new Image();
        img.onload = function () { ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(img, 0, 0, canvas.width, canvas.height); };
        img.src = draft.signature;
        signed = true;
      }
    }

    function showSignArea() {
      signArea.hidden = !wantsSignature();
      sizeCanvas();
    }

    function start(e) {
      if (locked || !ctx) { return; }
      e.preventDefault();
      drawing = true;
      last = M.point(canvas, e);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2.5 * Math.min(window.devicePixelRatio || 1, 2);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = "#111";
      ctx.fill();
    }

    function move(e) {
      if (!drawing) { return; }
      e.preventDefault();
      var p = M.point(canvas, e);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    }

    function end() {
      if (!drawing) { return; }
      drawing = false;
      signed = true;
      ensureDraft().signature = canvas.toDataURL("image/png");
      save();
      showError("signature_png", "");
    }

    if (ctx) {
      if (window.PointerEvent) {
        canvas.addEventListener("pointerdown", function (e) {
          if (canvas.setPointerCapture) { try { canvas.setPointerCapture(e.pointerId); } catch (err) { /* ok */ } }
          start(e);
        });
        canvas.addEventListener("pointermove", move);
        canvas.addEventListener("pointerup", end);
        canvas.addEventListener("pointercancel", end);
      } else {
        canvas.addEventListener("touchstart", start);
        canvas.addEventListener("touchmove", move);
        canvas.addEventListener("touchend", end);
        canvas.addEventListener("mousedown", start);
        window.addEventListener("mousemove", move);
        window.addEventListener("mouseup", end);
      }
    }

    byId("sign-clear").addEventListener("click", function () {
      if (locked || !ctx) { return; }
      blank();
      signed = false;
      if (draft) { draft.signature = null; save(); }
    });
    if (consent) { consent.addEventListener("change", showSignArea); }
    window.addEventListener("resize", function () { sized = false; sizeCanvas(); });

    // -- messages beside the fields --
    function showError(name, message) {
      var el = byId("err-" + name);
      if (!el) { el = byId("err-_"); message = message ? message : ""; }
      if (!el) { return; }
      el.textContent = message || "";
      el.hidden = !message;
    }

    function clearErrors() {
      each(form.querySelectorAll(".error, #err-_"), function (el) { el.textContent = ""; el.hidden = true; });
    }

    function showErrors(fieldsMap, message) {
      var first = null, general = [];
      each(Object.keys(fieldsMap || {}), function (name) {
        var el = byId("err-" + name);
        if (el) {
          el.textContent = fieldsMap[name];
          el.hidden = false;
          first = first || el;
        } else {
          general.push(fieldsMap[name]);
        }
      });
      var top = byId("err-_");
      var text = general.length ? general.join("；") : (message || "");
      top.textContent = text;
      top.hidden = !text;
      var target = first || (text ? top : null);
      if (target && target.scrollIntoView) { target.scrollIntoView({block: "center"}); }
    }

    /* The obvious problems, found before the visit waits in the outbox for hours: the same
       rules and words as the server (domain/fieldwork.py remote_problems, services/visits.py). */
    function problems() {
      var found = {}, v = values();
      if (!method()) { found.method = "请选择走访方式：入户、电话、微信、QQ或视频"; }
      if (isRemote()) {
        if (!String(v.reached_person || "").replace(/\s/g, "")) { found.reached_person = "请填写联系上的是谁（如：户主本人、儿子）"; }
        if (!String(v.reached_via || "").replace(/\s/g, "")) { found.reached_via = "请填写" + (viaLabels[method()] || "号码或账号"); }
        if (!v.away_reason) { found.away_reason = "请选择全家外出的原因"; }
      }
      each(INCOME, function (k) {
        if (M.cents(v["income." + k]) === null) { found["income." + k] = "请填写数字（元）"; }
      });
      var size = String(v.household_size || "").replace(/\s/g, "");
      if (size !== "" && !(/^\d+$/.test(size) && parseInt(size, 10) >= 1)) { found.household_size = "家庭人口至少1人"; }
      if (wantsSignature() && signed && !String(v.signer_name || "").replace(/\s/g, "")) { found.signer_name = "请填写签字人姓名"; }
      if (consent && consent.checked && !signed) { found.signature_png = "请在上面签字，或取消勾选"; }
      return found;
    }

    function buildVisit() {
      var v = values(), answers = {}, income = {};
      each(Object.keys(v), function (name) {
        if (name.indexOf("answers.") === 0 && String(v[name]).replace(/\s/g, "") !== "") {
          answers[name.slice(8)] = v[name];
        }
      });
      each(INCOME, function (k) { income[k] = String(v["income." + k] || "").replace(/[,，\s]/g, ""); });
      var remote = isRemote();
      var size = parseInt(v.household_size, 10);
      return {
        client_uuid: draft.uuid,
        household_id: householdId,
        method: method(),
        visited_at: new Date().toISOString(),
        case_id: caseId,
        reached_person: remote ? v.reached_person || "" : "",
        reached_via: remote ? v.reached_via || "" : "",
        away_reason: remote ? v.away_reason || null : null,
        answers: answers,
        household_size: size >= 1 ? size : null,
        income: income,
        photos: draft.photos.slice(),
        gps: !remote && gps ? gps : null,
        signature_png: wantsSignature() && signed ? draft.signature : null,
        signer_name: wantsSignature() ? v.signer_name || "" : "",
        notes: v.notes || ""
      };
    }

    // -- the form's state: editing, waiting in the outbox, sent, or needing a person --
    function setLocked(on) {
      locked = on;
      if (on) { form.setAttribute("data-locked", ""); } else { form.removeAttribute("data-locked"); }
      each(form.elements, function (el) { el.disabled = on; });
    }

    function status(kind, text, button) {
      statusBox.className = "form-status" + (kind ? " " + kind : "");
      statusBox.textContent = text;
      if (button) { statusBox.appendChild(document.createElement("br")); statusBox.appendChild(button); }
      statusBox.hidden = !text;
    }

    function withdrawButton() {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = "取回修改";
      b.addEventListener("click", function () {
        if (F.isFlushing()) { return; }
        store.get("queue", draft.uuid, function (err, item) {
          if (!item || item.visitTried) { show(item); return; }  // it may be on the server already
          store.del("queue", item.uuid, function () { refresh(); show(null); });
        });
      });
      return b;
    }

    function show(item) {
      if (!item) {
        setLocked(false);
        status("", "");
        return;
      }
      if (item.state === "queued") {
        setLocked(true);
        status("wait", "已保存在手机上，等待发送（有信号时自动发送，不会重复）。", item.visitTried ? null : withdrawButton());
      } else if (item.state === "invalid") {
        setLocked(false);
        status("bad", "服务器退回了这条记录：请按红字修改后，再点“保存并发送”。");
        showErrors(item.errors, item.message);
      } else {
        setLocked(true);
        status("bad", item.message || "这条记录需要处理。");
      }
    }

    F.on("sent", function (item) {
      if (!draft || item.uuid !== draft.uuid) { return; }
      draft = null;
      setLocked(true);
      var back = document.createElement("a");
      back.href = "/field/";
      back.className = "back";
      back.textContent = "返回我的工作";
      status("", "已发送成功。", back);
    });
    F.on("changed", function (item) {
      if (draft && item.uuid === draft.uuid) { show(item); }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (locked) { return; }
      if (busy > 0) { showError("photos", "照片还在处理，请稍等再保存"); return; }
      clearErrors();
      var found = problems();
      if (Object.keys(found).length) { showErrors(found, "有几处需要改一下，请看红字提示"); return; }
      ensureDraft();
      save();
      var visit = buildVisit();
      store.get("queue", draft.uuid, function (err, existing) {
        if (existing && existing.visitTried && existing.state !== "invalid") { show(existing); return; }
        var item = {
          uuid: draft.uuid, user: USER, draftKey: key, url: window.location.pathname + window.location.search,
          label: form.getAttribute("data-label") || "", visit: visit, photos: visit.photos,
          sentPhotos: existing ? existing.sentPhotos || {} : {}, state: "queued", errors: {}, message: "",
          visitTried: false, queuedAt: existing ? existing.queuedAt : Date.now()
        };
        enqueue(item, function (failed) {
          if (failed) { showErrors({}, "手机存储空间不足，没能保存。请删除几张照片，或先联网发送已保存的记录。"); return; }
          show(item);
          if (statusBox.scrollIntoView) { statusBox.scrollIntoView({block: "center"}); }
        });
      });
    });

    form.addEventListener("input", saveSoon);
    window.addEventListener("pagehide", function () { if (saveTimer) { save(); } });
    document.addEventListener("visibilitychange", function () { if (saveTimer) { save(); } });
    form.addEventListener("change", function (event) {
      if (event.target.name === "method") { showMethod(); }
      save();
    });
    each(INCOME.concat(["household_size"]), function (k) {
      var el = form.elements[k === "household_size" ? k : "income." + k];
      el.addEventListener("input", perCapita);
    });

    byId("save").disabled = false;  // disabled in the page until this script runs
    restore();
    restorePhotos();
    showMethod();
    showSignArea();
    perCapita();
    locate();
    if (draft) {
      store.get("queue", draft.uuid, function (err, item) { show(item); });
    }
  }
}(window.ShoudiField, window.ShoudiMedia));
