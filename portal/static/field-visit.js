/* The visit form of the field app: method and remote-check details, the 附件1 questions, the
   income helper, GPS, drafts and the outbox. The photo list (field-photos.js) and the signature
   pad (field-signature.js) live in their own files and are handed this form's state as
   callbacks. Loaded after field.js, field-grid.js, field-parts.js and those two
   (window.ShoudiField, window.ShoudiGrid, window.ShoudiMedia). Plain ES5. */
(function (F, M) {
  "use strict";
  // Without any of them the save button stays disabled, rather than a half-working form.
  if (!F || !M || !M.photoList || !M.signaturePad) { return; }
  var byId = F.byId, each = F.each, store = F.store, drafts = F.drafts;
  var enqueue = F.enqueue, refresh = F.refresh, newUuid = F.uuid, USER = F.user;

  // --- the visit form --------------------------------------------------------------------------

  var form = byId("visit");
  if (form && form.hasAttribute("data-shell")) {
    // The generic form (opened offline): the household comes from the grid kept on the phone.
    if (window.ShoudiGrid) { window.ShoudiGrid.fillShell(form, function (ok) { if (ok) { visitForm(form); } }); }
  } else if (form) {
    visitForm(form);
  }

  function visitForm(form) {
    var householdId = parseInt(form.getAttribute("data-household"), 10);
    var caseId = form.getAttribute("data-case") ? parseInt(form.getAttribute("data-case"), 10) : null;
    var key = drafts.key(householdId, caseId);
    var draft = drafts.load(key);
    var gps = null, locked = false;
    var statusBox = byId("form-status");
    var INCOME = ["wages", "business", "property", "transfers", "business_costs"];

    function ensureDraft() {
      if (!draft) {
        draft = {uuid: newUuid(), values: {}, photos: [], signature: null, gps: null, created: Date.now()};
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

    // -- photos (field-photos.js): the draft keeps their UUIDs, IndexedDB the pictures --
    var photos = M.photoList({
      list: byId("photo-list"),
      inputs: [byId("photo-camera"), byId("photo-gallery")],
      owner: key,
      isLocked: function () { return locked; },
      draft: function () { return draft; },
      ensureDraft: ensureDraft,
      save: save,
      showError: showError
    });

    // -- signature pad (field-signature.js): the draft keeps the signature as a PNG data URL --
    var consent = byId("consent");
    var pad = M.signaturePad({
      area: byId("sign-area"),
      canvas: byId("signature"),
      clear: byId("sign-clear"),
      consent: consent,
      isLocked: function () { return locked; },
      saved: function () { return draft ? draft.signature : null; },
      onSign: function (dataUrl) {
        ensureDraft().signature = dataUrl;
        save();
        showError("signature_png", "");
      },
      onClear: function () {
        if (draft) { draft.signature = null; save(); }
      }
    });

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
       rules and words as the server (domain/fieldwork.py remote_problems, services/fieldwork/visits.py). */
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
      if (pad.wanted() && pad.signed() && !String(v.signer_name || "").replace(/\s/g, "")) { found.signer_name = "请填写签字人姓名"; }
      if (consent && consent.checked && !pad.signed()) { found.signature_png = "请在上面签字，或取消勾选"; }
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
        signature_png: pad.wanted() && pad.signed() ? draft.signature : null,
        signer_name: pad.wanted() ? v.signer_name || "" : "",
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
      if (photos.busy() > 0) { showError("photos", "照片还在处理，请稍等再保存"); return; }
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
    photos.restore();
    showMethod();
    pad.show();
    perCapita();
    locate();
    if (draft) {
      store.get("queue", draft.uuid, function (err, item) { show(item); });
    }
  }
}(window.ShoudiField, window.ShoudiMedia));
