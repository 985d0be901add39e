/* The whole grid on the phone for one working day (本网格离线), and the numbers for a remote check.

   - Download: "下载本网格" on 我的工作, and by itself when the browser says it is on Wi-Fi
     (navigator.connection.type, where the browser tells; elsewhere only on request). One answer,
     GET /api/v1/grid: the households of the worker's grid with their members (names, ID and
     phone numbers masked), the open cases assigned to them, the screening form. Kept in
     IndexedDB (store "grid", one record per account, field-store.js), and the service worker is asked
     to keep /field/ and the generic visit form (/field/visit-shell).
   - Offline: the service worker answers a household's form that was never opened on this phone
     with that generic form; fillShell() puts the household in from the kept grid. 我的工作 lists
     the kept households (a filter by name, on the phone only).
   - Cleared: at logout, when the server answers 401 or 403 (logged out, account deactivated),
     when another account opens a field page, and after the day it was downloaded on (local
     time: on the next open, and by a timer while a page is open). Only the grid: drafts and
     visits not yet sent stay, tied to their account.
   - Remote check: the assigned worker may show the household's numbers in full, as tel: links
     (GET /api/v1/households/<id>/phones, an audited read). They are put on the page only, never
     kept: offline the form shows the masked numbers.
   Loaded after field.js (window.ShoudiField), before field-visit.js. Plain ES5. */
(function (F) {
  "use strict";
  if (!F) { return; }
  var byId = F.byId, each = F.each, noop = F.noop, store = F.store, USER = F.user;
  var KEY = "grid:" + USER;
  var GRID_URL = F.api + "/grid", SHELL_URL = "/field/visit-shell", WORK_URL = "/field/";
  var GRID_TIMEOUT_MS = 2 * 60 * 1000;
  var AUTO_EVERY_MS = 60 * 60 * 1000;  // on Wi-Fi, a kept grid is renewed once it is an hour old

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localDay(d) {
    d = d || new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }
  function find(list, id) {
    for (var i = 0; i < list.length; i++) { if (list[i].id === id) { return list[i]; } }
    return null;
  }

  // --- what is kept ----------------------------------------------------------------------------

  function drop(keys, cb) {
    var left = keys.length;
    if (!left) { cb(); return; }
    each(keys, function (key) { store.del("grid", key, function () { left -= 1; if (!left) { cb(); } }); });
  }

  /* cb(item): this account's grid of today, or null. Another account's, or one of an earlier
     day, is deleted on the way. */
  function load(cb) {
    store.all("grid", function (err, items) {
      var mine = null, gone = [];
      each(items || [], function (item) {
        if (item.user === USER && item.day === localDay()) { mine = item; } else { gone.push(item.uuid); }
      });
      drop(gone, function () { cb(mine); });
    });
  }

  function clear(cb) {
    store.all("grid", function (err, items) {
      var keys = [];
      each(items || [], function (item) { keys.push(item.uuid); });
      drop(keys, cb || noop);
    });
  }

  // --- 我的工作: the status line, the button and the kept households ----------------------------

  var box = byId("grid"), statusEl = byId("grid-status"), button = byId("grid-download");
  var listBox = byId("grid-list"), rowsEl = byId("grid-rows"), filterEl = byId("grid-filter");
  var kept = null, busy = false;

  function say(text, bad) {
    if (!statusEl) { return; }
    statusEl.textContent = text;
    statusEl.className = "grid-status" + (bad ? " bad" : "");
  }

  function sizeText(bytes) {
    return bytes >= 1024 * 1024 ? (bytes / 1024 / 1024).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function describe(item) {
    var data = item.data, at = new Date(item.fetchedAt), members = 0;
    each(data.households, function (h) { members += h.members.length; });
    var text = "已保存本网格 " + data.households.length + " 户（" + members + " 人，指派给您的线索 " +
      data.cases.length + " 条，约 " + sizeText(item.bytes) + "），于 " + pad(at.getHours()) + ":" +
      pad(at.getMinutes()) + " 下载；今天结束时自动清除。";
    if (data.truncated) { text += "本网格超过" + data.limit + "户，只保存了前" + data.limit + "户。"; }
    return text;
  }

  function show(item) {
    kept = item;
    if (!box) { return; }
    box.hidden = false;
    if (!item) {
      if (listBox) { listBox.hidden = true; }
      return;
    }
    say(describe(item), false);
    listRows();
  }

  function visitUrl(householdId, caseId) {
    return "/field/households/" + householdId + "/visit" + (caseId ? "?case=" + caseId : "");
  }

  function line(className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  function listRows() {
    if (!rowsEl || !kept) { return; }
    var term = filterEl ? filterEl.value.replace(/\s/g, "") : "";
    var verifying = {};
    each(kept.data.cases, function (c) { if (c.verifying && c.household_id) { verifying[c.household_id] = c.id; } });
    rowsEl.innerHTML = "";
    each(kept.data.households, function (h) {
      var names = [];
      each(h.members, function (m) { names.push(m.name); });
      if (term && names.join(" ").indexOf(term) < 0) { return; }
      var head = null;
      each(h.members, function (m) { if (m.head) { head = m; } });
      var li = document.createElement("li");
      li.className = "row";
      li.setAttribute("data-household", String(h.id));
      var a = document.createElement("a");
      a.href = visitUrl(h.id, verifying[h.id]);
      a.appendChild(line("who", h.head || "（未登记户主）"));
      a.appendChild(line("meta", h.region + (h.address ? " · " + h.address : "") + " · 家庭" + h.size + "人"));
      if (head && (head.id_masked || head.phone_masked)) {
        a.appendChild(line("meta", (head.id_masked ? "身份证 " + head.id_masked : "") +
          (head.phone_masked ? " · 电话 " + head.phone_masked : "")));
      }
      a.appendChild(line("meta", h.last_visit ? "上次走访 " + h.last_visit : "还没有走访记录"));
      li.appendChild(a);
      rowsEl.appendChild(li);
    });
    listBox.hidden = false;
    F.refresh();  // marks the households with a visit waiting to be sent
  }

  function denied() {
    clear(function () { show(null); });
    F.toWorker({type: "forget"});  // the kept pages go too
  }

  function download(auto) {
    if (busy || !box) { return; }
    busy = true;
    if (button) { button.disabled = true; }
    say("正在下载本网格…", false);
    F.request("GET", GRID_URL, null, null, GRID_TIMEOUT_MS, function (status, data) {
      busy = false;
      if (button) { button.disabled = false; }
      if (status === 200 && data && data.households) {
        var text = JSON.stringify(data);
        var item = {uuid: KEY, user: USER, day: localDay(), fetchedAt: Date.now(),
                    bytes: window.Blob ? new Blob([text]).size : text.length, data: data};
        store.put("grid", item, function (err) {
          if (err) { say("手机存储空间不足，没能保存本网格。", true); return; }
          show(item);
          var site = window.location.protocol + "//" + window.location.host;
          F.toWorker({type: "remember", url: site + SHELL_URL});
          F.toWorker({type: "remember", url: site + WORK_URL});
        });
      } else if (status === 401 || status === 403) {
        denied();
        say("登录已失效或账号已停用：手机上保存的本网格已清除。请重新登录。", true);
      } else if (status === 0) {
        if (!auto) { say("没有网络，现在下载不了。有信号时再点“下载本网格”。", true); } else { show(kept); }
      } else {
        say((data && data.error && data.error.message) || "下载失败（" + status + "），请稍后再试。", true);
      }
    });
  }

  function onWifi() {
    var c = navigator.connection;
    return !!c && c.type === "wifi";
  }

  function maybeAuto() {
    if (box && onWifi() && navigator.onLine !== false && (!kept || Date.now() - kept.fetchedAt > AUTO_EVERY_MS)) {
      download(true);
    }
  }

  if (button) { button.addEventListener("click", function () { download(false); }); }
  if (filterEl) { filterEl.addEventListener("input", listRows); }
  if (navigator.connection && navigator.connection.addEventListener) {
    navigator.connection.addEventListener("change", maybeAuto);
  }
  F.on("denied", denied);

  var logout = byId("logout");
  if (logout) { logout.addEventListener("submit", function () { clear(); }); }

  /* The day is over (local time): the grid goes, whatever page is open. */
  window.setInterval(function () {
    if (kept && kept.day !== localDay()) {
      clear(function () { show(null); say("昨天保存的本网格已清除。", false); });
    }
  }, 60000);

  load(function (item) {
    show(item);
    maybeAuto();
  });

  // --- the generic visit form, filled in from the kept grid ------------------------------------

  function setText(id, text) {
    var el = byId(id);
    if (el) { el.textContent = text; el.hidden = !text; }
    return el;
  }

  function caseText(c) {
    var text = "核实线索 #" + c.id + " · " + c.state;
    if (c.days_left === null || c.days_left === undefined) { return text; }
    if (c.days_left < 0) { return text + " · 已超期" + (-c.days_left) + "天"; }
    return text + (c.days_left === 0 ? " · 今天到期" : " · 还剩" + c.days_left + "天");
  }

  /* done(true) once the form names a household of the kept grid; else it says why. */
  function fillShell(form, done) {
    var path = /^\/field\/households\/(\d+)\/visit$/.exec(window.location.pathname);
    var asked = /[?&]case=(\d+)/.exec(window.location.search);
    var missing = byId("shell-missing");
    if (!path) { done(false); return; }
    load(function (item) {
      var h = item ? find(item.data.households, parseInt(path[1], 10)) : null;
      var c = item && asked ? find(item.data.cases, parseInt(asked[1], 10)) : null;
      if (!h || (asked && (!c || c.household_id !== h.id))) {
        missing.textContent = !h ? "这户没有保存在手机上（本网格还没下载，或已清除）。有信号时再打开，或有信号时先在“我的工作”点“下载本网格”。"
          : "这条线索没有保存在手机上。有信号时再打开。";
        done(false);
        return;
      }
      var head = null;
      each(h.members, function (m) { if (m.head) { head = m; } });
      setText("shell-head", h.head || "（未登记户主）");
      document.title = "走访 " + (h.head || "") + " · 守底";
      var idLine = byId("shell-id");
      if (head && head.id_masked) { idLine.querySelector("span").textContent = head.id_masked; idLine.hidden = false; }
      setText("shell-meta", h.region + (h.address ? " · " + h.address : "") + " · 家庭" + h.size + "人");
      if (c) {
        var caseLine = setText("shell-case", caseText(c));
        if (c.days_left !== null && c.days_left < 0) { caseLine.className = "case overdue"; }
        byId("shell-not-verifying").hidden = !!c.verifying;
        var consentLabel = byId("consent-label");
        if (consentLabel) { consentLabel.parentNode.removeChild(consentLabel); }
        byId("sign-case-hint").hidden = false;
      }
      missing.hidden = true;
      byId("shell-offline").hidden = false;
      form.setAttribute("data-household", String(h.id));
      form.setAttribute("data-case", c ? String(c.id) : "");
      form.setAttribute("data-size", String(h.size));
      form.setAttribute("data-label", h.head || "");
      form.elements.household_size.value = String(h.size);
      fillCalls(h);
      done(true);
    });
  }

  // --- a remote check: the numbers, masked, and in full for the assigned worker ----------------

  function fillCalls(h) {
    var panel = byId("call"), list = byId("call-numbers");
    if (!panel || !list) { return; }
    list.innerHTML = "";
    each(h.members, function (m) {
      if (!m.phone_masked) { return; }
      var li = document.createElement("li");
      li.appendChild(document.createTextNode(m.name + (m.relation ? "（" + m.relation + "）" : "") + " "));
      li.appendChild(line("masked", m.phone_masked));
      list.appendChild(li);
    });
    panel.hidden = !list.firstChild;
    panel.setAttribute("data-may-call", list.firstChild ? "1" : "0");  // the grid is the worker's own
    byId("call-show").hidden = !list.firstChild;
  }

  var callButton = byId("call-show"), callStatus = byId("call-status");

  function callSay(text) { callStatus.textContent = text; callStatus.hidden = !text; }

  function showNumbers(items) {
    var list = byId("call-numbers");
    list.innerHTML = "";
    each(items, function (n) {
      var li = document.createElement("li");
      li.appendChild(document.createTextNode(n.name + (n.relation ? "（" + n.relation + "）" : "") + " "));
      var a = document.createElement("a");
      a.href = "tel:" + n.phone.replace(/[^\d+]/g, "");
      a.textContent = n.phone;
      a.setAttribute("data-testid", "tel");
      li.appendChild(a);
      list.appendChild(li);
    });
    callButton.hidden = true;
    callSay("点号码即可拨打。号码只显示在这一页，不保存在手机上。");
  }

  if (callButton) {
    callButton.addEventListener("click", function () {
      var form = byId("visit");
      var householdId = form.getAttribute("data-household"), caseId = form.getAttribute("data-case");
      if (!householdId) { return; }
      callSay("正在获取号码…");
      var url = F.api + "/households/" + householdId + "/phones" + (caseId ? "?case_id=" + caseId : "");
      F.request("GET", url, null, null, 30000, function (status, data) {
        if (status === 200 && data && data.items) {
          showNumbers(data.items);
        } else if (status === 0) {
          callSay("没有网络：完整号码要联网查看（每次查看都有记录），手机上只保存遮挡后的号码。");
        } else if (status === 401) {
          callSay("登录已过期，请重新登录后再查看。");
        } else {
          callSay((data && data.error && data.error.message) || "暂时无法查看完整号码（" + status + "）");
        }
      });
    });
  }

  window.ShoudiGrid = {fillShell: fillShell, load: load, clear: clear, download: download};
}(window.ShoudiField));
