/* The field app (外业) on the phone: drafts, an outbox that survives no signal, and sending
   without duplicates.

   - Draft: every input of the visit form is kept in localStorage as it is typed (one key per
     account + household + case), restored when the form opens again, removed once sent.
   - Outbox: "保存并发送" puts the visit (its JSON, with a client UUID made ONCE per visit and kept
     with the draft) in a queue in IndexedDB; photos wait in IndexedDB under their own UUIDs.
     Without IndexedDB, localStorage takes its place (small items only).
   - Sending: photos first (POST /api/v1/photos), then the visit (POST /api/v1/visits), always
     with the same UUIDs, so a resend after a lost answer is answered 200 by the server and never
     makes a second record. Tried when a page opens, on the `online` event, when the service
     worker's Background Sync fires, every minute while something waits, and on "发送".
   Plain ES5 (old WeChat browsers); no framework. */
(function () {
  "use strict";

  var body = document.body;
  var USER = body.getAttribute("data-user") || "";
  var LOGIN_URL = body.getAttribute("data-login") || "/login";
  var SW_URL = body.getAttribute("data-sw");
  var API = "/api/v1";
  var CLIENT_HEADER = ["X-Shoudi-Client", "h5"];
  var DRAFT_PREFIX = "shoudi.field.draft.";
  var MAX_SIDE = 1600, QUALITY = 0.82, MAX_PHOTOS = 9;
  var SYNC_TAG = "shoudi-outbox";
  // A photo of a few MB over one bar of 2G takes minutes; a stalled send must still end.
  var PHOTO_TIMEOUT_MS = 5 * 60 * 1000, VISIT_TIMEOUT_MS = 60 * 1000;

  function noop() {}
  function each(list, fn) { for (var i = 0; i < list.length; i++) { fn(list[i], i); } }
  function byId(id) { return document.getElementById(id); }

  // --- ids -------------------------------------------------------------------------------------

  /* A random (version 4) UUID: crypto.randomUUID where the browser has it, else RFC 4122 §4.4
     from crypto.getRandomValues. */
  function uuid4() {
    var c = window.crypto || window.msCrypto;
    if (c && typeof c.randomUUID === "function") { return c.randomUUID(); }
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) {
      c.getRandomValues(b);
    } else {  // phones older than Android 4.4 only; the server still refuses a reused UUID
      for (var k = 0; k < 16; k++) { b[k] = Math.floor(Math.random() * 256); }
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = [];
    for (var i = 0; i < 16; i++) { h.push((b[i] + 0x100).toString(16).substr(1)); }
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10, 16).join("");
  }

  // --- storage: IndexedDB, or localStorage when there is none ----------------------------------

  var store = (function () {
    var NAME = "shoudi-field", VERSION = 1, STORES = ["queue", "photos"];
    var db = null, state = "closed", waiting = [];

    function ready(cb) {
      if (state === "open" || state === "failed") { cb(db); return; }
      waiting.push(cb);
      if (state === "opening") { return; }
      state = "opening";
      var request;
      try {
        request = window.indexedDB.open(NAME, VERSION);
      } catch (e) { settle(null); return; }
      request.onupgradeneeded = function () {
        var d = request.result;
        each(STORES, function (s) {
          if (!d.objectStoreNames.contains(s)) { d.createObjectStore(s, {keyPath: "uuid"}); }
        });
      };
      request.onsuccess = function () { settle(request.result); };
      request.onerror = function () { settle(null); };
    }

    function settle(opened) {
      db = opened;
      state = opened ? "open" : "failed";
      var list = waiting;
      waiting = [];
      each(list, function (cb) { cb(db); });
    }

    function lsKey(s, key) { return "shoudi.field." + s + "." + key; }

    function tx(d, s, mode, work, cb) {
      var t;
      try { t = d.transaction(s, mode); } catch (e) { cb(e); return; }
      var result = null;
      work(t.objectStore(s), function (value) { result = value; });
      t.oncomplete = function () { cb(null, result); };
      t.onerror = function () { cb(t.error || new Error("indexeddb")); };
      t.onabort = function () { cb(t.error || new Error("indexeddb")); };
    }

    return {
      get: function (s, key, cb) {
        ready(function (d) {
          if (!d) {
            try { cb(null, JSON.parse(window.localStorage.getItem(lsKey(s, key)) || "null")); } catch (e) { cb(e); }
            return;
          }
          tx(d, s, "readonly", function (os, set) {
            var r = os.get(key);
            r.onsuccess = function () { set(r.result || null); };
          }, cb);
        });
      },
      put: function (s, value, cb) {
        ready(function (d) {
          if (!d) {
            try { window.localStorage.setItem(lsKey(s, value.uuid), JSON.stringify(value)); cb(null); } catch (e) { cb(e); }
            return;
          }
          tx(d, s, "readwrite", function (os) { os.put(value); }, cb);
        });
      },
      del: function (s, key, cb) {
        ready(function (d) {
          if (!d) {
            try { window.localStorage.removeItem(lsKey(s, key)); cb(null); } catch (e) { cb(e); }
            return;
          }
          tx(d, s, "readwrite", function (os) { os["delete"](key); }, cb);
        });
      },
      all: function (s, cb) {
        ready(function (d) {
          var out = [];
          if (!d) {
            try {
              var prefix = lsKey(s, "");
              for (var i = 0; i < window.localStorage.length; i++) {
                var k = window.localStorage.key(i);
                if (k && k.indexOf(prefix) === 0) { out.push(JSON.parse(window.localStorage.getItem(k))); }
              }
              cb(null, out);
            } catch (e) { cb(e, out); }
            return;
          }
          tx(d, s, "readonly", function (os) {
            var r = os.openCursor();
            r.onsuccess = function () {
              var cursor = r.result;
              if (cursor) { out.push(cursor.value); cursor["continue"](); }
            };
          }, function (err) { cb(err, out); });
        });
      }
    };
  }());

  // --- drafts (localStorage) -------------------------------------------------------------------

  var drafts = {
    key: function (householdId, caseId) { return DRAFT_PREFIX + USER + "." + householdId + "." + (caseId || 0); },
    load: function (key) {
      try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
    },
    save: function (key, draft) {
      try { window.localStorage.setItem(key, JSON.stringify(draft)); return true; } catch (e) { return false; }
    },
    remove: function (key) {
      try { window.localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
    }
  };

  // --- HTTP ------------------------------------------------------------------------------------

  /* cb(status, json): status 0 when the network failed. An answer that is not JSON from the API
     (a login page after a redirect) counts as "not logged in", never as success. */
  function request(method, url, payload, contentType, timeoutMs, cb) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.timeout = timeoutMs;
    xhr.setRequestHeader(CLIENT_HEADER[0], CLIENT_HEADER[1]);
    xhr.setRequestHeader("Accept", "application/json");
    if (contentType) { xhr.setRequestHeader("Content-Type", contentType); }
    var finished = false;
    function done(status, data) { if (!finished) { finished = true; cb(status, data); } }
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      var redirected = xhr.responseURL && xhr.responseURL.indexOf(API) < 0;
      if (xhr.status >= 200 && xhr.status < 300 && (data === null || redirected)) { done(401, null); return; }
      done(xhr.status, data);
    };
    xhr.onerror = function () { done(0, null); };
    xhr.ontimeout = function () { done(0, null); };
    xhr.onabort = function () { done(0, null); };
    try { xhr.send(payload); } catch (e) { done(0, null); }
  }

  function dataUrlToBlob(dataUrl) {
    var comma = dataUrl.indexOf(",");
    var type = (dataUrl.slice(5, comma).split(";")[0]) || "application/octet-stream";
    var raw = window.atob(dataUrl.slice(comma + 1));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return new Blob([bytes], {type: type});
  }

  function errorFields(data) {
    return (data && data.error && data.error.fields) || {};
  }

  function errorMessage(data, fallback) {
    return (data && data.error && data.error.message) || fallback;
  }

  // --- the outbox ------------------------------------------------------------------------------

  var listeners = {sent: [], changed: []};
  function emit(name, item) { each(listeners[name], function (fn) { fn(item); }); }

  var flushing = false, flushAgain = false, authLost = false;

  function mark(item, state, fields, message, cb) {
    item.state = state;
    item.errors = fields || {};
    item.message = message || "";
    store.put("queue", item, function () { emit("changed", item); cb(state); });
  }

  function forgetSent(item, cb) {
    store.del("queue", item.uuid, function () {
      var left = item.photos.length;
      drafts.remove(item.draftKey);
      emit("sent", item);
      if (!left) { cb("sent"); return; }
      each(item.photos, function (id) {
        store.del("photos", id, function () { left -= 1; if (!left) { cb("sent"); } });
      });
    });
  }

  /* One queued visit: its photos, then the visit. cb(outcome): sent | invalid | conflict |
     problem (kept, needs a person) | auth (log in again) | offline (kept, try later). */
  function sendItem(item, cb) {
    item.sentPhotos = item.sentPhotos || {};
    var todo = [];
    each(item.photos, function (id) { if (!item.sentPhotos[id]) { todo.push(id); } });

    function nextPhoto(i) {
      if (i >= todo.length) { sendVisit(); return; }
      store.get("photos", todo[i], function (err, photo) {
        if (!photo) { nextPhoto(i + 1); return; }  // the server says so if it never arrived
        var form = new FormData();
        form.append("client_uuid", photo.uuid);
        form.append("file", dataUrlToBlob(photo.dataUrl), "photo.jpg");
        request("POST", API + "/photos", form, null, PHOTO_TIMEOUT_MS, function (status, data) {
          if (status === 200 || status === 201) {
            item.sentPhotos[photo.uuid] = true;
            store.put("queue", item, function () { nextPhoto(i + 1); });
          } else if (status === 400 || status === 413) {
            mark(item, "invalid", {photos: errorFields(data).file || "有一张照片无法使用，请删除后重新选择"},
                 "有一张照片无法使用，请删除后重新拍", cb);
          } else if (status === 409) {
            mark(item, "conflict", {}, "照片编号冲突：服务器上同一编号的照片内容不同。请不要删除这条记录，联系村干部或管理员。", cb);
          } else {
            outcome(status, data);
          }
        });
      });
    }

    function sendVisit() {
      item.visitTried = true;  // from here on the server may hold it: never change its content
      store.put("queue", item, function () {
        request("POST", API + "/visits", JSON.stringify(item.visit), "application/json", VISIT_TIMEOUT_MS,
                function (status, data) {
          if (status === 200 || status === 201) {
            forgetSent(item, cb);
          } else if (status === 400) {
            mark(item, "invalid", errorFields(data), errorMessage(data, "填写的内容有误，请按提示修改"), cb);
          } else if (status === 409 && data && data.error && data.error.code === "refused") {
            // The workflow refused the verification step: nothing was saved.
            mark(item, "problem", {}, errorMessage(data, "流程不允许这一步") + "（记录没有保存，仍在手机上，请联系村干部）", cb);
          } else if (status === 409) {
            mark(item, "conflict", {}, "走访记录编号冲突：服务器上同一编号的记录内容不同。请不要删除这条记录，联系村干部或管理员。", cb);
          } else if (status === 404) {
            mark(item, "problem", {}, "这户（或这条线索）已不在您负责的范围内，请联系村干部。记录仍保存在手机上。", cb);
          } else {
            outcome(status, data);
          }
        });
      });
    }

    function outcome(status, data) {
      if (status === 401) { cb("auth"); return; }
      if (status === 0 || status >= 500 || status === 429 || status === 408) { cb("offline"); return; }
      mark(item, "problem", {}, errorMessage(data, "发送失败（" + status + "），请联系管理员。记录仍保存在手机上。"), cb);
    }

    nextPhoto(0);
  }

  function mine(items) {
    var out = [];
    each(items, function (item) { if (item.user === USER) { out.push(item); } });
    out.sort(function (a, b) { return a.queuedAt - b.queuedAt; });
    return out;
  }

  function flush() {
    if (flushing) { flushAgain = true; return; }
    flushing = true;
    flushAgain = false;
    store.all("queue", function (err, items) {
      var todo = [];
      each(mine(items || []), function (item) { if (item.state === "queued") { todo.push(item); } });
      if (todo.length) { setStatus("正在发送…", false); }
      var result = {sent: 0, offline: false, auth: false};

      function next(i) {
        if (i >= todo.length) { finish(); return; }
        sendItem(todo[i], function (what) {
          if (what === "sent") { result.sent += 1; }
          if (what === "auth") { result.auth = true; finish(); return; }
          if (what === "offline") { result.offline = true; finish(); return; }
          next(i + 1);
        });
      }

      function finish() {
        flushing = false;
        authLost = result.auth;
        refresh(function (count) {
          if (result.auth) {
            setStatus("登录已过期，请重新登录后再点“发送”。待发送的记录保存在手机上，不会丢失。", true, true);
          } else if (result.offline) {
            setStatus("没有信号或服务器暂时无法连接，有信号时会自动发送。", true);
            syncLater();
          } else if (count.queued === 0 && count.problems === 0) {
            if (result.sent) { setStatus("已全部发送", false); } else if (statusEl && statusEl.textContent !== "已全部发送") { setStatus("", false); }
          } else if (count.queued === 0) {
            setStatus("有记录需要处理，见下方", true);
          } else {
            setStatus("", false);
          }
          if (flushAgain) { flush(); }
        });
      }
      next(0);
    });
  }

  function enqueue(item, cb) {
    store.put("queue", item, function (err) {
      if (err) { cb(err); return; }
      refresh();
      syncLater();
      cb(null);
      flush();
    });
  }

  // --- the outbox bar (every field page) -------------------------------------------------------

  var countEl = byId("queue-count"), statusEl = byId("outbox-status"), problemsEl = byId("outbox-problems");
  var outboxEl = byId("outbox");
  if (outboxEl) { outboxEl.hidden = false; }  // hidden in the page: without this script it means nothing

  function setStatus(text, bad, withLogin) {
    if (!statusEl) { return; }
    statusEl.textContent = text;
    statusEl.className = "outbox-status" + (bad ? " bad" : "");
    if (withLogin) {
      var a = document.createElement("a");
      a.href = LOGIN_URL;
      a.textContent = " 去登录";
      statusEl.appendChild(a);
    }
    statusEl.hidden = !text;
  }

  function refresh(cb) {
    store.all("queue", function (err, items) {
      var own = mine(items || []);
      var count = {all: own.length, queued: 0, problems: 0, others: (items || []).length - own.length};
      if (countEl) { countEl.textContent = String(own.length); }
      if (outboxEl) { outboxEl.className = "outbox" + (own.length ? " pending" : ""); }
      if (problemsEl) {
        problemsEl.innerHTML = "";
        each(own, function (item) {
          if (item.state === "queued") { count.queued += 1; return; }
          count.problems += 1;
          var li = document.createElement("li");
          li.appendChild(document.createTextNode((item.label || "走访记录") + "：" + (item.message || "需要处理") + " "));
          var a = document.createElement("a");
          a.href = item.url;
          a.textContent = item.state === "invalid" ? "去修改" : "查看";
          li.appendChild(a);
          problemsEl.appendChild(li);
        });
        if (count.others) {
          var other = document.createElement("li");
          other.textContent = "这部手机上还有其他账号的 " + count.others + " 条记录待发送，请用那个账号登录后发送。";
          problemsEl.appendChild(other);
        }
        problemsEl.hidden = !problemsEl.firstChild;
      }
      markRows(own);
      if (cb) { cb(count); }
    });
  }

  /* On "我的工作": a household with a visit waiting in the outbox says so. */
  function markRows(items) {
    var waiting = {};
    each(items, function (item) { waiting[String(item.visit.household_id)] = true; });
    each(document.querySelectorAll(".row[data-household]"), function (row) {
      var badge = row.querySelector(".queued");
      var has = waiting[row.getAttribute("data-household")];
      if (has && !badge) {
        badge = document.createElement("span");
        badge.className = "queued";
        badge.textContent = "已记录，待发送";
        (row.querySelector(".who") || row).appendChild(badge);
      } else if (!has && badge) {
        badge.parentNode.removeChild(badge);
      }
    });
  }

  var sendButton = byId("send-now");
  if (sendButton) { sendButton.addEventListener("click", function () { flush(); }); }

  // --- service worker: the app shell offline, and Background Sync ------------------------------

  var registration = null;

  function syncLater() {
    if (registration && registration.sync && registration.sync.register) {
      registration.sync.register(SYNC_TAG)["catch"](noop);
    }
  }

  if (SW_URL && "serviceWorker" in navigator && window.Promise) {
    // Whether this page came through the worker: one that did not (the first page opened
    // before the worker existed) is handed to it to keep, like the pages it fetches itself.
    var cameThroughWorker = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register(SW_URL, {scope: "/field/"}).then(function (reg) {
      registration = reg;
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (!cameThroughWorker && reg.active) {
        reg.active.postMessage({type: "remember", url: window.location.href});
      }
    })["catch"](noop);
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "flush") { flush(); }
    });
    var logout = byId("logout");
    if (logout) {
      logout.addEventListener("submit", function () {
        // The pages kept for offline use carry personal data: they go with the session.
        // (Drafts and the outbox stay, tied to this account, so nothing recorded is lost.)
        if (navigator.serviceWorker.controller) {
          navigator.serviceWorker.controller.postMessage({type: "forget"});
        }
      });
    }
  }

  window.addEventListener("online", function () { flush(); });
  window.setInterval(function () {
    if (navigator.onLine !== false && !authLost && countEl && countEl.textContent !== "0") { flush(); }
  }, 60000);

  // --- search: by name or the last 4 digits; a whole number never goes into the address ---------

  var searchForm = document.querySelector("form.search");
  if (searchForm) {
    searchForm.addEventListener("submit", function (event) {
      var q = searchForm.elements.q.value, digits = q.replace(/\D/g, "");
      var hint = byId("q-hint");
      if (digits.length > 4) {
        event.preventDefault();
        hint.textContent = "只能按姓名或号码后4位查找，请不要输入完整的身份证号或手机号。";
        hint.className = "hint error-text";
      }
    });
  }

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

    function perCapita() {
      var total = 0, any = false, bad = false;
      each(INCOME, function (k) {
        var el = form.elements["income." + k];
        var c = cents(el.value);
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
        perCapitaEl.textContent = "人均纯收入：" + money(per) + " 元（纯收入 " + money(total) + " 元 ÷ " + size + " 人）";
      }
    }

    // -- photos: shrunk on the phone, kept in IndexedDB under their own UUID --
    var photoList = byId("photo-list");

    function readAsDataUrl(file, done) {
      var reader = new FileReader();
      reader.onload = function () { done(reader.result); };
      reader.onerror = function () { done(null); };
      reader.readAsDataURL(file);
    }

    function shrink(file, done) {
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
        shrink(file, function (dataUrl) {
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

    function point(e) {
      var r = canvas.getBoundingClientRect();
      var src = e.touches && e.touches.length ? e.touches[0] : (e.changedTouches && e.changedTouches.length ? e.changedTouches[0] : e);
      return {x: (src.clientX - r.left) * canvas.width / r.width, y: (src.clientY - r.top) * canvas.height / r.height};
    }

    function start(e) {
      if (locked || !ctx) { return; }
      e.preventDefault();
      drawing = true;
      last = point(e);
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
      var p = point(e);
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
        if (cents(v["income." + k]) === null) { found["income." + k] = "请填写数字（元）"; }
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
        if (flushing) { return; }
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

    listeners.sent.push(function (item) {
      if (!draft || item.uuid !== draft.uuid) { return; }
      draft = null;
      setLocked(true);
      var back = document.createElement("a");
      back.href = "/field/";
      back.className = "back";
      back.textContent = "返回我的工作";
      status("", "已发送成功。", back);
    });
    listeners.changed.push(function (item) {
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

  // --- start -----------------------------------------------------------------------------------

  refresh(function () {
    if (navigator.onLine !== false) { flush(); }
  });

  // For tests and support staff: look at or resend the outbox from the console.
  window.ShoudiField = {
    flush: flush,
    refresh: refresh,
    items: function (cb) { store.all("queue", function (err, items) { cb(mine(items || [])); }); },
    requeue: function (item, cb) { store.put("queue", item, function (err) { refresh(); (cb || noop)(err); }); },
    uuid: uuid4
  };
}());
