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

  /* A time-ordered (version 7, RFC 9562 §5.7) UUID: the first 48 bits are the Unix time in
     milliseconds, then the version, 12 random bits, the variant and 62 random bits, from
     crypto.getRandomValues. New visits and photos then sit at the right edge of the server's
     unique index on client_uuid instead of all over it. The server accepts any valid UUID. */
  function uuid7() {
    var c = window.crypto || window.msCrypto;
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) {
      c.getRandomValues(b);
    } else {  // phones older than Android 4.4 only; the server still refuses a reused UUID
      for (var k = 0; k < 16; k++) { b[k] = Math.floor(Math.random() * 256); }
    }
    var ms = Date.now();
    var high = Math.floor(ms / 0x100000000), low = ms % 0x100000000;  // 16 + 32 bits
    b[0] = (high >>> 8) & 0xff;
    b[1] = high & 0xff;
    b[2] = (low >>> 24) & 0xff;
    b[3] = (low >>> 16) & 0xff;
    b[4] = (low >>> 8) & 0xff;
    b[5] = low & 0xff;
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = [];
    for (var i = 0; i < 16; i++) { h.push((b[i] + 0x100).toString(16).substr(1)); }
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10, 16).join("");
  }

  // --- storage: IndexedDB, or localStorage when there is none (field-store.js) ---------------

  var store = window.ShoudiFieldStore;

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

  // denied: the server answered 401 or 403 (logged out, locked, deactivated): field-grid.js
  // clears the grid kept on the phone.
  var listeners = {sent: [], changed: [], denied: []};
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
      if (status === 403) { emit("denied", null); }
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
        if (result.auth) { emit("denied", null); }
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

  /* A message to the service worker: the one controlling this page, or the one just installed. */
  function toWorker(message) {
    var sw = window.Promise && navigator.serviceWorker;
    if (!sw) { return; }
    if (sw.controller) { sw.controller.postMessage(message); return; }
    sw.ready.then(function (reg) { if (reg.active) { reg.active.postMessage(message); } })["catch"](noop);
  }

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

  // --- start -----------------------------------------------------------------------------------

  refresh(function () {
    if (navigator.onLine !== false) { flush(); }
  });

  // Used by field-visit.js (the visit form), and by tests and support staff from the console.
  window.ShoudiField = {
    flush: flush,
    refresh: refresh,
    items: function (cb) { store.all("queue", function (err, items) { cb(mine(items || [])); }); },
    requeue: function (item, cb) { store.put("queue", item, function (err) { refresh(); (cb || noop)(err); }); },
    uuid: uuid7,
    enqueue: enqueue,
    request: request,
    toWorker: toWorker,
    api: API,
    on: function (name, fn) { listeners[name].push(fn); },
    isFlushing: function () { return flushing; },
    store: store,
    drafts: drafts,
    user: USER,
    limits: {maxPhotos: MAX_PHOTOS, maxSide: MAX_SIDE, quality: QUALITY},
    byId: byId,
    each: each,
    noop: noop
  };
}());
