// Keeps the job page current without reloading it: asks the status every two seconds until the
// job has finished, then reloads once so the page shows its final form (download or retry).
(function () {
  var box = document.getElementById("job");
  if (!box || box.getAttribute("data-finished") === "true" || !window.XMLHttpRequest) return;
  var url = box.getAttribute("data-status-url");
  function show(s) {
    document.getElementById("job-progress").value = s.percent;
    document.getElementById("job-state").textContent = s.state_label;
    document.getElementById("job-count").textContent =
      s.total ? "已完成 " + s.done + " / " + s.total + "（" + s.percent + "%）" : "正在准备…";
    var message = document.getElementById("job-message");
    message.textContent = s.message || "";
    message.hidden = !s.message;
  }
  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status !== 200) return setTimeout(poll, 5000);
      var s = JSON.parse(request.responseText);
      show(s);
      if (s.finished) { window.location.reload(); } else { setTimeout(poll, 2000); }
    };
    request.onerror = function () { setTimeout(poll, 5000); };  // a weak signal: try again later
    request.send();
  }
  setTimeout(poll, 2000);
})();
