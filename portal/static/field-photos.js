/* The photo list of the visit form: photos shrunk on the phone (field-parts.js), kept in
   IndexedDB under their own UUID, shown with a 删除 button. Kept apart from field-visit.js; it
   owns only the count of photos still being shrunk and is handed the form's state as callbacks
   (the draft holds the list of photo UUIDs), so the draft stays owned by the form. Registered on
   window.ShoudiMedia as photoList, for field-visit.js; loaded after field.js and field-parts.js.
   Plain ES5. */
(function (F, M) {
  "use strict";
  if (!F || !M) { return; }
  var each = F.each, noop = F.noop, store = F.store, newUuid = F.uuid;
  var MAX_PHOTOS = F.limits.maxPhotos, MAX_SIDE = F.limits.maxSide, QUALITY = F.limits.quality;

  /* opts: list (the <ul>), inputs (the camera and gallery file inputs), owner (the draft key the
     photos are stored under), isLocked(), draft() – the current draft or null, ensureDraft() –
     the draft, made if there is none yet, save() – keep the draft, showError(name, message).
     Returns busy() – photos still being shrunk or stored – and restore(). */
  M.photoList = function (opts) {
    var photoList = opts.list, key = opts.owner, save = opts.save, showError = opts.showError;
    var busy = 0;

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
        if (opts.isLocked()) { return; }
        var photos = opts.draft().photos;
        var at = photos.indexOf(id);
        if (at >= 0) { photos.splice(at, 1); }
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
      var draft = opts.ensureDraft();
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
          var id = newUuid();
          store.put("photos", {uuid: id, owner: key, dataUrl: dataUrl}, function (err) {
            busy -= 1;
            if (err) { showError("photos", "手机存储空间不足，照片没有保存。请先联网发送已保存的记录。"); return; }
            // Asked for again: the draft may have been sent (and a new one begun) meanwhile.
            opts.ensureDraft().photos.push(id);
            save();
            showPhoto(id, dataUrl);
          });
        });
      });
    }

    each(opts.inputs, function (input) {
      input.addEventListener("change", function () { addFiles(input); });
    });

    function restorePhotos() {
      var draft = opts.draft();
      if (!draft) { return; }
      each(draft.photos.slice(), function (id) {
        store.get("photos", id, function (err, photo) { showPhoto(id, photo ? photo.dataUrl : null); });
      });
    }

    return {busy: function () { return busy; }, restore: restorePhotos};
  };
}(window.ShoudiField, window.ShoudiMedia));
