/* The field app's storage on the phone (used by field.js and field-grid.js): IndexedDB
   "shoudi-field" with three stores, each record keyed by its "uuid":
   - "queue": visits waiting to be sent (the outbox);
   - "photos": their photos, under their own UUIDs;
   - "grid": the whole grid for the day (field-grid.js), one record per account.
   Without IndexedDB (some old WeChat browsers, private modes), localStorage takes its place
   ("shoudi.field.<store>.<uuid>"; small items only). Every call answers through a callback
   cb(error, value). Plain ES5; loaded before field.js. */
(function () {
  "use strict";

  function each(list, fn) { for (var i = 0; i < list.length; i++) { fn(list[i], i); } }

  window.ShoudiFieldStore = (function () {
    // "grid": the whole grid for the day (field-grid.js), one record per account.
    var NAME = "shoudi-field", VERSION = 2, STORES = ["queue", "photos", "grid"];
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
      if (opened) {
        // A newer page (another tab, after an update) asks for a newer version: let it have it;
        // the next use here opens the database again.
        opened.onversionchange = function () { opened.close(); db = null; state = "closed"; };
      }
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
}());
