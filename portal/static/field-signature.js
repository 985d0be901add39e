/* The signature pad of the visit form: finger (or mouse) on a canvas. Kept apart from
   field-visit.js so the drawing code can be read on its own; it holds only the pad's own state
   (drawing, signed, size) and is handed what it needs of the form's state as callbacks, so the
   draft stays owned by the form. Registered on window.ShoudiMedia (field-parts.js) as
   signaturePad, for field-visit.js. Plain ES5. */
(function (M) {
  "use strict";
  if (!M) { return; }

  /* opts: area, canvas, clear (elements); consent (checkbox or null: without it a signature is
     always wanted); isLocked() – the form waits in the outbox or was sent; saved() – the draft's
     signature as a data URL, or null; onSign(dataUrl) after each stroke; onClear() after 清除.
     Returns wanted(), signed() and show() (shows or hides the pad as consent says). */
  M.signaturePad = function (opts) {
    var signArea = opts.area, canvas = opts.canvas, consent = opts.consent;
    var ctx = canvas.getContext ? canvas.getContext("2d") : null;
    var drawing = false, signed = false, last = null, sized = false;

    function wantsSignature() { return !consent || consent.checked; }

    function blank() {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }

    /* Sized to the pixels on screen (at most 2x, to keep the PNG small); resizing clears a
       canvas, so the signature kept in the draft is drawn back. */
    function sizeCanvas() {
      if (!ctx || signArea.hidden || !canvas.clientWidth) { return; }
      var ratio = Math.min(window.devicePixelRatio || 1, 2);
      var w = Math.round(canvas.clientWidth * ratio), h = Math.round(canvas.clientHeight * ratio);
      if (sized && canvas.width === w && canvas.height === h) { return; }
      canvas.width = w;
      canvas.height = h;
      sized = true;
      blank();
      var saved = opts.saved();
      if (saved) {
        var img = new Image();
        img.onload = function () { ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(img, 0, 0, canvas.width, canvas.height); };
        img.src = saved;
        signed = true;
      }
    }

    function showSignArea() {
      signArea.hidden = !wantsSignature();
      sizeCanvas();
    }

    function start(e) {
      if (opts.isLocked() || !ctx) { return; }
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
      opts.onSign(canvas.toDataURL("image/png"));
    }

    if (ctx) {
      // Pointer events where there are some; old WeChat browsers get touch and mouse events.
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

    opts.clear.addEventListener("click", function () {
      if (opts.isLocked() || !ctx) { return; }
      blank();
      signed = false;
      opts.onClear();
    });
    if (consent) { consent.addEventListener("change", showSignArea); }
    window.addEventListener("resize", function () { sized = false; sizeCanvas(); });

    return {wanted: wantsSignature, signed: function () { return signed; }, show: showSignArea};
  };
}(window.ShoudiMedia));
