/* Service worker of the field app (外业), scope /field/, served by portal/field.py at /field/sw.js
   with the current content-hashed asset names written into SHELL.

   What it keeps, and why (personal data: PIPL, phones get lost or shared):
   - The app shell: base.css, field.css and field.js by their hashed names. Cache-first, since a
     changed file gets a new name; installed up front so a form opens without signal.
   - The field pages the worker has opened here: "我的工作" (/field/) and visit forms
     (/field/households/<id>/visit). Network-first; the kept copy is used only when the network
     fails or hangs. These pages hold what the worker was already shown on this phone: names,
     masked ID numbers (never in full), addresses, the questions. Without them a visit cannot
     be recorded in a village without signal, which is the point of the app. Each page keeps the
     account that opened it (X-Shoudi-User), and is served offline only while that account is
     the last one seen logged in. Logging out from a field page deletes them all; a page
     answered with a redirect to the login page (logged out, idle lock) stops serving them until
     the account opens a field page again; another account opening a field page deletes the
     first account's pages.
   - The generic visit form (/field/visit-shell), asked for by field-grid.js once the worker has
     kept the whole grid on the phone (IndexedDB, for the day). It holds no household: offline,
     a household's form that was never opened here is answered with it, and field-grid.js fills
     the household in from the kept grid. Logging out also empties that grid (store "grid").
   What it never keeps: anything under /api/ (visit and photo POSTs, and GETs alike: it does not
   even look at them, they go straight to the network), search results (/field/search: lists of
   people matching a query; the search is a posted form, sent to the network once, never kept nor
   replayed, and without signal it gets the plain "no network" page), the login page and other
   pages outside /field/, any answer that is not a plain 200 from this site. The outbox itself
   lives in IndexedDB, written by field.js.

   Background Sync: field.js registers the tag "shoudi-outbox" when a send fails; the browser
   fires `sync` when the connection is back, and this worker asks the open field pages to send.
   Without Background Sync (or with no page open) the outbox is sent on the next open.
   Plain ES5 syntax. */
"use strict";

var SHELL = [/*SHELL_ASSETS*/];
var ASSETS = "shoudi-field-assets";
var PAGES = "shoudi-field-pages";
var META = "shoudi-field-meta";
var SHELL_PAGE = "/field/visit-shell";  // the visit form without a household
var WHO = "/field/__account";  // the account last seen logged in on a field page ("" for none)
var SYNC_TAG = "shoudi-outbox";
var NETWORK_WAIT_MS = 6000;   // "lie-fi": one bar of 2G; the kept copy after this long

function isVisitForm(url) {
  return /^\/field\/households\/\d+\/visit$/.test(url.pathname);
}

function isPage(url) {
  return url.origin === self.location.origin &&
    (url.pathname === "/field/" || url.pathname === SHELL_PAGE || isVisitForm(url));
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

/* After an update, a kept page still names the files of its own version: those stay until the
   page is replaced, or it would open offline without its script. Everything else goes. */
function pruneAssets() {
  return caches.open(PAGES).then(function (pages) {
    return pages.keys().then(function (requests) {
      return Promise.all(requests.map(function (request) {
        return pages.match(request).then(function (hit) { return hit ? hit.text() : ""; });
      }));
    });
  }).then(function (texts) {
    var wanted = {};
    SHELL.forEach(function (path) { wanted[path] = true; });
    texts.forEach(function (text) {
      (text.match(/\/assets\/[\w.-]+/g) || []).forEach(function (path) { wanted[path] = true; });
    });
    return caches.open(ASSETS).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return wanted[new URL(request.url).pathname] ? null : cache["delete"](request);
        }));
      });
    });
  });
}

self.addEventListener("activate", function (event) {
  event.waitUntil(pruneAssets()["catch"](function () {}).then(function () { return self.clients.claim(); }));
});

// --- whose pages -------------------------------------------------------------------------------

function account() {
  return caches.open(META).then(function (cache) {
    return cache.match(WHO);
  }).then(function (hit) { return hit ? hit.text() : ""; });
}

function setAccount(user) {
  return account().then(function (before) {
    var work = caches.open(META).then(function (cache) {
      return cache.put(WHO, new Response(user, {headers: {"Content-Type": "text/plain"}}));
    });
    if (user && before && before !== user) { work = work.then(dropPagesNotOf(user)); }
    return work;
  });
}

function dropPagesNotOf(user) {
  return function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return cache.match(request).then(function (hit) {
            if (!hit || hit.headers.get("X-Shoudi-User") !== user) { return cache["delete"](request); }
            return null;
          });
        }));
      });
    });
  };
}

/* The grid kept for the day (field-grid.js; IndexedDB "shoudi-field", store "grid"), emptied. */
function clearGrid() {
  return new Promise(function (resolve) {
    var request;
    try { request = self.indexedDB.open("shoudi-field"); } catch (e) { resolve(); return; }
    request.onerror = function () { resolve(); };
    request.onsuccess = function () {
      var db = request.result;
      if (!db.objectStoreNames.contains("grid")) { db.close(); resolve(); return; }
      var t = db.transaction("grid", "readwrite");
      t.objectStore("grid").clear();
      t.oncomplete = t.onerror = t.onabort = function () { db.close(); resolve(); };
    };
  });
}

function forget() {
  return Promise.all([caches["delete"](PAGES), clearGrid()]).then(function () { return setAccount(""); });
}

// --- pages: network first, the kept copy when there is no network ------------------------------

function keep(url, response) {
  var user = response.headers.get("X-Shoudi-User");
  if (response.status !== 200 || response.type !== "basic" || response.redirected || !user) {
    if (response.type === "opaqueredirect" || response.redirected) { return setAccount(""); }
    return Promise.resolve();
  }
  var copy = response.clone();
  return setAccount(user).then(function () {
    return caches.open(PAGES);
  }).then(function (cache) { return cache.put(url, copy); });
}

function kept(url) {
  return Promise.all([account(), caches.open(PAGES).then(function (cache) { return cache.match(url); })])
    .then(function (found) {
      var user = found[0], hit = found[1];
      return hit && user && hit.headers.get("X-Shoudi-User") === user ? hit : null;
    });
}

/* The kept copy of the page, or for a visit form never opened here, the generic one. */
function keptOrShell(url) {
  return kept(url).then(function (hit) {
    if (hit || !isVisitForm(new URL(url))) { return hit; }
    return kept(new URL(SHELL_PAGE, self.location.origin).href);
  });
}

function offlinePage() {
  var html = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>没有网络 · 守底</title></head>" +
    "<body style=\"margin:0;padding:1rem;font:17px/1.6 system-ui,sans-serif;color:#1f2328\">" +
    "<h1 style=\"font-size:1.3rem\">没有网络</h1>" +
    "<p>这个页面还没有在这部手机上打开过，本网格也没有保存在手机上（或已退出登录），需要有信号时再打开。</p>" +
    "<p>已经保存的走访记录都在手机上，有信号时会自动发送。</p>" +
    "<p><a href=\"/field/\" style=\"display:inline-block;min-height:44px;line-height:44px\">返回我的工作</a></p>" +
    "</body></html>";
  return new Response(html, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8",
                                                   "Cache-Control": "no-store"}});
}

function page(event) {
  var request = event.request, url = request.url;
  var network = fetch(request);
  event.waitUntil(network.then(function (response) { return keep(url, response); })["catch"](function () {}));
  return new Promise(function (resolve) {
    var done = false;
    function answer(response) { if (!done) { done = true; resolve(response); } }
    var timer = setTimeout(function () {
      keptOrShell(url).then(function (hit) { if (hit) { answer(hit); } });
    }, NETWORK_WAIT_MS);
    network.then(function (response) {
      clearTimeout(timer);
      answer(response);
    }, function () {
      clearTimeout(timer);
      keptOrShell(url).then(function (hit) { answer(hit || offlinePage()); });
    });
  });
}

// --- the app shell: cache first (hashed names never change content) ----------------------------

function asset(request) {
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) { return hit; }
      return fetch(request).then(function (response) {
        if (response.status === 200 && response.type === "basic") { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    // A posted page (the search form): once to the network, never kept nor replayed; without
    // signal the plain page says why. Visit and photo POSTs: straight to the network, untouched.
    if (request.mode === "navigate") {
      event.respondWith(fetch(request)["catch"](function () { return offlinePage(); }));
    }
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (url.pathname.indexOf("/assets/") === 0) {
    event.respondWith(asset(request));
  } else if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(page(event));
  } else if (request.mode === "navigate") {
    // Search results and the rest of /field/: never kept; a plain page says why when offline.
    event.respondWith(fetch(request)["catch"](function () { return offlinePage(); }));
  }
});

// --- messages from field.js, and Background Sync ----------------------------------------------

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "remember" && data.url) {
    // The first page, opened before this worker controlled it, is kept like the others.
    var url = new URL(data.url);
    if (isPage(url)) {
      event.waitUntil(fetch(url.href, {credentials: "same-origin"}).then(function (response) {
        return keep(url.href, response);
      })["catch"](function () {}));
    }
  } else if (data.type === "forget") {
    event.waitUntil(forget());
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== SYNC_TAG) { return; }
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (list) {
    list.forEach(function (client) { client.postMessage({type: "flush"}); });
  }));
});
